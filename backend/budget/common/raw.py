"""Fixed SQL texts for the queries every request or write makes: compiling the equivalent
queryset cost more than running it (the ledger gate, a write's references, a page's lines)."""

from typing import Any
from uuid import UUID

from django.db import connection, models

# One field for every call: building a field (its choices, validators) cost more than
# what it is asked for, and a page of 50 asks about 75 times.
_UUID = models.UUIDField()


def uuid_param(value: UUID | str) -> Any:
    """A uuid as the database takes it (SQLite: its hex text)."""
    return _UUID.get_db_prep_value(value, connection)


def uuid_in(values) -> tuple[str, list]:
    """`IN values` for a fixed text, as (SQL after the column, params): on PostgreSQL
    `= ANY(%s::uuid[])` with the ids as one array parameter."""
    params = [uuid_param(value) for value in values]
    if connection.vendor == "postgresql":
        return "= ANY(%s::uuid[])", [params]
    return f"IN ({', '.join(['%s'] * len(params)) or 'NULL'})", params


def ledger_rows(model: type[models.Model], ledger_id, condition: str = "", params=()) -> list:
    """The rows of `model`'s table in ledger `ledger_id` that meet `condition` (SQL over the
    table's columns, with `params`), as model instances: one fixed text run raw."""
    sql = f'SELECT * FROM "{model._meta.db_table}" WHERE "ledger_id" = %s'
    if condition:
        sql += f" AND ({condition})"
    return list(model.objects.raw(sql, [uuid_param(ledger_id), *params]))
