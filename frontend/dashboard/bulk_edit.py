"""Editing many transactions at once (Transactions → select several rows), without Streamlit's
layout: which categories and buckets the selection can take, the body of
`PATCH /ledgers/{lid}/transactions/bulk`, and its errors named by transaction.

The API checks each transaction as its own edit and changes all or none, so a choice that
does not fit one row (a bucket on a transfer) comes back as that row's error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dashboard import forms, labels
from dashboard.api import ApiError, FieldError
from dashboard.forms import FormErrors, Lists

# The most ids one request takes (the API's limit).
MAX_IDS = 1000

# The kinds that take a bucket (a transfer has a from_bucket and a to_bucket instead).
_BUCKET_KINDS = {kind for kind, refs in forms.KIND_REFERENCES.items() if "bucket" in refs}

Item = Mapping[str, Any]


def category_choices(selected: Sequence[Item], lists: Lists) -> list[str]:
    """Ids of the active categories that fit at least one selected transaction's kind (an
    income's, an expense's or a transfer's type); empty when none takes a category."""
    types = {forms.CATEGORY_TYPE[t["kind"]] for t in selected if t["kind"] in forms.CATEGORY_TYPE}
    return [str(c["id"]) for c in lists.categories if c["type"] in types and not c["archived"]]


def category_label(category_id: str, selected: Sequence[Item], lists: Lists) -> str:
    """A category's name, with its type when the selection mixes types ("Salary (income)")."""
    name = lists.names.lookup("categories", category_id)
    types = {forms.CATEGORY_TYPE[t["kind"]] for t in selected if t["kind"] in forms.CATEGORY_TYPE}
    if len(types) < 2:
        return name
    type_ = next((c["type"] for c in lists.categories if str(c["id"]) == category_id), "")
    return f"{name} ({labels.label(labels.CATEGORY_TYPES, type_).lower()})"


def bucket_choices(selected: Sequence[Item], lists: Lists) -> list[str]:
    """Ids of the active buckets (Unallocated first), when a selected transaction takes one."""
    if not any(t["kind"] in _BUCKET_KINDS for t in selected):
        return []
    return [str(b["id"]) for b in lists.active_buckets()]


def body(
    ids: Sequence[str],
    *,
    category: str | None = None,
    bucket: str | None = None,
    description: str = "",
    notes: str = "",
    tags: str = "",
    clear_tags: bool = False,
) -> dict[str, Any]:
    """The request body: the ids and the fields chosen. A field left empty keeps each
    transaction's own value; ``tags`` replaces their tags, ``clear_tags`` removes them.
    Raises FormErrors when nothing would change or the tags are malformed."""
    changes: dict[str, Any] = {}
    if category:
        changes["category"] = category
    if bucket:
        changes["bucket"] = bucket
    if description.strip():
        changes["description"] = description.strip()
    if notes.strip():
        changes["notes"] = notes.strip()
    new_tags = forms.parse_tags(tags)
    if new_tags and clear_tags:
        raise FormErrors(
            [FieldError(field="tags", message="Type new tags or remove them all, not both.")]
        )
    if new_tags:
        errors = forms.tag_errors(new_tags)
        if errors:
            raise FormErrors(errors)
        changes["tags"] = new_tags
    elif clear_tags:
        changes["tags"] = []
    if not changes:
        raise FormErrors([FieldError(message="Choose at least one thing to change.")])
    if len(ids) > MAX_IDS:
        raise FormErrors(
            [FieldError(message=f"Select at most {MAX_IDS:,} transactions at a time.")]
        )
    return {"ids": [str(i) for i in ids], "changes": changes}


def named_errors(error: ApiError, selected: Sequence[Item], currency: str) -> ApiError:
    """The API's answer with each row (an index into the ids sent) replaced by the label of
    that transaction, so the message says which one cannot take the change."""
    named = []
    for problem in error.errors:
        if problem.row is not None and 0 <= problem.row < len(selected):
            where = forms.transaction_label(selected[problem.row], currency)
            field = forms.field_label(problem.field) if problem.field != "ids" else ""
            prefix = f"{where}, {field}" if field else where
            named.append(FieldError(message=f"{prefix}: {problem.message}", field=None))
        else:
            named.append(problem)
    return ApiError(error.status, error.code, error.detail, named)
