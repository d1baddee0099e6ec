"""Reads the body of POST /ledgers/import-json as a stream (ijson), so a document of many
megabytes never sits in memory as bytes and then again as a tree of dicts: each transaction
is checked by its model as soon as it is read, and only the model is kept.

The limits every JSON body has (budget.common.parser) hold here too: nesting deeper than
MAX_JSON_DEPTH levels and text with NUL characters are refused as they are met."""

from collections.abc import Callable
from sys import intern
from typing import Any

import ijson
from pydantic import BaseModel, ValidationError

from budget.common.errors import ApiError, PayloadTooLarge
from budget.common.parser import MAX_JSON_DEPTH, JsonTooDeep, UnstorableText, text_unstorable
from budget.exchange.schemas import TransactionDoc

CHUNK = 64 * 1024
# Short texts (the ids of wallets, buckets and categories, names, descriptions) repeat on
# many transactions: kept once each.
SHARED_TEXT = 64


class BadBody(ApiError):
    status = 400
    code = "bad_request"


class _Limited:
    """The request's body, read in chunks; past `limit` bytes a 413."""

    def __init__(self, stream, limit: int) -> None:
        self.stream, self.limit, self.total = stream, limit, 0

    def read(self, size: int = CHUNK) -> bytes:
        if size == 0:  # ijson asks for nothing first, to tell bytes from text
            return b""
        chunk = self.stream.read(size if size > 0 else CHUNK)
        self.total += len(chunk)
        if self.total > self.limit:
            raise PayloadTooLarge(f"A ledger document may be at most {self.limit} bytes.")
        return chunk


def _field(stack: list[list], key: Any = None) -> str:
    """The dotted name of the value being read (`transactions.3.notes`)."""
    parts = [len(c) if is_list else k for c, k, is_list in stack]
    if key is not None:
        parts[-1] = key
    return ".".join(str(p) for p in parts) or "body"


_FIELDS_SETS: dict[frozenset, frozenset] = {}


def _transaction(index: int, item: Any) -> Any:
    """The transaction's model; a transaction that does not fit its model stays as read,
    for the document's own check to name every error."""
    try:
        model = TransactionDoc.model_validate(item)
    except ValidationError:
        return item
    for part in (model, *model.allocations, *model.splits):
        _fields_set_share(part)
    return model


def _fields_set_share(model: BaseModel) -> None:
    """The set of fields given is a third of a model's memory, and nearly every transaction
    of a document gives the same fields: they share one (frozen) set."""
    given = frozenset(model.__pydantic_fields_set__)
    object.__setattr__(model, "__pydantic_fields_set__", _FIELDS_SETS.setdefault(given, given))


def document_read(stream, *, limit: int, transaction: Callable = _transaction) -> Any:
    """The JSON value of `stream`, with each item of the top level's `transactions` passed
    through `transaction(index, item)` as soon as it is read. 413 past `limit` bytes, 400
    for a body that is not JSON, 422 for nesting or NUL characters."""
    # From the top level down: [container, its pending key (a map's), is it a list].
    stack: list[list] = []
    top: list | None = None
    root: Any = None
    events = ijson.basic_parse(_Limited(stream, limit), use_float=False, buf_size=CHUNK)
    try:
        # Most events are keys and texts: they are tested first, and the name of a field
        # is only made for an error.
        for event, value in events:
            if event == "map_key":
                if text_unstorable(value):
                    raise UnstorableText(_field(stack, value))
                top[1] = value
                continue
            if event == "string":
                if text_unstorable(value):
                    raise UnstorableText(_field(stack))
                if len(value) <= SHARED_TEXT:
                    value = intern(value)
            elif event == "start_map" or event == "start_array":
                if len(stack) >= MAX_JSON_DEPTH:
                    raise JsonTooDeep()
                is_list = event == "start_array"
                top = [[] if is_list else {}, None, is_list]
                stack.append(top)
                continue
            elif event == "end_map" or event == "end_array":
                value = stack.pop()[0]
                top = stack[-1] if stack else None
                if len(stack) == 2 and top[2] and stack[0][1] == "transactions":
                    value = transaction(len(top[0]), value)
            if top is None:
                root = value
            elif top[2]:
                top[0].append(value)
            else:
                top[0][top[1]] = value
    except ijson.JSONError as error:
        raise BadBody("The request body is not valid JSON.") from error
    return root
