"""The OpenAPI schema as a contract for clients (SPEC §19).

Ninja declares only the success answers. `BudgetAPI` adds the error answers every
operation can give, all with the one `Error` schema of `budget.common.errors`, so a
generated client gets typed errors. Most of them follow from what ninja knows about an
operation (its auth, path ids, body and query, throttles, method); the few that do not —
a business rule that can refuse (409), a 401 from an endpoint without auth — are in
`EXTRA_ERRORS`, which `budget/common/tests/test_openapi.py` pins against the code.

Operation ids are the view functions' names (`transaction_create`), short and stable.
"""

from collections.abc import Callable
from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from budget.common.errors import STATUS_DETAILS

ERROR_SCHEMA = "Error"

# Answers a business rule gives (409), or that come from a place the operation's
# declaration does not show (a 401 from a sign-in without auth, a 429 from a throttle
# inside the view). Keyed by operation id.
EXTRA_ERRORS: dict[str, set[int]] = {
    # accounts
    "register": {403, 409},
    "token_obtain": {401},
    "token_refresh": {401},
    "me_delete": {409, 429},
    "password_change": {429},
    "verify_email_resend": {409},
    "two_factor_setup": {409},
    "two_factor_enable": {409},
    "two_factor_disable": {409},
    # ledgers and members: the last owner cannot leave or be demoted; only owners read
    # the pending invitations
    "ledger_invitation_list": {403},
    # a currency change with money in other currencies (SPEC §14)
    "ledger_update": {409},
    # an invitation is accepted from a verified address only
    "invitation_accept": {403},
    "member_update": {409},
    "member_remove": {409},
    # groups (SPEC §15): a currency with expenses, a participant in expenses, what the
    # mirrored transactions in connected ledgers refuse
    "group_update": {403, 409},
    "group_delete": {403},
    "participant_create": {403, 409},
    "participant_update": {403},
    "participant_delete": {403, 409},
    "connection_get": {403},
    "connection_set": {403, 409},
    "connection_delete": {403},
    "expense_create": {409},
    "expense_update": {409},
    "expense_delete": {409, 422},
    "settlement_create": {409},
    # money: names taken, balances not zero, still used, the system bucket, percent sums
    "wallet_create": {409},
    "wallet_update": {409},
    "wallet_delete": {409},
    "bucket_create": {409},
    "bucket_update": {409},
    "bucket_delete": {409},
    "bucket_percents_set": {409},
    "category_create": {409},
    "category_update": {409},
    "category_delete": {409},
    "payee_create": {409},
    "payee_update": {409},
    "payee_delete": {409},
    # a transaction that mirrors a group expense is changed from its group only (SPEC §15)
    "transaction_update": {409},
    "transaction_delete": {409},
    "transaction_bulk_update": {409},
    # planning: budgets of one category may not overlap
    "budget_create": {409},
    "budget_update": {409},
    # imports: a job in the wrong state
    "import_commit": {409},
    "import_delete": {409},
    # webhooks: only owners read them
    "webhook_list": {403},
    "webhook_detail": {403},
    "webhook_deliveries": {403},
    # import profiles: a name or a wallet's default taken
    "import_profile_create": {409},
    "import_profile_update": {409},
}

# Ids that would be ambiguous as bare function names.
_OPERATION_ID_PREFIXES = {"budget.reports.api": "report_"}

# The path parameters that name a ledger or a group: their POSTs take an Idempotency-Key.
_SCOPES = {"lid", "gid"}
# Every write in a ledger checks the caller's role (403). In a group any linked member
# writes expenses; the writes only admins or the participant themselves may make declare
# their 403 in EXTRA_ERRORS.
_ROLE_SCOPES = {"lid"}

_READS = {"GET", "HEAD", "OPTIONS"}


class ErrorField(BaseModel):
    field: str = Field(description="The field, dotted for nested ones: `items.3.amount`.")
    message: str
    row: int | SkipJsonSchema[None] = Field(
        None, description="The row of a bulk request or an imported file, when there is one."
    )


class Error(BaseModel):
    """Every error answer of the API."""

    detail: str = Field(description="A sentence a person understands.")
    code: str = Field(description="snake_case, stable: `not_found`, `name_taken`, …")
    errors: list[ErrorField] | SkipJsonSchema[None] = Field(
        None, description="Only for problems with fields."
    )


def _param_names(operation: Operation, source: str) -> set[str]:
    return {
        name
        for model in operation.models
        if model.__ninja_param_source__ == source
        for name in model.model_fields
    }


def _sources(operation: Operation) -> set[str]:
    return {model.__ninja_param_source__ for model in operation.models}


def operation_errors(operation: Operation, operation_id: str) -> set[int]:
    """The error statuses `operation` can answer with."""
    sources = _sources(operation)
    path_params = _param_names(operation, "path")
    has_body = bool(sources & {"body", "form", "file"}) or _takes_raw_body(operation)
    writes = not (set(operation.methods) <= _READS)
    statuses = {503}
    if operation.auth_callbacks:
        statuses.add(401)
    if path_params:
        statuses.add(404)
    if writes and path_params & _ROLE_SCOPES:
        statuses.add(403)  # every write in a ledger checks the caller's role
    if has_body:
        statuses |= {400, 413, 422}  # unreadable, too large, invalid
    if "query" in sources:
        statuses.add(422)
    if operation.throttle_objects:
        statuses.add(429)
    if idempotent(operation):
        statuses |= {409, 422}  # the same key with another body; a malformed key
    return statuses | EXTRA_ERRORS.get(operation_id, set())


def _takes_raw_body(operation: Operation) -> bool:
    """A view that reads the body itself declares it in `openapi_extra`."""
    return "requestBody" in (operation.openapi_extra or {})


def idempotent(operation: Operation) -> bool:
    """A POST in a ledger or a group, or a bulk PATCH there: it accepts an `Idempotency-Key`
    header (SPEC §19)."""
    if not _param_names(operation, "path") & _SCOPES:
        return False
    bulk_patch = "PATCH" in operation.methods and operation.path.rstrip("/").endswith("/bulk")
    return "POST" in operation.methods or bulk_patch


# Header parameters that other apps declare for the operations they serve (budget.idempotency's
# `Idempotency-Key`), registered from their AppConfig.ready(): common knows no app above it.
_HEADERS: list[tuple[dict[str, Any], Callable[[Operation], bool]]] = []


def header_parameter_register(
    parameter: dict[str, Any], *, applies: Callable[[Operation], bool]
) -> None:
    """Declares an optional header `parameter` on every operation for which `applies` is true."""
    if all(parameter["name"] != known["name"] for known, _ in _HEADERS):
        _HEADERS.append((parameter, applies))


class BudgetOpenAPISchema(OpenAPISchema):
    def operation_details(self, operation: Operation) -> dict[str, Any]:
        result = super().operation_details(operation)
        responses = result["responses"]
        for status in sorted(operation_errors(operation, result["operationId"])):
            responses.setdefault(
                status,
                {
                    "description": STATUS_DETAILS[status],
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
                        }
                    },
                },
            )
        names = {(p["in"], p["name"].lower()) for p in result["parameters"]}
        for parameter, applies in _HEADERS:
            if applies(operation) and ("header", parameter["name"].lower()) not in names:
                result["parameters"].append(dict(parameter))
        return result

    def get_components(self) -> dict[str, Any]:
        components = super().get_components()
        schema = Error.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = {**schema.pop("$defs", {}), ERROR_SCHEMA: schema}
        for model in schemas.values():
            for prop in model["properties"].values():
                prop.pop("default", None)  # left out when empty, never null
        components["schemas"].update(schemas)
        return components


class BudgetAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return BudgetOpenAPISchema(self, path_prefix)

    def get_openapi_operation_id(self, operation: Operation) -> str:
        name = operation.view_func.__name__
        prefix = _OPERATION_ID_PREFIXES.get(operation.view_func.__module__, "")
        return name if name.startswith(prefix) else prefix + name
