"""The OpenAPI schema is a contract (SPEC §19): every operation declares the errors it can
actually answer with, in the one Error schema, under a short and stable operation id."""

import ast
import inspect
import json
import re
import textwrap
import uuid
import weakref
from collections.abc import Callable
from functools import cache

import jsonschema
import pytest
import schemathesis
from django.dispatch import Signal
from tests.helpers import assert_error

from budget.common.errors import ApiError
from budget.common.openapi import EXTRA_ERRORS
from budget.ledgers.models import Membership, Role
from config.api import api as ninja_api

SCHEMA = ninja_api.get_openapi_schema(path_prefix="/api/v1")
OPERATIONS = [
    pytest.param(method.upper(), path, op, id=op["operationId"])
    for path, item in SCHEMA["paths"].items()
    for method, op in item.items()
]
ERROR_REF = {"$ref": "#/components/schemas/Error"}


def _views() -> dict[str, Callable]:
    """Operation id → view function, as the schema names them."""
    views = {}
    for router in ninja_api._get_bound_routers():
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                views[ninja_api.get_openapi_operation_id(operation)] = operation.view_func
    return views


VIEWS = _views()


def declared(op: dict) -> set[int]:
    return {int(status) for status in op["responses"]}


def errors_of(op: dict) -> set[int]:
    return {status for status in declared(op) if status >= 400}


# --- what the code can raise, read from its source --------------------------------------------


def _resolve(func: Callable, expr: ast.AST):
    """The object a name in `func` stands for: `services.wallet_update`, `Conflict`."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    scope = {**func.__globals__, **inspect.getclosurevars(func).nonlocals}
    obj = scope.get(expr.id)
    for attr in reversed(parts):
        obj = getattr(obj, attr, None)
    return obj


def _is_viewer_access(node: ast.Call) -> bool:
    """`ledger_access(request, lid)`: membership only, no role to check."""
    role = node.args[2] if len(node.args) > 2 else None
    role = role or next((k.value for k in node.keywords if k.arg == "role"), None)
    return role is None or ast.unparse(role) == "Role.VIEWER"


def _caught(func: Callable, handler: ast.ExceptHandler) -> set[int] | None:
    """The statuses an `except` clause swallows; None for all of them."""
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    statuses: set[int] = set()
    for expr in types:
        cls = _resolve(func, expr) if expr is not None else Exception
        if not inspect.isclass(cls):
            continue
        if cls in {Exception, ApiError}:
            return None
        if issubclass(cls, ApiError):
            statuses.add(cls.status)
    return statuses


def _statuses(func: Callable, node: ast.AST) -> set[int]:
    if isinstance(node, ast.Try):
        found: set[int] = set()
        for child in node.body:
            found |= _statuses(func, child)
        for handler in node.handlers:
            caught = _caught(func, handler)
            found = set() if caught is None else found - caught
        for child in [*node.handlers, *node.orelse, *node.finalbody]:
            found |= _statuses(func, child)
        return found
    found = set()
    if isinstance(node, ast.Call):
        obj = _resolve(func, node.func)
        if inspect.isclass(obj) and issubclass(obj, ApiError):
            found.add(obj.status)
        elif getattr(obj, "__name__", "") == "ledger_access":
            found.add(404)
            if not _is_viewer_access(node):
                found.add(403)
        elif inspect.isfunction(obj) and obj.__module__.startswith("budget."):
            found |= raisable(obj)
        elif isinstance(getattr(obj, "__self__", None), Signal) and obj.__name__ == "send":
            # A core app's hook: what the receivers that dependents connected can raise.
            for receiver in _receivers(obj.__self__):
                found |= raisable(receiver)
    for child in ast.iter_child_nodes(node):
        found |= _statuses(func, child)
    return found


def _receivers(signal: Signal) -> list[Callable]:
    """The functions connected to `signal` (django keeps them as weak references)."""
    found = []
    for _key, ref, *_ in signal.receivers:
        receiver = ref() if isinstance(ref, weakref.ReferenceType) else ref
        if inspect.isfunction(receiver) and receiver.__module__.startswith("budget."):
            found.append(receiver)
    return found


@cache
def raisable(func: Callable) -> frozenset[int]:
    """The statuses of the API errors `func`, or a function of ours that it calls, can
    raise and not catch. Follows calls into budget.* only; `ledger_access` counts as 403
    only when it is asked for a role above viewer."""
    func = inspect.unwrap(func)
    if func in _walking:  # a recursive function: its own call adds nothing new
        return frozenset()
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError):
        return frozenset()
    _walking.add(func)
    try:
        return frozenset(_statuses(func, tree))
    finally:
        _walking.discard(func)


_walking: set[Callable] = set()


# --- the tests --------------------------------------------------------------------------------


def test_the_schema_is_valid_openapi():
    # schemathesis checks the document against the OpenAPI 3.1 meta-schema.
    schemathesis.openapi.from_dict(json.loads(json.dumps(SCHEMA))).validate()


def test_operation_ids_are_the_view_names_and_unique():
    ids = [param.values[2]["operationId"] for param in OPERATIONS]
    assert len(ids) == len(set(ids))
    assert {"transaction_create", "report_monthly", "wallet_list", "export_json"} <= set(ids)
    for op_id in ids:
        assert re.fullmatch(r"[a-z][a-z_]*", op_id), op_id
        assert op_id.endswith(VIEWS[op_id].__name__)


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS)
def test_every_error_uses_the_one_error_schema(method, path, op):
    for status in errors_of(op):
        if path.endswith("/health") and status == 503:
            continue  # health answers its own body when the database is down
        content = op["responses"][status]["content"]["application/json"]
        assert content["schema"] == ERROR_REF, (method, path, status)


def test_the_error_schema_is_the_error_shape():
    error = SCHEMA["components"]["schemas"]["Error"]
    assert error["required"] == ["detail", "code"]
    assert set(error["properties"]) == {"detail", "code", "errors"}
    assert "default" not in error["properties"]["errors"]  # left out, never null
    field = SCHEMA["components"]["schemas"]["ErrorField"]
    assert field["required"] == ["field", "message"]


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS)
def test_errors_follow_from_auth_ids_body_and_query(method, path, op):
    errors = errors_of(op)
    assert 503 in errors
    assert (401 in errors) == bool(op.get("security")) or op["operationId"] in EXTRA_ERRORS
    params = {p["in"] for p in op["parameters"]}
    assert ("path" in params) == (404 in errors)
    if "query" in params or "requestBody" in op:
        assert 422 in errors
    if "requestBody" in op:
        assert {400, 413} <= errors


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS)
def test_every_error_the_code_can_raise_is_declared(method, path, op):
    raised = raisable(VIEWS[op["operationId"]])
    assert raised <= errors_of(op), f"{op['operationId']} can answer {sorted(raised)}"


@pytest.mark.parametrize(("op_id", "statuses"), sorted(EXTRA_ERRORS.items()))
def test_every_extra_error_is_one_the_code_can_raise(op_id, statuses):
    # 429 of the sign-in family comes from throttles, not from the view.
    assert statuses - {429} <= raisable(VIEWS[op_id]), op_id


@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS)
def test_403_is_declared_where_a_role_is_checked(method, path, op):
    assert (403 in errors_of(op)) == (403 in raisable(VIEWS[op["operationId"]]))


def test_ledger_and_group_posts_and_bulk_patches_take_an_idempotency_key():
    for method, path, op in (param.values for param in OPERATIONS):
        headers = {p["name"] for p in op["parameters"] if p["in"] == "header"}
        bulk_patch = method == "PATCH" and path.endswith("/bulk")
        scoped = path.startswith(("/api/v1/ledgers/{lid}/", "/api/v1/groups/{gid}/")) and (
            method == "POST" or bulk_patch
        )
        assert ("Idempotency-Key" in headers) == scoped, (method, path)


def test_export_json_describes_the_ledger_document():
    op = SCHEMA["paths"]["/api/v1/ledgers/{lid}/export.json"]["get"]
    schema = op["responses"][200]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/LedgerDocument"}
    document = SCHEMA["components"]["schemas"]["LedgerDocument"]
    assert {"format", "version", "ledger", "wallets", "transactions"} <= set(document["properties"])
    restore = SCHEMA["paths"]["/api/v1/ledgers/import-json"]["post"]["requestBody"]
    assert restore["content"]["application/json"]["schema"] == schema


# --- what the running API answers is declared -------------------------------------------------

_PARAM = re.compile(r"\{(\w+)\}")


def _fill(path: str, lid: uuid.UUID) -> str:
    path = path.removeprefix("/api/v1")
    return _PARAM.sub(lambda m: str(lid if m.group(1) == "lid" else uuid.uuid4()), path)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path", "op"), OPERATIONS)
def test_what_a_client_gets_wrong_is_answered_as_declared(api, user, make_user, method, path, op):
    viewer = make_user("viewer@example.com")
    Membership.objects.create(ledger=user.default_ledger, user=viewer, role=Role.VIEWER)
    target = _fill(path, user.default_ledger_id)
    probes = [api.request(method, target, {})]
    for client in (api.as_user(user), api.as_user(viewer)):
        probes += [
            client.request(method, target, None),
            client.request(method, target, {}),
            client.request(method, target, "not json"),
            client.request(method, target, {"name": "x" * 300, "amount": "-1"}),
        ]
    for response in probes:
        assert response.status_code in declared(op), (
            response.status_code,
            response.content[:200],
        )
        if response.status_code >= 400:
            assert_error(response, response.status_code)
            jsonschema.validate(response.json(), {**ERROR_REF, "components": SCHEMA["components"]})
