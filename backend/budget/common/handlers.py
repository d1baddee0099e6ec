"""Exception handlers that give every failure under /api the one JSON error shape."""

import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, SuspiciousOperation
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja_extra.exceptions import APIException as JWTAPIException

from budget.common.errors import ApiError, error_body

logger = logging.getLogger("budget.api")

# Where a value sits in the request; ninja puts these first in a pydantic error's `loc`.
_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def field_name(loc: tuple | list, param_names: set[str] | None = None) -> str:
    """`("body", "payload", "amount")` → "amount"; `("body", "payload", "items", 3, "amount")`
    → "items.3.amount". The parameter name ninja inserts after the source is dropped."""
    parts = list(loc)
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source in {"body", "form"} and len(parts) > 1 and isinstance(parts[0], str):
            parts.pop(0)
    return ".".join(str(p) for p in parts) or "body"


def clean_message(message: str) -> str:
    for prefix in ("Value error, ", "Assertion failed, "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


# Pydantic's own phrasing ("String should have at most 100 characters") for the common
# problems, as one plain sentence a person acts on.
_PLAIN_MESSAGES = {
    "string_too_long": "Use at most {max_length} characters.",
    "string_too_short": "Enter at least {min_length} characters.",
    "too_long": "Give at most {max_length} items.",
    "too_short": "Give at least {min_length} items.",
    "missing": "Fill this in.",
    "greater_than": "Enter a number above {gt}.",
    "greater_than_equal": "Enter {ge} or more.",
    "less_than": "Enter a number below {lt}.",
    "less_than_equal": "Enter {le} or less.",
    "int_parsing": "Enter a whole number.",
    "int_type": "Enter a whole number.",
    "bool_parsing": "Use true or false.",
    "bool_type": "Use true or false.",
    "uuid_parsing": "This is not a valid id.",
    "uuid_type": "This is not a valid id.",
    "date_parsing": "Enter a date as YYYY-MM-DD.",
    "date_from_datetime_parsing": "Enter a date as YYYY-MM-DD.",
    "date_type": "Enter a date as YYYY-MM-DD.",
    "datetime_parsing": "Enter a date and time as YYYY-MM-DDTHH:MM:SS.",
    "datetime_from_date_parsing": "Enter a date and time as YYYY-MM-DDTHH:MM:SS.",
    "string_type": "Enter text.",
    "list_type": "Give a list.",
    "dict_type": "Give an object.",
    "model_type": "Give an object.",
    "enum": "Choose one of: {expected}.",
    "literal_error": "Choose one of: {expected}.",
    "string_pattern_mismatch": "This is not in the expected form.",
}


def plain_message(err: dict) -> str:
    """One sentence for a validation problem: ours as written (a ValueError's text), Pydantic's
    common ones reworded."""
    template = _PLAIN_MESSAGES.get(err.get("type", ""))
    if template is not None:
        try:
            return template.format(**(err.get("ctx") or {}))
        except (KeyError, IndexError, ValueError):
            pass
    return clean_message(err.get("msg", ""))


def validation_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [
        {"field": field_name(err.get("loc", ())), "message": plain_message(err)}
        for err in exc.errors
    ]


_TRANSIENT = ("locked", "busy", "connect", "server closed", "terminating connection")


def _transient(exc: OperationalError) -> bool:
    """A lock timeout or a lost connection, as opposed to a broken query."""
    message = str(exc).lower()
    return any(word in message for word in _TRANSIENT)


def install(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiError)
    def on_api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, exc.body())

    @api.exception_handler(ValidationError)
    def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = validation_errors(exc)
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        detail = f"Some fields are invalid: {fields}." if fields else None
        return respond(request, 422, error_body(422, detail, errors=errors))

    @api.exception_handler(AuthenticationError)
    def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = respond(request, 401, error_body(401))
        response["WWW-Authenticate"] = "Bearer"
        return response

    @api.exception_handler(JWTAPIException)
    def on_jwt_error(request: HttpRequest, exc: JWTAPIException) -> HttpResponse:
        return respond(request, 401, error_body(401, "The token is invalid or expired."))

    @api.exception_handler(HttpError)
    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, ApiError):
            # ninja turns every error of the body parser into this 400; the parser's own
            # refusals (too deep, NUL characters: budget.common.parser) keep their answer.
            return on_api_error(request, exc.__cause__)
        status = exc.status_code
        detail = str(exc)
        if status == 400 and detail.startswith("Cannot parse request body"):
            detail = "The request body is not valid JSON."
        elif status == 429:
            detail = None
        return respond(request, status, error_body(status, detail))

    @api.exception_handler(RequestDataTooBig)
    def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        detail = f"The request body is too large: at most {limit} bytes."
        return respond(request, 413, error_body(413, detail))

    @api.exception_handler(SuspiciousOperation)
    def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Too many form fields or files (TooManyFieldsSent, TooManyFilesSent), and the like.
        logger.warning("Refused %s %s: %s", request.method, request.path, exc)
        return respond(request, 400, error_body(400))

    @api.exception_handler(MultiPartParserError)
    def on_bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        detail = "The multipart body is malformed (a boundary missing or a part cut off)."
        return respond(request, 400, error_body(400, detail))

    @api.exception_handler(Http404)
    def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, error_body(404))

    @api.exception_handler(ObjectDoesNotExist)
    def on_does_not_exist(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return respond(request, 404, error_body(404))

    @api.exception_handler(OperationalError)
    def on_database_unavailable(request: HttpRequest, exc: OperationalError) -> HttpResponse:
        # The database is busy (SQLite's write lock held past its timeout, e.g. by a long
        # import) or unreachable: the request changed nothing and can be sent again. Any
        # other OperationalError is a bug, and a 500 with its traceback in the log.
        if not _transient(exc):
            return on_unhandled(request, exc)
        logger.warning("Database unavailable on %s %s: %s", request.method, request.path, exc)
        detail = "The database is busy or unreachable; nothing was changed. Try again shortly."
        response = respond(request, 503, error_body(503, detail))
        response["Retry-After"] = "5"
        return response

    @api.exception_handler(Exception)
    def on_unhandled(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return respond(request, 500, error_body(500))
