"""The one gate to ledger-scoped data.

`LedgerAuth` is the authentication of every router under /ledgers/{lid}: after the bearer
token it checks that the caller is a member of `lid`, before the body is even parsed, so a
stranger gets 404 whatever they send. Endpoints then call `ledger_access` for the role.
"""

from functools import cache
from uuid import UUID

from django.db import connection
from django.http import HttpRequest

from budget.accounts.auth import BearerAuth, jwt_user_id
from budget.accounts.models import User
from budget.common.errors import Forbidden, NotFound
from budget.common.money import base_currency_set
from budget.common.raw import uuid_param
from budget.ledgers.models import Ledger, Membership, Role

_READ_ONLY = "You can view this ledger but not change it (your role is viewer)."


def _membership(user: User, lid) -> Membership:
    membership = (
        Membership.objects.select_related("ledger").filter(ledger_id=lid, user_id=user.pk).first()
    )
    if membership is None:
        # Missing and foreign ledgers look the same, so a stranger learns nothing.
        raise NotFound("Ledger not found.")
    return membership


_MEMBER_MODELS = (Membership, Ledger, User)


@cache
def _member_sql(vendor: str) -> tuple[str, list[list[tuple]]]:
    """The common case's query as one fixed text (built once from the models' columns, with
    each column's converters as Django's compiler would apply them): an active user's
    membership of a ledger, with the ledger and the user. Compiling the equivalent queryset
    cost more than the rest of a cached report's request."""
    tables = [m._meta.db_table for m in _MEMBER_MODELS]
    columns, readers = [], []
    for model, table in zip(_MEMBER_MODELS, tables, strict=True):
        fields = []
        for field in model._meta.concrete_fields:
            columns.append(f'"{table}"."{field.column}"')
            col = field.get_col(table)
            converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
            fields.append((field.attname, col, converters))
        readers.append(fields)
    membership, ledger, user = tables
    sql = (
        f'SELECT {", ".join(columns)} FROM "{membership}" '
        f'JOIN "{ledger}" ON "{ledger}"."id" = "{membership}"."ledger_id" '
        f'JOIN "{user}" ON "{user}"."id" = "{membership}"."user_id" '
        f'WHERE "{membership}"."ledger_id" = %s AND "{membership}"."user_id" = %s '
        f'AND "{user}"."is_active"'
    )
    return sql, readers


def active_membership(lid, user_id) -> Membership | None:
    """The membership of the active user `user_id` in ledger `lid`, its `ledger` and `user`
    loaded, or None: one query of a fixed text."""
    sql, readers = _member_sql(connection.vendor)
    try:
        params = [uuid_param(UUID(str(lid))), uuid_param(UUID(str(user_id)))]
    except ValueError:
        return None
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = iter(row)
    instances = []
    for model, fields in zip(_MEMBER_MODELS, readers, strict=True):
        names, loaded = [], []
        for attname, col, converters in fields:
            value = next(values)
            for converter in converters:
                value = converter(value, col, connection)
            names.append(attname)
            loaded.append(value)
        instances.append(model.from_db(connection.alias, names, loaded))
    membership, ledger, user = instances
    Membership.ledger.field.set_cached_value(membership, ledger)
    Membership.user.field.set_cached_value(membership, user)
    return membership


class LedgerAuth(BearerAuth):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        match = getattr(request, "resolver_match", None)
        lid = match.kwargs.get("lid") if match else None
        user_id = jwt_user_id(token) if lid is not None else None
        if user_id is not None:
            # The common case in one query: the user, their membership and the ledger.
            membership = active_membership(lid, user_id)
            if membership is not None:
                request.ledger_membership = membership
                base_currency_set(membership.ledger.currency)
                return membership.user
        user = super().authenticate(request, token)  # tells 401 (who?) from 404 (which ledger?)
        if user is not None and lid is not None:
            request.ledger_membership = _membership(user, lid)
            base_currency_set(request.ledger_membership.ledger.currency)
        return user


def ledger_access(request: HttpRequest, lid: UUID, role: Role = Role.VIEWER) -> Ledger:
    """The ledger `lid` if the caller is a member with at least `role`; 404 for a ledger
    they are not a member of, 403 when their role is too low. The caller's membership is
    attached as `ledger.membership`."""
    membership = getattr(request, "ledger_membership", None)
    if membership is None or membership.ledger_id != lid:
        membership = _membership(request.auth, lid)
    if Role(membership.role).rank < role.rank:
        if membership.role == Role.VIEWER:
            raise Forbidden(_READ_ONLY)
        raise Forbidden(
            f"Only an owner of this ledger can do this (your role is {membership.role})."
        )
    ledger = membership.ledger
    ledger.membership = membership
    base_currency_set(ledger.currency)  # base amounts are written with its decimals
    return ledger
