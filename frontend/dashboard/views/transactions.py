"""Transactions: filter (views/transaction_filters.py), browse page by page, add and edit
(views/transaction_form.py), edit several at once (views/transaction_bulk.py), delete,
files attached and receipts scanned (views/receipts.py),
allocate pending incomes, import a CSV file
(views/imports.py) and export to CSV. Everything is filtered and paginated by the API, so a
ledger of 100 000 transactions costs one page of 50 per view."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, cards, data, forms, register_edit, session, tables
from dashboard.api import ApiError, SessionExpired
from dashboard.formatting import format_money, literal, parse_money
from dashboard.forms import Lists
from dashboard.views import (
    activity,
    imports,
    quick_add,
    receipts,
    transaction_bulk,
    transaction_filters,
    transaction_form,
)
from dashboard.views.common import (
    VIEWER_NOTE,
    Page,
    ledger_page,
    prepared_download,
    show_error,
    today,
    watch_allocation,
)
from dashboard.views.transaction_filters import PAGE_KEY

PAGE = Page(flash_key="tx_flash", confirm_key="tx_confirm_delete")
PAGE_SIZE = 50
REGISTER_COLUMNS = (
    "Date",
    "Kind",
    "Description",
    "Category",
    "Wallet",
    "Amount",
    "Balance",
    "Bucket",
    "Tags",
)
ROW_PX = 35
TABLE_HEADER_PX = 38
# Money in, out and moved: readable on the light and the dark theme alike.
AMOUNT_COLOURS = {1: "color: #2e9e5b", -1: "color: #d64545", 0: ""}

TABLE_KEY = "tx_table"
VIEW_KEY = "tx_view"
EXPORT_KEY = "tx_export"
ALLOCATE_KEY = "tx_allocate"
WATCHING_KEY = "tx_watching_allocation"
INLINE_KEY = "tx_inline"
EDITOR_KEY = "tx_editor"
INLINE_SAVE_KEY = "tx_inline_save"
INLINE_PROBLEMS_KEY = "tx_inline_problems"


def render() -> None:
    frame = ledger_page("Transactions", PAGE.flash_key)
    if frame is None:
        return
    ledger, can_write = frame
    currency = ledger["currency"]

    try:
        lists = Lists(data.wallets(), data.buckets(), data.categories(), data.payees())
    except ApiError as error:
        show_error(error)
        return

    if can_write:
        quick_add.render(lists, currency)
        _pending_allocations(currency)
        with st.expander("Add a transaction", icon=":material/add:", key="tx_add_open"):
            transaction_form.add_form(PAGE, lists, currency)
        with st.expander("Import CSV", icon=":material/upload_file:", key="tx_import_open"):
            imports.render(lists, currency)
        with st.expander("Scan a receipt", icon=":material/document_scanner:", key="tx_scan_open"):
            receipts.scan(PAGE, lists, currency)

    transaction_filters.search_row(lists)
    filters = transaction_filters.form(lists)
    _browse(filters, lists, currency, can_write)


# --- pending allocations ----------------------------------------------------------------------


def _pending_allocations(currency: str) -> None:
    try:
        balances = data.get(data.ledger_path("/reports/balances"))
    except ApiError as error:
        show_error(error)
        return
    pending = parse_money(balances.get("pending_allocation") or "0")
    if pending <= 0:
        return
    watch_allocation(balances["pending_allocation"], WATCHING_KEY)
    # Room for the whole button label next to the message, at a laptop's width.
    left, right = st.columns([2, 1], vertical_alignment="center")
    left.info(
        f"{format_money(pending, currency)} of income is waiting to be split into buckets.",
        icon=":material/hourglass_top:",
    )
    if right.button("Allocate pending incomes now", key=ALLOCATE_KEY):
        try:
            answer = api.get_client().post(data.ledger_path("/allocations/run"))
        except ApiError as error:
            show_error(error)
            return
        count = int(answer.get("allocated", 0)) if isinstance(answer, dict) else 0
        PAGE.written(f"Allocated {count} pending income{'s' if count != 1 else ''}.")


# --- the table, edit and delete ---------------------------------------------------------------


def _fetch_page(filters: Mapping[str, str], page: int) -> dict[str, Any]:
    params = {**filters, "page": page, "page_size": PAGE_SIZE}
    return data.get(data.ledger_path("/transactions"), params)


def _browse(filters: dict[str, str], lists: Lists, currency: str, can_write: bool) -> None:
    page = int(st.session_state.get(PAGE_KEY, 1))
    try:
        answer = _fetch_page(filters, page)
        count = int(answer["count"])
        pages = max(1, math.ceil(count / PAGE_SIZE))
        if page > pages:  # fewer rows than before (a delete, or a write elsewhere)
            page = pages
            st.session_state[PAGE_KEY] = page  # the pager is not drawn yet
            answer = _fetch_page(filters, page)
    except ApiError as error:
        show_error(error)
        return

    if count == 0:
        if filters:
            st.info("No transactions match these filters. Change them or clear them.")
        elif can_write:
            st.info(
                "No transactions yet. Add the first one with **Add a transaction** above "
                "(set up wallets, buckets and categories under Setup first)."
            )
        else:
            st.info("This ledger has no transactions yet.")
        return

    header = st.container()
    table_slot = st.container()
    footer = st.columns([3, 2], vertical_alignment="center")
    with footer[0]:
        chosen = st.pagination(pages, default=page, max_visible_pages=7, key=PAGE_KEY)
    if chosen != page:
        page = chosen
        try:
            answer = _fetch_page(filters, page)
        except ApiError as error:
            show_error(error)
            return
    items = answer["items"]
    first = (page - 1) * PAGE_SIZE + 1
    editing = False
    if can_write:
        editing = header.toggle(
            "Edit in the table",
            key=INLINE_KEY,
            help="Change descriptions, categories, buckets and amounts right in the table, "
            "then save them together.",
        )
    hint = ""
    if editing:
        hint = " · change the cells, then Save changes"
    elif can_write:
        hint = " · select a row to edit or delete it, several to edit them together"
    header.caption(
        f"{count:,} transaction{'s' if count != 1 else ''} · showing {first:,} to "
        f"{first + len(items) - 1:,} · page {page:,} of {pages:,}" + hint
    )
    footer[1].caption(f"Page {page:,} of {pages:,}")

    # A new page, new filters or a write mean other rows: the old selection means nothing,
    # so the table starts over as a new widget (a new key), in the browser too.
    view = (page, tuple(sorted(filters.items())), st.session_state.get(data.DATA_VERSION_KEY, 0))
    shown_view, generation = st.session_state.get(VIEW_KEY, (None, 0))
    if shown_view != view:
        generation += 1
        st.session_state[VIEW_KEY] = (view, generation)
        st.session_state.pop(PAGE.confirm_key, None)

    with table_slot:
        if editing:
            _inline_editor(items, lists, currency, editor_key(generation), filters.get("wallet"))
            selected = []
        else:
            selected = _table(items, lists, currency, table_key(generation), filters.get("wallet"))
    if len(selected) == 1:
        _selected(items[selected[0]], lists, currency, can_write)
    elif len(selected) > 1 and can_write:
        transaction_bulk.form(PAGE, [items[row] for row in selected], lists, currency)
    elif selected:
        st.caption(f"{len(selected)} transactions selected.")
    _export(filters, count)


def transaction_frame(
    items: list[dict[str, Any]], lists: Lists, wallet: str | None = None, base: str | None = None
) -> pd.DataFrame:
    frame = tables.transaction_table(
        items, lists.wallets, lists.buckets, lists.categories, wallet=wallet, base=base
    )
    frame["Tags"] = [", ".join(item.get("tags") or []) for item in items]
    return frame


def table_key(generation: int) -> str:
    return f"{TABLE_KEY}_{generation}"


def editor_key(generation: int) -> str:
    return f"{EDITOR_KEY}_{generation}"


def _signs(items: list[dict[str, Any]], frame: pd.DataFrame, wallet: str | None) -> list[int]:
    # Green in, red out; a transfer only moves money, unless this is a wallet's register.
    return [
        0 if item["kind"] == "transfer" and not wallet else tables.sign(value)
        for item, value in zip(items, frame["Amount"], strict=True)
    ]


def _cards(shown: pd.DataFrame, signs: list[int], what: str) -> None:
    """The page's rows as cards at a phone's width (the table or editor is hidden there)."""
    with st.container(key="narrow_tx_cards"):
        st.html(cards.transaction_cards(shown, signs))
        st.caption(f"Turn the phone or widen the window to {what}.")


def _table(
    items: list[dict[str, Any]], lists: Lists, currency: str, key: str, wallet: str | None
) -> list[int]:
    """The page's table, a bank statement when ``wallet`` is set (its running balance after
    every row); returns the rows selected (several: a bulk edit)."""
    frame = transaction_frame(items, lists, wallet, currency)
    money = tables.money_columns(frame)
    signs = _signs(items, frame, wallet)
    colours = [AMOUNT_COLOURS[sign] for sign in signs]
    shown = tables.for_display(frame, currency)
    styled = shown.style.apply(lambda _: colours, subset=["Amount"])
    _cards(shown, signs, "select rows and edit them")
    event = st.container(key="wide_tx_table").dataframe(
        styled,
        hide_index=True,
        column_config={
            "Date": st.column_config.TextColumn("Date", width="small"),
            "Kind": st.column_config.TextColumn("Kind", width="small"),
            **{c: st.column_config.TextColumn(c, alignment="right") for c in money},
        },
        # The money before the bucket: an income's split is long, and last it can take the
        # rest of the row without pushing the amount and the balance out of sight.
        column_order=tables.column_order(frame, REGISTER_COLUMNS),
        # The whole page of rows at once: the page scrolls, not a box inside it.
        height=TABLE_HEADER_PX + ROW_PX * len(frame),
        on_select="rerun",
        selection_mode="multi-row",
        key=key,
    )
    rows = list(event.selection.rows) if event is not None else []
    return [row for row in rows if row < len(items)]


def _inline_editor(
    items: list[dict[str, Any]], lists: Lists, currency: str, key: str, wallet: str | None
) -> None:
    """The page's rows in an editor: description, category, bucket and amount change in
    place; Save changes sends what changed (see dashboard/register_edit.py)."""
    frame = transaction_frame(items, lists, wallet)
    _cards(tables.for_display(frame, currency), _signs(items, frame, wallet), "edit in the table")
    problems = st.session_state.pop(INLINE_PROBLEMS_KEY, None)
    editable = register_edit.editor_frame(items, lists, currency, wallet)
    with st.container(key="wide_tx_editor"):
        if problems:
            _show_problems(problems)
        st.caption(
            "The kind decides an amount's sign: 12.50 and -12.50 are the same expense. "
            "Rows mirrored from a group and a split's category say so under Read-only."
        )
        st.data_editor(
            editable,
            hide_index=True,
            num_rows="fixed",
            disabled=[c for c in editable.columns if c not in register_edit.EDITABLE],
            column_config={
                "Date": st.column_config.TextColumn("Date", width="small"),
                "Kind": st.column_config.TextColumn("Kind", width="small"),
                "Description": st.column_config.TextColumn("Description", max_chars=255),
                "Category": st.column_config.SelectboxColumn(
                    "Category", options=register_edit.category_options(lists, editable)
                ),
                "Bucket": st.column_config.SelectboxColumn(
                    "Bucket", options=register_edit.bucket_options(lists, editable)
                ),
                "Amount": st.column_config.TextColumn(f"Amount ({currency})"),
                "Balance": st.column_config.TextColumn("Balance", alignment="right"),
            },
            height=TABLE_HEADER_PX + ROW_PX * len(editable),
            key=key,
        )
        if st.button("Save changes", type="primary", icon=":material/save:", key=INLINE_SAVE_KEY):
            state = st.session_state.get(key) or {}
            _save_inline(items, lists, currency, state.get("edited_rows") or {})


def _show_problems(problems: list[str]) -> None:
    # The sentences quote what users typed and named: shown literally.
    st.error("\n".join(f"- {literal(problem)}" for problem in problems))


def _save_inline(
    items: list[dict[str, Any]], lists: Lists, currency: str, edited_rows: dict
) -> None:
    edits = register_edit.edits_of(items, edited_rows, lists)
    problems = {
        row: register_edit.sentence(items[row], currency, message)
        for row, message in edits.refused.items()
    }
    saved = 0
    client = api.get_client()
    for ids, changes in register_edit.requests_of(edits.changes):
        try:
            if len(ids) > 1:
                client.patch(
                    data.ledger_path("/transactions/bulk"), json={"ids": ids, "changes": changes}
                )
                saved += len(ids)
                continue
        except ApiError as error:
            if isinstance(error, SessionExpired):
                show_error(error)
                return
            # All or none: each row again on its own, to say which one cannot change.
        for tid in ids:
            try:
                client.patch(data.ledger_path(f"/transactions/{tid}"), json=changes)
                saved += 1
            except ApiError as error:
                if isinstance(error, SessionExpired):
                    show_error(error)
                    return
                row = edits.rows[tid]
                message = error.errors[0].message if error.errors else error.detail
                problems[row] = register_edit.sentence(items[row], currency, message)
    shown = [problems[row] for row in sorted(problems)]
    if not saved:
        if shown:
            _show_problems(shown)
        else:
            st.info("Nothing changed.")
        return
    if shown:
        st.session_state[INLINE_PROBLEMS_KEY] = shown
    PAGE.written(f"Saved {saved} changed transaction{'s' if saved != 1 else ''}.")


def _selected(tx: dict[str, Any], lists: Lists, currency: str, can_write: bool) -> None:
    st.subheader("Selected transaction")
    st.caption(literal(forms.transaction_label(tx, currency)))
    if tx.get("splits"):
        parts = [
            f"{lists.names.lookup('categories', line['category'])} "
            f"{format_money(line['amount'], currency)}"
            for line in tx["splits"]
        ]
        st.caption(literal("Split over categories: " + " · ".join(parts)))
    if tx.get("allocations"):
        parts = [
            f"{a['bucket_name']} {format_money(a['amount'], currency)}" for a in tx["allocations"]
        ]
        st.caption(literal("Split: " + " · ".join(parts)))
    tid = str(tx["id"])
    if not can_write:
        st.caption(VIEWER_NOTE)
        with st.expander("Files", icon=":material/attach_file:"):
            receipts.attachments(PAGE, tid, can_write)
        with st.expander("History", icon=":material/history:"):
            activity.history(tid)
        return
    edit, files, remove, changes = st.tabs(["Edit", "Files", "Delete", "History"])
    with edit:
        transaction_form.edit_form(PAGE, tx, tid, lists, currency)
        transaction_form.rule_from(PAGE, tx, lists)
    with files:
        receipts.attachments(PAGE, tid, can_write)
    with remove:
        _delete(tx, tid, currency)
    with changes:
        activity.history(tid)


def _delete(tx: dict[str, Any], tid: str, currency: str) -> None:
    st.write("Deleting removes the transaction and, for an income, its split.")
    label = forms.transaction_label(tx, currency)
    if not PAGE.confirmed(
        "tx_delete",
        subject=tid,
        ask="Delete transaction",
        icon=":material/delete:",
        question=f"Delete {label}? This cannot be undone.",
        yes="Yes, delete it",
    ):
        return
    try:
        api.get_client().delete(data.ledger_path(f"/transactions/{tid}"))
    except ApiError as error:
        show_error(error)
        return
    PAGE.written(f"Deleted {label}.")


# --- export -----------------------------------------------------------------------------------


def export_params(filters: Mapping[str, str]) -> dict[str, str]:
    """The page's filters for GET /export.csv, in the table's order (newest first unless the
    filters say otherwise)."""
    return {"ordering": "-date", **filters}


def _export(filters: dict[str, str], count: int) -> None:
    st.subheader("Export")
    what = "the one transaction" if count == 1 else f"the {count:,} transactions"
    st.caption(
        f"A CSV of {what} that match the filters, in the table's order: wallets, buckets "
        "and categories by name, amounts as plain decimals. **Import CSV** reads it back."
    )
    signature = (
        session.current_ledger_id(),
        st.session_state.get(data.DATA_VERSION_KEY, 0),
        tuple(sorted(filters.items())),
        count,  # a write elsewhere changes it too: the label says how many rows the file has
    )
    prepared_download(
        EXPORT_KEY,
        signature,
        lambda: api.get_client().download(data.ledger_path("/export.csv"), export_params(filters)),
        prepare="Prepare CSV",
        prepare_icon=":material/table_view:",
        label=f"Download CSV ({count:,} row{'s' if count != 1 else ''})",
        file_name=f"transactions-{today().isoformat()}.csv",
        mime="text/csv",
    )
