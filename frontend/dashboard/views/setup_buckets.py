"""Setup → Buckets: the buckets with their balances and the share of every income each gets
(edited together, with their live total); add one; rename, archive or delete one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import api, data, forms, tables
from dashboard.api import ApiError, FieldError
from dashboard.formatting import literal, parse_money
from dashboard.forms import FormErrors
from dashboard.views import setup_items
from dashboard.views.common import Page, add_and_change, money_table, show_error

PERCENT_PREFIX = "setup_percent_"
SAVE_PERCENTS_KEY = "setup_percents_save"


def section(page: Page, currency: str, can_write: bool) -> None:
    """The Buckets tab."""
    try:
        buckets = data.buckets()
    except ApiError as error:
        show_error(error)
        return
    active = [b for b in buckets if not b["archived"]]
    show_archived = False
    if len(active) < len(buckets):
        show_archived = st.toggle("Show archived buckets", key="setup_buckets_archived")
    money_table(tables.bucket_table(buckets, show_archived), currency)
    st.caption(
        "Unallocated is the system bucket: it takes whatever the percentages leave, and it "
        "cannot be renamed, archived or deleted."
    )
    user_buckets = [b for b in buckets if not b.get("is_system")]
    if not can_write:
        return

    st.subheader("Allocation percentages")
    editable = [b for b in active if not b.get("is_system")]
    if editable:
        _percent_editor(page, editable)
    else:
        st.info(
            "No buckets yet. Add buckets for what you save or spend for (Savings, Holidays, "
            "Car…) and give them a share of every income."
        )

    def change() -> None:
        bucket = setup_items.pick("Bucket", user_buckets, "setup_bucket_pick")
        path = data.ledger_path(f"/buckets/{bucket['id']}")
        rename, remove = st.tabs(
            ["Rename", "Archive or delete"], key="setup_bucket_actions", on_change="rerun"
        )
        with rename:
            setup_items.rename(page, bucket, path, "bucket")
        with remove:
            setup_items.archive_or_delete(page, bucket, path, "bucket")

    add_and_change(
        "Add a bucket",
        lambda: _bucket_add(page),
        "Change a bucket",
        change,
        nothing_to_change=None
        if user_buckets
        else "Buckets you add can be renamed, archived or deleted here.",
    )


def _percent_editor(page: Page, buckets: list[dict[str, Any]]) -> None:
    st.caption(
        "Every income without a bucket is split by these percentages; what they leave stays "
        "in Unallocated."
    )
    percents: dict[str, Decimal] = {}
    errors: list[FieldError] = []
    columns = st.columns(min(len(buckets), 4))
    for index, bucket in enumerate(buckets):
        current = parse_money(bucket["allocation_percent"] or "0")
        text = columns[index % len(columns)].text_input(
            f"{literal(bucket['name'])} (%)",
            value=f"{current:.2f}",
            key=f"{PERCENT_PREFIX}{bucket['id']}",
        )
        try:
            percents[str(bucket["id"])] = forms.parse_percent(text, field_name=bucket["name"])
        except FormErrors as error:
            errors += error.errors
    total, rest = forms.percent_split(percents.values())
    over = total > 100
    st.markdown(f"**Total {total:.2f} %** — Unallocated gets {rest:.2f} %")
    if errors:
        st.error("\n".join(f"- **{literal(e.field)}**: {literal(e.message)}" for e in errors))
    if over:
        st.warning(
            f"The percentages add up to {total:.2f} %, more than 100 %. Lower some before saving.",
            icon=":material/warning:",
        )
    unchanged = all(
        percents.get(str(b["id"])) == parse_money(b["allocation_percent"] or "0") for b in buckets
    )
    if not st.button(
        "Save percentages",
        type="primary",
        disabled=over or bool(errors) or unchanged,
        key=SAVE_PERCENTS_KEY,
    ):
        return
    body = {"percents": {bucket_id: str(value) for bucket_id, value in percents.items()}}
    try:
        api.get_client().put(data.ledger_path("/buckets/allocation"), json=body)
    except ApiError as error:
        names = {str(b["id"]): b["name"] for b in buckets}
        forms.show_form_error(_with_bucket_names(error, names))
        return
    forms.reset_later({f"{PERCENT_PREFIX}{k}": f"{v:.2f}" for k, v in percents.items()})
    page.written(
        f"Saved the percentages: {total:.2f} % to buckets, {rest:.2f} % stays unallocated."
    )


def _with_bucket_names(error: ApiError, names: dict[str, str]) -> ApiError:
    """`percents.<id>` → the bucket's name, so the message says which bucket."""
    if not error.errors:
        return error
    renamed = [
        FieldError(message=e.message, field=names.get((e.field or "").rsplit(".", 1)[-1], e.field))
        for e in error.errors
    ]
    return ApiError(error.status, error.code, error.detail, renamed)


def _bucket_add(page: Page) -> None:
    with st.form("setup_bucket_add", border=True):
        name = st.text_input("Name", placeholder="Holidays", key="setup_bucket_name")
        percent = st.text_input(
            "Allocation percent",
            value="0",
            help="The share of every income that goes to this bucket.",
            key="setup_bucket_percent",
        )
        submitted = st.form_submit_button("Add bucket", type="primary", key="setup_bucket_submit")
    if not submitted:
        return
    try:
        body = {
            "name": setup_items.name_of(name),
            "allocation_percent": str(
                forms.parse_percent(percent, field_name="allocation_percent")
            ),
        }
        api.get_client().post(data.ledger_path("/buckets"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"setup_bucket_name": "", "setup_bucket_percent": "0"})
    page.written(f"Added the bucket {body['name']}.")
