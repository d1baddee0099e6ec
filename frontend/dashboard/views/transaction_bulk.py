"""The form under the transaction table when several rows are selected: set the category,
bucket, description, notes or tags of all of them in one request (dashboard/bulk_edit.py
builds it; the API changes all of them or none)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from dashboard import api, bulk_edit, data, forms
from dashboard.api import ApiError
from dashboard.forms import FormErrors, Lists
from dashboard.views.common import Page

PREFIX = "tx_bulk"
KEEP = "— keep each one's own —"


def form(page: Page, selected: Sequence[dict[str, Any]], lists: Lists, currency: str) -> None:
    count = len(selected)
    st.subheader(f"Edit {count} selected transactions")
    st.caption(
        "Fields left empty keep each transaction's own value. All of them change, or none: "
        "if one cannot take a change (a bucket on a transfer), nothing is saved and the "
        "message names it."
    )
    categories = bulk_edit.category_choices(selected, lists)
    buckets = bulk_edit.bucket_choices(selected, lists)
    with st.form(f"{PREFIX}_form", border=False):
        left, right = st.columns(2)
        with left:
            category = st.selectbox(
                "Category",
                [None, *categories],
                format_func=lambda c: (
                    KEEP if c is None else bulk_edit.category_label(c, selected, lists)
                ),
                disabled=not categories,
                key=f"{PREFIX}_category",
            )
            description = st.text_input(
                "Description", max_chars=255, placeholder=KEEP, key=f"{PREFIX}_description"
            )
            notes = st.text_input("Notes", max_chars=2000, placeholder=KEEP, key=f"{PREFIX}_notes")
        with right:
            bucket = st.selectbox(
                "Bucket",
                [None, *buckets],
                format_func=lambda b: KEEP if b is None else lists.names.lookup("buckets", b),
                disabled=not buckets,
                key=f"{PREFIX}_bucket",
            )
            tags = st.text_input(
                "Tags",
                placeholder=KEEP,
                help="Replaces their tags. Separate tags with commas.",
                key=f"{PREFIX}_tags",
            )
            clear_tags = st.checkbox("Remove all their tags", key=f"{PREFIX}_clear_tags")
        submitted = st.form_submit_button(
            f"Apply to {count} transactions", type="primary", key=f"{PREFIX}_submit"
        )
    if not submitted:
        return
    try:
        body = bulk_edit.body(
            [t["id"] for t in selected],
            category=category,
            bucket=bucket,
            description=description,
            notes=notes,
            tags=tags,
            clear_tags=clear_tags,
        )
        answer = api.get_client().patch(data.ledger_path("/transactions/bulk"), json=body)
    except FormErrors as error:
        forms.show_form_error(error)
        return
    except ApiError as error:
        forms.show_form_error(
            bulk_edit.named_errors(error, selected, currency) if error.errors else error
        )
        return
    updated = int(answer.get("updated", count)) if isinstance(answer, dict) else count
    forms.reset_later(
        {f"{PREFIX}_{name}": "" for name in ("description", "notes", "tags")}
        | {f"{PREFIX}_category": None, f"{PREFIX}_bucket": None, f"{PREFIX}_clear_tags": False}
    )
    page.written(f"Updated {updated} transaction{'s' if updated != 1 else ''}.")
