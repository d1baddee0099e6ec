"""Transactions: filter, browse page by page, add, edit, delete, allocate pending incomes, import
a CSV file (views/imports.py) and export to CSV. Everything is filtered and paginated by the
API, so a ledger of 100 000 transactions costs one page of 50 per view."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import api, data, forms, session, tables
from dashboard.api import ApiError
from dashboard.formatting import format_money, parse_money
from dashboard.forms import FormErrors
from dashboard.views import imports
from dashboard.views.common import VIEWER_NOTE, show_error

PAGE_SIZE = 50
ROW_PX = 35
VISIBLE_ROWS = 15
TABLE_HEADER_PX = 38

FILTERS_KEY = "tx_filters"
PAGE_KEY = "tx_page"
TABLE_KEY = "tx_table"
VIEW_KEY = "tx_view"
FLASH_KEY = "tx_flash"
CONFIRM_DELETE_KEY = "tx_confirm_delete"
EXPORT_KEY = "tx_export"
ADD_KIND_KEY = "tx_add_kind"
ALLOCATE_KEY = "tx_allocate"
ORDERINGS = {
    "-date": "Newest first",
    "date": "Oldest first",
    "-amount": "Largest amount first",
    "amount": "Smallest amount first",
}
# "Any" in a filter box: a real option, since a box holding None shows a placeholder instead.
ANY = ""
FILTER_DEFAULTS = {
    "tx_filter_date_from": None,
    "tx_filter_date_to": None,
    "tx_filter_kind": ANY,
    "tx_filter_ordering": "-date",
    "tx_filter_category": ANY,
    "tx_filter_wallet": ANY,
    "tx_filter_bucket": ANY,
    "tx_filter_q": "",
    "tx_filter_tag": "",
    "tx_filter_min_amount": "",
    "tx_filter_max_amount": "",
}


@dataclass(frozen=True)
class Lists:
    """The ledger's wallets, buckets and categories (archived included) and their names."""

    wallets: list[dict[str, Any]]
    buckets: list[dict[str, Any]]
    categories: list[dict[str, Any]]

    @property
    def names(self) -> forms.Names:
        return forms.Names.of(self.wallets, self.buckets, self.categories)

    def active_wallets(self) -> list[dict[str, Any]]:
        return [w for w in self.wallets if not w["archived"]]

    def active_buckets(self) -> list[dict[str, Any]]:
        # The system bucket first: it is where money waits until it is given a purpose.
        active = [b for b in self.buckets if not b["archived"]]
        return sorted(active, key=lambda b: not b.get("is_system"))

    def active_categories(self, type_: str) -> list[dict[str, Any]]:
        return [c for c in self.categories if c["type"] == type_ and not c["archived"]]

    def system_bucket_id(self) -> str | None:
        return next((str(b["id"]) for b in self.buckets if b.get("is_system")), None)


def render() -> None:
    st.title("Transactions")
    ledger = session.current_ledger()
    if ledger is None:
        st.info("You have no ledger yet. Create one on the Account page.")
        return
    currency = ledger["currency"]
    can_write = ledger.get("role") != "viewer"
    forms.apply_resets()
    _show_flash()

    try:
        lists = Lists(data.wallets(), data.buckets(), data.categories())
    except ApiError as error:
        show_error(error)
        return

    if can_write:
        _pending_allocations(currency)
        with st.expander("Add a transaction", icon=":material/add:", key="tx_add_open"):
            _add_form(lists, currency)
        with st.expander("Import CSV", icon=":material/upload_file:", key="tx_import_open"):
            imports.render(lists, currency)
    else:
        st.caption(VIEWER_NOTE)

    filters = _filters(lists)
    _browse(filters, lists, currency, can_write)


# --- flash messages ---------------------------------------------------------------------------


def _flash(message: str) -> None:
    """A success message for the next run (the current one ends with st.rerun)."""
    st.session_state[FLASH_KEY] = message


def _show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message, icon=":material/check_circle:")


def _written(message: str) -> None:
    data.changed()
    _flash(message)
    st.rerun()


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
        _written(f"Allocated {count} pending income{'s' if count != 1 else ''}.")


# --- the transaction form (add and edit) ------------------------------------------------------


def _today() -> date:
    return datetime.now(UTC).astimezone().date()


def _defaults(kind: str, lists: Lists) -> dict[str, Any]:
    values: dict[str, Any] = {"date": _today(), "amount": "", "description": "", "notes": ""}
    values["tags"] = ""
    wallets = lists.active_wallets()
    if kind in ("income", "expense", "adjustment") and len(wallets) == 1:
        values["wallet"] = str(wallets[0]["id"])
    if kind in ("expense", "adjustment"):
        values["bucket"] = lists.system_bucket_id()
    return values


def _transaction_fields(
    kind: str, prefix: str, initial: Mapping[str, Any], lists: Lists, currency: str
) -> dict[str, Any]:
    """The widgets of one kind's form; returns the values typed. Keys: ``<prefix>_<field>``."""
    names = lists.names
    values: dict[str, Any] = {}
    left, right = st.columns(2)
    with left:
        values["date"] = st.date_input("Date", value=initial.get("date"), key=f"{prefix}_date")
        amount_label = f"Amount ({currency})"
        amount_help = None
        if kind == "adjustment":
            amount_label = f"Amount ({currency}, + adds, - removes)"
            amount_help = "A signed amount: -20.00 takes 20 away from the wallet and bucket."
        values["amount"] = st.text_input(
            amount_label,
            value=initial.get("amount", ""),
            placeholder="-12.50" if kind == "adjustment" else "12.50",
            help=amount_help,
            key=f"{prefix}_amount",
        )
        values["description"] = st.text_input(
            "Description",
            value=initial.get("description", ""),
            max_chars=255,
            key=f"{prefix}_description",
        )
        values["tags"] = st.text_input(
            "Tags",
            value=initial.get("tags", ""),
            placeholder="holiday, kids",
            help="Separate tags with commas.",
            key=f"{prefix}_tags",
        )
    with right:
        for name in forms.KIND_REFERENCES[kind]:
            values[name] = _reference_select(kind, name, prefix, initial.get(name), lists, names)
    values["notes"] = st.text_area(
        "Notes", value=initial.get("notes", ""), max_chars=2000, height=68, key=f"{prefix}_notes"
    )
    return values


def _reference_select(
    kind: str, name: str, prefix: str, current: str | None, lists: Lists, names: forms.Names
) -> str | None:
    label = forms.field_label(name)
    none_label: str | None = None
    if name.endswith("wallet"):
        options = [str(w["id"]) for w in lists.active_wallets()]
        group = "wallets"
        if name != "wallet":
            none_label = "—"
    elif name.endswith("bucket"):
        options = [str(b["id"]) for b in lists.active_buckets()]
        group = "buckets"
        if kind == "income":
            none_label = "Split by the bucket percentages"
        elif name != "bucket":
            none_label = "—"
    else:
        type_ = forms.CATEGORY_TYPE[kind]
        options = [str(c["id"]) for c in lists.active_categories(type_)]
        group = "categories"
        if kind == "transfer":
            none_label = "—"
            label = "Category (optional)"
    if current and current not in options:
        options.append(current)  # an archived one this transaction already uses
    choices: list[str | None] = [None, *options] if none_label else list(options)
    index = choices.index(current) if current in choices else (0 if none_label else None)

    def show(value: str | None) -> str:
        if value is None:
            return none_label or ""
        return names.lookup(group, value)

    hint = None
    if not options and name == "category":
        hint = f"No active {forms.CATEGORY_TYPE[kind]} categories: add one under Setup."
    elif not options:
        hint = f"No active {group}: add one under Setup."
    return st.selectbox(
        label,
        choices,
        index=index,
        format_func=show,
        placeholder=f"Choose a {label.lower()}",
        help=hint,
        key=f"{prefix}_{name}",
    )


def _add_form(lists: Lists, currency: str) -> None:
    if not lists.active_wallets():
        st.info(
            "Add a wallet first (Setup → Wallets): every income, expense and adjustment "
            "needs a wallet the money sits in."
        )
    kind = st.segmented_control(
        "Kind",
        forms.KINDS,
        default="expense",
        required=True,
        format_func=forms.KIND_LABELS.__getitem__,
        key=ADD_KIND_KEY,
    )
    st.caption(forms.KIND_HELP[kind])
    prefix = f"tx_add_{kind}"
    with st.form(f"tx_add_form_{kind}", border=False):
        values = _transaction_fields(kind, prefix, _defaults(kind, lists), lists, currency)
        submitted = st.form_submit_button("Add transaction", type="primary", key="tx_add_submit")
    if not submitted:
        return
    try:
        payload = forms.build_payload(kind, values)
        created = api.get_client().post(data.ledger_path("/transactions"), json=payload)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    # The next one often shares the date and wallet; what is typed fresh each time goes.
    forms.reset_later({f"{prefix}_{name}": "" for name in ("amount", "description", "notes")})
    forms.reset_later({f"{prefix}_tags": ""})
    label = forms.transaction_label(created, currency) if isinstance(created, dict) else kind
    _written(f"Added {label}.")


# --- filters ----------------------------------------------------------------------------------


def _active_filters() -> dict[str, str]:
    return dict(st.session_state.get(FILTERS_KEY, {}))


def _filters(lists: Lists) -> dict[str, str]:
    """The filter form; returns the API parameters in force."""
    active = _active_filters()
    shown = {k: v for k, v in active.items() if k != "ordering"}
    title = f"Filters ({len(shown)} active)" if shown else "Filters"
    names = lists.names
    with (
        st.expander(
            title, icon=":material/filter_list:", expanded=bool(shown), key="tx_filters_open"
        ),
        st.form("tx_filter_form", border=False),
    ):
        row = st.columns(4)
        date_from = row[0].date_input(
            "From", value=_date(active.get("date_from")), key="tx_filter_date_from"
        )
        date_to = row[1].date_input(
            "To", value=_date(active.get("date_to")), key="tx_filter_date_to"
        )
        kind = row[2].selectbox(
            "Kind",
            [ANY, *forms.KINDS],
            index=_index([ANY, *forms.KINDS], active.get("kind")),
            format_func=lambda k: forms.KIND_LABELS.get(k, "Any kind"),
            key="tx_filter_kind",
        )
        orderings = list(ORDERINGS)
        ordering = row[3].selectbox(
            "Order",
            orderings,
            index=_index(orderings, active.get("ordering", "-date")),
            format_func=ORDERINGS.__getitem__,
            key="tx_filter_ordering",
        )
        row = st.columns(3)
        category = _filter_select(
            row[0], "Category", lists.categories, "categories", active, names, "Any category"
        )
        wallet = _filter_select(row[1], "Wallet", lists.wallets, "wallets", active, names)
        bucket = _filter_select(row[2], "Bucket", lists.buckets, "buckets", active, names)
        row = st.columns(4)
        q = row[0].text_input(
            "Text",
            value=active.get("q", ""),
            placeholder="in description or notes",
            key="tx_filter_q",
        )
        tag = row[1].text_input("Tag", value=active.get("tag", ""), key="tx_filter_tag")
        min_amount = row[2].text_input(
            "Min amount", value=active.get("min_amount", ""), key="tx_filter_min_amount"
        )
        max_amount = row[3].text_input(
            "Max amount", value=active.get("max_amount", ""), key="tx_filter_max_amount"
        )
        buttons = st.columns([1, 1, 4])
        apply = buttons[0].form_submit_button(
            "Apply filters", type="primary", key="tx_filter_apply"
        )
        clear = buttons[1].form_submit_button("Clear filters", key="tx_filter_clear")

    if clear:
        forms.reset_later(FILTER_DEFAULTS)
        _set_filters({})
    if apply:
        typed = {
            "date_from": date_from,
            "date_to": date_to,
            "kind": kind,
            "category": category,
            "wallet": wallet,
            "bucket": bucket,
            "q": q,
            "tag": tag,
            "min_amount": min_amount,
            "max_amount": max_amount,
            "ordering": ordering,
        }
        try:
            params = filter_params(typed)
        except FormErrors as error:
            forms.show_form_error(error)
            return active
        _set_filters(params)
    return active


def filter_params(typed: Mapping[str, Any]) -> dict[str, str]:
    """The filter form's values → the list endpoint's query parameters (empty ones left out)."""
    errors = []
    params: dict[str, str] = {}
    for name in ("date_from", "date_to"):
        if typed.get(name):
            params[name] = typed[name].isoformat()
    for name in ("kind", "category", "wallet", "bucket"):
        if typed.get(name):
            params[name] = str(typed[name])
    for name in ("q", "tag"):
        text = (typed.get(name) or "").strip()
        if text:
            params[name] = text
    for name in ("min_amount", "max_amount"):
        try:
            amount = forms.parse_filter_amount(typed.get(name) or "", field_name=name)
        except FormErrors as error:
            errors += error.errors
            continue
        if amount is not None:
            params[name] = str(amount)
    if "date_from" in params and "date_to" in params and params["date_from"] > params["date_to"]:
        errors.append(forms.FieldError(field="date_to", message="The end is before the start."))
    if typed.get("ordering") and typed["ordering"] != "-date":
        params["ordering"] = typed["ordering"]
    if errors:
        raise FormErrors(errors)
    return params


def _set_filters(params: dict[str, str]) -> None:
    if params != _active_filters():
        st.session_state[FILTERS_KEY] = params
        forms.reset_later({PAGE_KEY: 1})
        st.rerun()


def _filter_select(
    column: Any,
    label: str,
    items: list[dict[str, Any]],
    group: str,
    active: Mapping[str, str],
    names: forms.Names,
    any_label: str | None = None,
) -> str | None:
    ordered = sorted(items, key=lambda item: (item["archived"], item.get("type", ""), item["name"]))
    options = [ANY, *(str(item["id"]) for item in ordered)]
    archived = {str(item["id"]) for item in items if item["archived"]}
    types = {str(item["id"]): item.get("type") for item in items}

    def show(value: str | None) -> str:
        if value == ANY:
            return any_label or f"Any {label.lower()}"
        text = names.lookup(group, value)
        if types.get(value):
            text += f" ({types[value]})"
        return f"{text} — archived" if value in archived else text

    return column.selectbox(
        label,
        options,
        index=_index(options, active.get(label.lower())),
        format_func=show,
        key=f"tx_filter_{label.lower()}",
    )


def _index(options: list[Any], value: Any) -> int:
    return options.index(value) if value in options else 0


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


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
    header.caption(
        f"{count:,} transaction{'s' if count != 1 else ''} · showing {first:,} to "
        f"{first + len(items) - 1:,} · page {page:,} of {pages:,}"
        + (" · select a row to edit or delete it" if can_write else "")
    )
    footer[1].caption(f"Page {page:,} of {pages:,}")

    # A new page, new filters or a write mean other rows: the old selection means nothing,
    # so the table starts over as a new widget (a new key), in the browser too.
    view = (page, tuple(sorted(filters.items())), st.session_state.get(data.DATA_VERSION_KEY, 0))
    shown_view, generation = st.session_state.get(VIEW_KEY, (None, 0))
    if shown_view != view:
        generation += 1
        st.session_state[VIEW_KEY] = (view, generation)
        st.session_state.pop(CONFIRM_DELETE_KEY, None)

    with table_slot:
        selected = _table(items, lists, currency, table_key(generation))
    if selected is not None:
        _selected(items[selected], lists, currency, can_write)
    _export(filters, count)


def transaction_frame(items: list[dict[str, Any]], lists: Lists) -> pd.DataFrame:
    frame = tables.transaction_table(items, lists.wallets, lists.buckets, lists.categories)
    frame["Tags"] = [", ".join(item.get("tags") or []) for item in items]
    return frame


def table_key(generation: int) -> str:
    return f"{TABLE_KEY}_{generation}"


def _table(items: list[dict[str, Any]], lists: Lists, currency: str, key: str) -> int | None:
    frame = transaction_frame(items, lists)
    money = tables.money_columns(frame)
    event = st.dataframe(
        tables.for_display(frame, currency),
        hide_index=True,
        column_config={
            "Date": st.column_config.TextColumn("Date", width="small"),
            "Kind": st.column_config.TextColumn("Kind", width="small"),
            **{c: st.column_config.TextColumn(c, alignment="right") for c in money},
        },
        # Up to 15 rows at once, so the pager and the selected row's form stay near; the
        # rest of the page of 50 scrolls inside the table.
        height=TABLE_HEADER_PX + ROW_PX * min(len(frame), VISIBLE_ROWS),
        on_select="rerun",
        selection_mode="single-row",
        key=key,
    )
    rows = list(event.selection.rows) if event is not None else []
    return rows[0] if rows and rows[0] < len(items) else None


def _selected(tx: dict[str, Any], lists: Lists, currency: str, can_write: bool) -> None:
    st.subheader("Selected transaction")
    st.caption(forms.transaction_label(tx, currency))
    if tx.get("allocations"):
        parts = [
            f"{a['bucket_name']} {format_money(a['amount'], currency)}" for a in tx["allocations"]
        ]
        st.caption("Split: " + " · ".join(parts))
    if not can_write:
        st.caption(VIEWER_NOTE)
        return
    tid = str(tx["id"])
    edit, remove = st.tabs(["Edit", "Delete"])
    with edit:
        _edit_form(tx, tid, lists, currency)
    with remove:
        _delete(tx, tid, currency)


def _edit_form(tx: dict[str, Any], tid: str, lists: Lists, currency: str) -> None:
    kind = st.segmented_control(
        "Kind",
        forms.KINDS,
        default=tx["kind"],
        required=True,
        format_func=forms.KIND_LABELS.__getitem__,
        key=f"tx_edit_{tid}_kind",
    )
    if kind != tx["kind"]:
        st.caption(
            f"Saving turns this {tx['kind']} into a {kind}: fields a {kind} has no use for "
            "are cleared."
        )
    prefix = f"tx_edit_{tid}_{kind}"
    initial = forms.form_values(tx)
    if kind != tx["kind"]:
        initial = {**_defaults(kind, lists), **{k: initial[k] for k in _KEPT_ON_KIND_CHANGE}}
    with st.form(f"tx_edit_form_{tid}_{kind}", border=False):
        values = _transaction_fields(kind, prefix, initial, lists, currency)
        submitted = st.form_submit_button("Save changes", type="primary", key="tx_edit_submit")
    if not submitted:
        return
    try:
        body = forms.changes(tx, forms.build_payload(kind, values))
        if not body:
            st.info("Nothing changed.")
            return
        api.get_client().patch(data.ledger_path(f"/transactions/{tid}"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    _written(f"Saved {forms.transaction_label({**tx, **_shown(body)}, currency)}.")


_KEPT_ON_KIND_CHANGE = ("date", "amount", "description", "notes", "tags")


def _shown(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("kind", "date", "amount", "description") if k in body}


def _delete(tx: dict[str, Any], tid: str, currency: str) -> None:
    if st.session_state.get(CONFIRM_DELETE_KEY) != tid:
        st.write("Deleting removes the transaction and, for an income, its split.")
        if st.button("Delete transaction", icon=":material/delete:", key="tx_delete"):
            st.session_state[CONFIRM_DELETE_KEY] = tid
            st.rerun()
        return
    st.warning(f"Delete {forms.transaction_label(tx, currency)}? This cannot be undone.")
    yes, no, _ = st.columns([1, 1, 4])
    if no.button("Cancel", key="tx_delete_cancel"):
        st.session_state.pop(CONFIRM_DELETE_KEY, None)
        st.rerun()
    if yes.button("Yes, delete it", type="primary", key="tx_delete_confirm"):
        try:
            api.get_client().delete(data.ledger_path(f"/transactions/{tid}"))
        except ApiError as error:
            show_error(error)
            return
        st.session_state.pop(CONFIRM_DELETE_KEY, None)
        _written(f"Deleted {forms.transaction_label(tx, currency)}.")


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
    )
    prepared = st.session_state.get(EXPORT_KEY)
    if prepared is None or prepared["signature"] != signature:
        # Fetched on request, not on every run: a large ledger's CSV takes a moment.
        if st.button("Prepare CSV", icon=":material/table_view:", key="tx_export_prepare"):
            try:
                content = api.get_client().download(
                    data.ledger_path("/export.csv"), export_params(filters)
                )
            except ApiError as error:
                show_error(error)
                return
            st.session_state[EXPORT_KEY] = {"signature": signature, "csv": content, "rows": count}
            st.rerun()
        return
    st.download_button(
        f"Download CSV ({prepared['rows']:,} row{'s' if prepared['rows'] != 1 else ''})",
        prepared["csv"],
        file_name=f"transactions-{_today().isoformat()}.csv",
        mime="text/csv",
        icon=":material/download:",
        type="primary",
        key="tx_export_download",
    )
