"""The errors the API answers with, and the one JSON shape they take.

Services raise these; the handlers in `budget.common.handlers` turn them into
`{"detail", "code", "errors"?}` responses.
"""

from typing import Any

STATUS_CODES = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "throttled",
    500: "server_error",
    503: "service_unavailable",
}

STATUS_DETAILS = {
    400: "The request could not be understood.",
    401: "Authentication is required: send a valid Bearer token.",
    403: "Your role in this ledger does not allow this.",
    404: "Not found.",
    405: "This method is not allowed here.",
    409: "This conflicts with the current state.",
    413: "The request is too large.",
    422: "Some fields are invalid.",
    429: "Too many requests. Try again later.",
    500: "Something went wrong on our side. The error was logged.",
    503: "The service is unavailable right now.",
}


def error_body(
    status: int,
    detail: str | None = None,
    code: str | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "detail": detail or STATUS_DETAILS.get(status, "Request failed."),
        "code": code or STATUS_CODES.get(status, "error"),
    }
    if errors:
        body["errors"] = errors
    return body


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        self.detail = detail or STATUS_DETAILS[self.status]
        if code:
            self.code = code
        self.errors = errors
        super().__init__(self.detail)

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.detail, self.code, self.errors)


class NotAuthenticated(ApiError):
    status = 401
    code = "not_authenticated"


class Forbidden(ApiError):
    status = 403
    code = "permission_denied"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class Invalid(ApiError):
    """422 about input. `field` names the field when there is one."""

    status = 422
    code = "validation_error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        field: str | None = None,
        code: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        if field and not errors:
            errors = [{"field": field, "message": detail or "Invalid value."}]
        super().__init__(detail, code=code, errors=errors)
