"""Receipts on the Transactions page (SPEC §17): the files attached to the selected
transaction (preview, download, delete, attach) and "Scan a receipt" (a file or the
phone's camera), whose suggestion comes back as a prefilled form to confirm."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import api, currencies, data
from dashboard import receipts as logic
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal, places
from dashboard.forms import FormErrors, Lists, show_form_error
from dashboard.views.common import Page, show_error, today

SCAN_KEY = "rc_scan"  # the receipt being read: its id
PREVIEWS_KEY = "rc_previews"  # attachment id → image bytes, fetched once


def _attachments_path(tid: str) -> str:
    return data.ledger_path(f"/transactions/{tid}/attachments")


# --- attachments of the selected transaction ----------------------------------------------------


def attachments(page: Page, tid: str, can_write: bool) -> None:
    """The transaction's files: images previewed, each downloadable; editors attach and
    delete."""
    try:
        items = api.get_client().get(_attachments_path(tid))["items"]
    except ApiError as error:
        show_error(error)
        return
    if not items:
        st.caption("No files attached.")
    previews: dict[str, bytes] = st.session_state.setdefault(PREVIEWS_KEY, {})
    for index, item in enumerate(items):
        path = f"{_attachments_path(tid)}/{item['id']}"
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.caption(literal(f"{item['filename']} · {logic.size_label(int(item['size']))}"))
        if logic.is_image(item) and index < logic.PREVIEW_LIMIT:
            if item["id"] not in previews:
                try:
                    previews[item["id"]] = api.get_client().download(path)
                except ApiError as error:
                    show_error(error)
                    continue
            left.image(previews[item["id"]], width=240)
        content = previews.get(item["id"])
        if content is None and right.button(
            "Fetch", icon=":material/download:", key=f"rc_fetch_{item['id']}"
        ):
            try:
                previews[item["id"]] = api.get_client().download(path)
            except ApiError as error:
                show_error(error)
                continue
            st.rerun()
        if content is not None:
            right.download_button(
                "Download",
                content,
                file_name=item["filename"],
                mime=item["content_type"],
                icon=":material/download:",
                key=f"rc_download_{item['id']}",
            )
        if can_write:
            with right:
                page.delete(
                    f"rc_file_{item['id']}",
                    "file",
                    item["filename"],
                    path,
                    done=f"Deleted the file {item['filename']}.",
                )
    if can_write:
        _attach(page, tid)


def _attach(page: Page, tid: str) -> None:
    upload = st.file_uploader(
        "Attach a file (JPEG, PNG, WebP, HEIC or PDF)",
        type=logic.UPLOAD_TYPES,
        key=f"rc_attach_{tid}",
    )
    if upload is None or not st.button("Attach", icon=":material/attach_file:", key="rc_attach"):
        return
    try:
        api.get_client().upload(
            _attachments_path(tid),
            files={
                "file": (upload.name, upload.getvalue(), upload.type or "application/octet-stream")
            },
        )
    except ApiError as error:
        show_error(error)
        return
    page.written(f"Attached {upload.name}.")


# --- scan a receipt -----------------------------------------------------------------------------


def scan(page: Page, lists: Lists, currency: str) -> None:
    receipt_id = st.session_state.get(SCAN_KEY)
    if receipt_id is None:
        _scan_upload()
        return
    try:
        receipt = api.get_client().get(data.ledger_path(f"/receipts/{receipt_id}"))
    except ApiError as error:
        st.session_state.pop(SCAN_KEY, None)
        show_error(error)
        return
    if receipt["status"] in logic.WAITING:
        st.info("Reading the receipt…", icon=":material/hourglass_top:")
        if st.button("Check again", icon=":material/refresh:", key="rc_refresh"):
            st.rerun()
        return
    if receipt["status"] == "failed":
        st.warning(
            literal(f"The receipt could not be read: {receipt.get('detail') or 'no reason'}. "
                    "Fill in the form yourself; the receipt is attached all the same.")
        )  # fmt: skip
    _confirm(page, receipt, lists, currency)


def _scan_upload() -> None:
    source = st.radio("Receipt from", ["File", "Camera"], horizontal=True, key="rc_source")
    if source == "Camera":
        shot = st.camera_input("Take a picture of the receipt", key="rc_camera")
        upload = ("receipt.jpg", shot.getvalue(), "image/jpeg") if shot is not None else None
    else:
        chosen = st.file_uploader(
            "A photo or PDF of the receipt", type=logic.UPLOAD_TYPES, key="rc_file"
        )
        upload = (
            (chosen.name, chosen.getvalue(), chosen.type or "application/octet-stream")
            if chosen is not None
            else None
        )
    if upload is None or not st.button(
        "Read receipt", icon=":material/document_scanner:", key="rc_read"
    ):
        return
    try:
        answer = api.get_client().upload(data.ledger_path("/receipts"), files={"file": upload})
    except ApiError as error:
        show_error(error)
        return
    st.session_state[SCAN_KEY] = answer["id"]
    st.rerun()


def _confirm(page: Page, receipt: dict[str, Any], lists: Lists, currency: str) -> None:
    defaults = logic.form_defaults(receipt, today())
    unsure = logic.low_confidence(receipt)
    if receipt["status"] == "done" and unsure:
        st.caption("Check these, the scan was unsure: " + ", ".join(unsure) + ".")
    wallets = {w["id"]: w["name"] for w in lists.active_wallets()}
    categories = {c["id"]: c["name"] for c in lists.active_categories("expense")}
    prefix = f"rc_form_{receipt['id']}"
    with st.form(prefix):
        values = {
            "date": st.date_input("Date", value=defaults["date"], key=f"{prefix}_date"),
            "amount": st.text_input(
                "Amount (the wallet's currency)"
                if currencies.others(lists.wallets, currency)
                else f"Amount ({currency})",
                value=defaults["amount"],
                key=f"{prefix}_amount",
            ),
            "payee_name": st.text_input(
                "Payee", value=defaults["payee_name"], key=f"{prefix}_payee_name"
            ),
            "wallet": st.selectbox(
                "Wallet",
                list(wallets),
                index=list(wallets).index(defaults["wallet"])
                if defaults["wallet"] in wallets
                else 0,
                format_func=wallets.get,
                key=f"{prefix}_wallet",
            ),
            "category": st.selectbox(
                "Category",
                list(categories),
                index=(
                    list(categories).index(defaults["category"])
                    if defaults["category"] in categories
                    else None
                ),
                format_func=categories.get,
                placeholder="From the rules, or choose",
                key=f"{prefix}_category",
            ),
            "description": st.text_input(
                "Description", value=defaults["description"], key=f"{prefix}_description"
            ),
        }
        create = st.form_submit_button("Create the expense", icon=":material/check:")
    if st.button("Discard the receipt", icon=":material/delete:", key="rc_discard"):
        try:
            api.get_client().delete(data.ledger_path(f"/receipts/{receipt['id']}"))
        except ApiError as error:
            show_error(error)
            return
        st.session_state.pop(SCAN_KEY, None)
        page.written("Discarded the receipt.")
    if not create:
        return
    try:
        own = currencies.currency_of(lists.wallets, values["wallet"], currency)
        overrides = logic.accept_overrides(values, places(own))
        tx = api.get_client().post(
            data.ledger_path(f"/receipts/{receipt['id']}/accept"), {"overrides": overrides}
        )
    except (ApiError, FormErrors) as error:
        show_form_error(error)
        return
    st.session_state.pop(SCAN_KEY, None)
    amount = format_money(tx["amount"], tx.get("currency") or currency)
    page.written(f"Created the expense of {amount} with the receipt attached.")
