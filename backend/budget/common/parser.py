"""How the API reads JSON bodies, query strings and form fields, with the limits every
endpoint shares (SPEC §19): JSON nested deeper than MAX_JSON_DEPTH levels and text that no
database can store (a NUL character; half of a surrogate pair) are refused with a 422 naming
the field, before any schema or service sees them. The same rule on SQLite and PostgreSQL:
PostgreSQL's text cannot hold a NUL, SQLite's can."""

import json
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja.parser import Parser

from budget.common.errors import Invalid

MAX_JSON_DEPTH = 64

# NUL, and the halves of surrogate pairs (a JSON text may write "\ud800" alone; UTF-8 has no
# encoding for it, so saving it fails in both databases).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class JsonTooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"JSON may be nested at most {MAX_JSON_DEPTH} levels deep.")


class UnstorableText(ValueError):
    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__("Text may not contain NUL characters or unpaired surrogates.")


def text_unstorable(value: str) -> bool:
    return "\x00" in value or (not value.isascii() and _UNSTORABLE.search(value) is not None)


def text_check(value: str, field: str) -> None:
    if text_unstorable(value):
        raise UnstorableText(field)


def json_check(value: Any, *, path: tuple = (), depth: int = 0) -> None:
    """Raises JsonTooDeep or UnstorableText (both ValueErrors, so a pydantic validator may
    let them through as a field error) for a parsed JSON value."""
    if isinstance(value, str):
        if text_unstorable(value):
            raise UnstorableText(_dotted(path))
        return
    if not isinstance(value, dict | list):
        return
    if depth >= MAX_JSON_DEPTH:
        raise JsonTooDeep()
    items: Iterable = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(key, str) and text_unstorable(key):
            raise UnstorableText(_dotted((*path, key)))
        json_check(item, path=(*path, key), depth=depth + 1)


def json_loads(text: str | bytes) -> Any:
    """`json.loads` with numbers as Decimal and the checks of `json_check`. A text nested
    far too deep makes the C parser give up with a RecursionError: that is JsonTooDeep too."""
    try:
        value = json.loads(text, parse_float=Decimal)
    except RecursionError as error:
        raise JsonTooDeep() from error
    json_check(value)
    return value


def as_invalid(error: JsonTooDeep | UnstorableText) -> Invalid:
    if isinstance(error, UnstorableText):
        detail, field = f"Some fields are invalid: {error.field}.", error.field
    else:
        detail, field = str(error), "body"
    return Invalid(detail, errors=[{"field": field, "message": str(error)}])


def _dotted(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "body"


class DecimalParser(Parser):
    """Reads JSON numbers as Decimal, so an amount sent as a number is never a float."""

    def parse_body(self, request: HttpRequest):
        # ninja answers any error of this method with a 400 "Cannot parse request body";
        # the handler of that 400 answers an ApiError raised here (its cause) as itself.
        try:
            return json_loads(request.body)
        except (JsonTooDeep, UnstorableText) as error:
            raise as_invalid(error) from error

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        for key, values in data.lists():
            for value in values:
                if isinstance(value, str):
                    try:
                        text_check(value, key)
                    except UnstorableText as error:
                        raise as_invalid(error) from error
        return super().parse_querydict(data, list_fields, request)
