"""Rows read as an output schema reads them, without validating them: for long lists of rows
the database just gave, where validation finds nothing to correct and costs most of a page.

`plain_reader(schema)` walks the schema's fields once and returns a function that turns one
object into the dict `schema.model_validate(obj).model_dump()` gives, field for field and
in the same order: each field from its alias (a dotted alias follows attributes) or its
`resolve_<field>` static method, the default when the object has no such attribute, and a
`list[<Schema>]` field read item by item with that schema. UUIDs, amounts, dates and
times come out as the text the API's JSON encoder writes for them (converted by their exact
type here, rather than one encoder fallback call each), so the JSON renderer writes the same
bytes as for the validated model. A test pins the two against each other.
"""

import datetime as dt
import typing
import uuid
from collections.abc import Callable
from decimal import Decimal
from functools import cache
from operator import attrgetter
from typing import Any

from ninja import Schema
from ninja.responses import NinjaJSONEncoder
from pydantic_core import PydanticUndefined

_MISSING = object()
_ENCODE = NinjaJSONEncoder().default
# Exact type → its JSON text, as NinjaJSONEncoder writes it.
_AS_TEXT: dict[type, Callable[[Any], str]] = {
    uuid.UUID: str,
    Decimal: str,
    dt.date: dt.date.isoformat,
    dt.datetime: _ENCODE,  # milliseconds, "Z" for UTC
}


def _item_schema(annotation: Any) -> type[Schema] | None:
    """`S` of a `list[S]` annotation whose items are a ninja Schema, else None."""
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        if isinstance(item, type) and issubclass(item, Schema):
            return item
    return None


def _field_reader(schema: type[Schema], name: str, field: Any) -> Callable[[Any], Any]:
    resolver = getattr(schema, "_ninja_resolvers", {}).get(name)
    if resolver is not None:
        if not resolver._static or resolver._takes_context:
            raise TypeError(f"{schema.__name__}.resolve_{name}: only static, without context")
        return resolver._func
    get = attrgetter(field.alias or name)
    default = field.default
    if default is PydanticUndefined:
        default = _MISSING

    def read(obj: Any) -> Any:
        try:
            return get(obj)
        except AttributeError:
            if default is _MISSING:
                raise
            return default

    items = _item_schema(field.annotation)
    if items is None:
        return read
    item_reader = plain_reader(items)
    return lambda obj: [item_reader(item) for item in read(obj)]


@cache
def plain_reader(schema: type[Schema]) -> Callable[[Any], dict[str, Any]]:
    readers = tuple(
        (name, _field_reader(schema, name, field)) for name, field in schema.model_fields.items()
    )

    def reader(obj: Any) -> dict[str, Any]:
        row = {}
        for name, read in readers:
            value = read(obj)
            as_text = _AS_TEXT.get(type(value))
            row[name] = value if as_text is None else as_text(value)
        return row

    return reader
