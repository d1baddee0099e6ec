"""Editing the register inline (Transactions → "Edit in the table"), without Streamlit's
layout: the table the editor shows, what each edited row asks the API to change, which rows
cannot change and why, and the requests that carry the changes.

Four cells are editable: description, category, bucket and amount. A row whose edit cannot be
saved (a mirrored group expense, a split transaction's category, a transfer's buckets, an
amount that is no amount) gets one plain sentence and sends nothing; the others go to the API,
one PATCH per row, or one `PATCH …/transactions/bulk` for rows that take the same change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from dashboard import forms, localisation, tables
from dashboard.api import FieldError
from dashboard.formatting import format_money
from dashboard.forms import FormErrors, Lists

EDITABLE = ("Description", "Category", "Bucket", "Amount")
COLUMNS = (
    "Date",
    "Kind",
    "Description",
    "Category",
    "Wallet",
    "Amount",
    "Balance",
    "Bucket",
    "Read-only",
)
SPLIT_CATEGORIES = "Split over categories"
SPLIT_BUCKETS = "Split by the bucket percentages"
NO_CATEGORY = ""
MIRRORED = "Mirrors a group expense: change it in Groups."
SPLIT_CATEGORY = "Split over categories: change its lines in the form (select the row)."
TRANSFER_BUCKETS = "A transfer's buckets are changed in the form (select the row)."

Item = Mapping[str, Any]


def locked(item: Item) -> str:
    """Why the whole row cannot be edited here ("" when it can)."""
    return MIRRORED if item.get("group_expense") else ""


def read_only_note(item: Item) -> str:
    """The Read-only column: what of this row cannot change inline, and why."""
    if locked(item):
        return MIRRORED
    notes = []
    if item.get("splits"):
        notes.append("Category: split over categories.")
    if item["kind"] == "transfer":
        notes.append("Bucket: a transfer's buckets are changed in the form.")
    return " ".join(notes)


def amount_text(value: Decimal) -> str:
    """A register amount as the editor shows it: plain, signed, the locale's decimal mark."""
    return f"{value:.2f}".replace(".", localisation.decimal_mark())


def _category_cell(item: Item, names: Mapping[str, str]) -> str:
    if item.get("splits"):
        return SPLIT_CATEGORIES
    return names.get(str(item.get("category") or ""), NO_CATEGORY)


def _bucket_cell(item: Item, names: Mapping[str, str], shown: str) -> str:
    if item["kind"] == "income" and not item.get("bucket"):
        return SPLIT_BUCKETS
    if item["kind"] == "transfer":
        return shown  # "Savings → Fun", or nothing
    return names.get(str(item.get("bucket") or ""), shown)


def editor_frame(
    items: Sequence[Item], lists: Lists, currency: str, wallet: str | None = None
) -> pd.DataFrame:
    """The register as the editor shows it: the page's columns, amounts as plain signed text,
    a category and a bucket by name, and the Read-only column."""
    frame = tables.transaction_table(
        items, lists.wallets, lists.buckets, lists.categories, wallet=wallet
    )
    categories = {str(c["id"]): c["name"] for c in lists.categories}
    buckets = {str(b["id"]): b["name"] for b in lists.buckets}
    frame["Category"] = [_category_cell(item, categories) for item in items]
    frame["Bucket"] = [
        _bucket_cell(item, buckets, shown)
        for item, shown in zip(items, frame["Bucket"], strict=True)
    ]
    frame["Amount"] = [amount_text(value) for value in frame["Amount"]]
    if "Balance" in frame.columns:
        frame["Balance"] = [format_money(value, currency) for value in frame["Balance"]]
    frame["Read-only"] = [read_only_note(item) for item in items]
    return frame[[c for c in COLUMNS if c in frame.columns]]


def category_options(lists: Lists, frame: pd.DataFrame) -> list[str]:
    """The Category column's choices: none, the active categories, and what the page shows
    already (an archived category, a split)."""
    options = [NO_CATEGORY, *(c["name"] for c in lists.categories if not c["archived"])]
    return options + sorted(set(frame["Category"]) - set(options))


def bucket_options(lists: Lists, frame: pd.DataFrame) -> list[str]:
    """The Bucket column's choices: the active buckets (Unallocated first), an income's split,
    and what the page shows already (an archived bucket, a transfer's pair)."""
    options = [b["name"] for b in lists.active_buckets()] + [SPLIT_BUCKETS]
    return options + sorted(set(frame["Bucket"]) - set(options))


@dataclass
class Edits:
    """What the edited rows ask: ``changes`` (transaction id → PATCH body) and ``refused``
    (row index → the one sentence that says why it sends nothing)."""

    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)  # transaction id → row index
    refused: dict[int, str] = field(default_factory=dict)


def _by_name(items: Sequence[Item], name: str) -> str | None:
    wanted = name.strip().casefold()
    return next((str(i["id"]) for i in items if i["name"].casefold() == wanted), None)


def row_changes(item: Item, edited: Mapping[str, Any], lists: Lists) -> dict[str, Any]:
    """The PATCH body for one row's edited cells (only what differs from the transaction).
    Raises FormErrors with one sentence when the edit cannot be saved."""

    def refuse(message: str) -> FormErrors:
        return FormErrors([FieldError(message=message)])

    if locked(item):
        raise refuse(MIRRORED)
    changes: dict[str, Any] = {}
    if "Description" in edited:
        text = str(edited["Description"] or "").strip()
        if len(text) > 255:
            raise refuse("Keep the description to 255 characters.")
        if text != (item.get("description") or ""):
            changes["description"] = text
    if "Category" in edited:
        name = str(edited["Category"] or "")
        if item.get("splits"):
            if name != SPLIT_CATEGORIES:
                raise refuse(SPLIT_CATEGORY)
        elif name == SPLIT_CATEGORIES:
            raise refuse("A split over categories is made in the form (select the row).")
        else:
            category = _by_name(lists.categories, name) if name else None
            if name and category is None:
                raise refuse(f"There is no category named {name}.")
            if category != (str(item["category"]) if item.get("category") else None):
                changes["category"] = category
    if "Bucket" in edited:
        bucket = _bucket_change(item, str(edited["Bucket"] or ""), lists)
        if bucket is not _SAME:
            changes["bucket"] = bucket
    if "Amount" in edited:
        amount = _amount_change(item, str(edited["Amount"] or ""))
        if amount is not None:
            changes["amount"] = amount
    return changes


_SAME = object()


def _bucket_change(item: Item, name: str, lists: Lists) -> Any:
    current = str(item["bucket"]) if item.get("bucket") else None
    if item["kind"] == "transfer":
        shown = tables.transaction_table([item], lists.wallets, lists.buckets)["Bucket"][0]
        if name != shown:
            raise FormErrors([FieldError(message=TRANSFER_BUCKETS)])
        return _SAME
    if name == SPLIT_BUCKETS:
        if item["kind"] != "income":
            message = "Only an income is split by the bucket percentages; choose a bucket."
            raise FormErrors([FieldError(message=message)])
        return _SAME if current is None else None
    bucket = _by_name(lists.buckets, name)
    if bucket is None:
        raise FormErrors([FieldError(message=f"There is no bucket named {name}.")])
    if item["kind"] in ("expense", "adjustment") and current is None:
        current = lists.system_bucket_id()  # the API's default, shown as Unallocated
    return _SAME if bucket == current else bucket


def _amount_change(item: Item, text: str) -> str | None:
    """The new amount as the API takes it, or None when it did not change. The kind decides
    the sign (an expense is shown negative; typing it without the minus is the same)."""
    try:
        typed = forms.parse_balance(text, field_name="amount", required=True)
    except FormErrors as error:
        raise FormErrors([FieldError(message=error.errors[0].message)]) from error
    assert typed is not None
    if item["kind"] == "adjustment":
        if typed == 0:
            raise FormErrors([FieldError(message="Enter a non-zero amount.")])
        amount = typed
    else:
        amount = abs(typed)
        if amount == 0:
            raise FormErrors([FieldError(message="Enter an amount above zero.")])
    if amount == Decimal(str(item["amount"])):
        return None
    return f"{amount:.2f}"


def edits_of(
    items: Sequence[Item], edited_rows: Mapping[Any, Mapping[str, Any]], lists: Lists
) -> Edits:
    """Every edited row of the editor's state (``edited_rows``: row index → {column: value})."""
    edits = Edits()
    for key, cells in sorted(edited_rows.items(), key=lambda pair: int(pair[0])):
        row = int(key)
        if not 0 <= row < len(items) or not cells:
            continue
        item = items[row]
        try:
            changes = row_changes(item, cells, lists)
        except FormErrors as error:
            edits.refused[row] = error.errors[0].message
            continue
        if changes:
            edits.changes[str(item["id"])] = changes
            edits.rows[str(item["id"])] = row
    return edits


def requests_of(changes: Mapping[str, Mapping[str, Any]]) -> list[tuple[list[str], dict]]:
    """The changes grouped: each group is (ids, changes), one request — a bulk PATCH when
    several rows take the very same change, a PATCH of the one row otherwise."""
    groups: dict[tuple, list[str]] = {}
    bodies: dict[tuple, dict] = {}
    for tid, body in changes.items():
        key = tuple(sorted(body.items()))
        groups.setdefault(key, []).append(tid)
        bodies[key] = dict(body)
    return [(ids, bodies[key]) for key, ids in groups.items()]


def sentence(item: Item, currency: str, message: str) -> str:
    """One row's problem as one plain sentence, naming the transaction."""
    text = message.strip()
    if text and text[-1] not in ".!?":
        text += "."
    return f"{forms.transaction_label(item, currency)}: {text}"
