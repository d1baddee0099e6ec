"""Setup: the ledger's wallets (with reconcile), buckets (with the allocation percentages and
their live total) and categories."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import api, data, forms, labels, tables
from dashboard.api import ApiError, FieldError
from dashboard.formatting import format_money, literal, parse_money
from dashboard.forms import FormErrors
from dashboard.views.common import Page, add_and_change, ledger_page, money_table, show_error, today

PAGE = Page(flash_key="setup_flash", confirm_key="setup_confirm_delete")
PERCENT_PREFIX = "setup_percent_"
SAVE_PERCENTS_KEY = "setup_percents_save"


def render() -> None:
    page = ledger_page("Setup", PAGE.flash_key)
    if page is None:
        return
    ledger, can_write = page
    currency = ledger["currency"]

    # Tabs that track their state survive reruns that change what is drawn above them (a
    # success message): untracked tabs would jump back to the first one.
    wallets_tab, buckets_tab, categories_tab = st.tabs(
        ["Wallets", "Buckets", "Categories"], key="setup_tab", on_change="rerun"
    )
    with wallets_tab:
        _wallets(currency, can_write)
    with buckets_tab:
        _buckets(currency, can_write)
    with categories_tab:
        _categories(can_write)


# --- wallets ----------------------------------------------------------------------------------


def _wallets(currency: str, can_write: bool) -> None:
    try:
        wallets = data.wallets()
    except ApiError as error:
        show_error(error)
        return
    active = [w for w in wallets if not w["archived"]]
    show_archived = False
    if len(active) < len(wallets):
        show_archived = st.toggle("Show archived wallets", key="setup_wallets_archived")
    if active or show_archived:
        money_table(tables.wallet_table(wallets, show_archived), currency)
        total = sum((parse_money(w["balance"]) for w in active), Decimal("0.00"))
        st.caption(f"Net worth across active wallets: {format_money(total, currency)}")
    else:
        st.info(
            "No wallets yet. Add the places your money sits: a bank account, a card, cash, "
            "or a loan (money lent to or borrowed from someone)."
        )
    if not can_write:
        return

    def change() -> None:
        wallet = _pick("Wallet", wallets, "setup_wallet_pick")
        path = data.ledger_path(f"/wallets/{wallet['id']}")
        rename, reconcile, remove = st.tabs(
            ["Rename", "Reconcile", "Archive or delete"],
            key="setup_wallet_actions",
            on_change="rerun",
        )
        with rename:
            _rename(wallet, path, "wallet")
        with reconcile:
            _reconcile(wallet, path, currency)
        with remove:
            _archive_or_delete(wallet, path, "wallet")

    add_and_change(
        "Add a wallet",
        lambda: _wallet_add(currency),
        "Change a wallet",
        change,
        nothing_to_change=None
        if wallets
        else "Wallets you add can be renamed, reconciled, archived or deleted here.",
    )


def _wallet_add(currency: str) -> None:
    with st.form("setup_wallet_add", border=True):
        name = st.text_input("Name", placeholder="Bank account", key="setup_wallet_name")
        kind = st.selectbox(
            "Kind",
            list(labels.WALLET_KIND_CHOICES),
            format_func=labels.WALLET_KIND_CHOICES.__getitem__,
            key="setup_wallet_kind",
        )
        left, right = st.columns(2)
        opening = left.text_input(
            f"Opening balance ({currency})",
            placeholder="0.00",
            help="What it holds today. For a loan: positive when they owe you.",
            key="setup_wallet_opening",
        )
        opening_date = right.date_input("Opening date", value=today(), key="setup_wallet_date")
        submitted = st.form_submit_button("Add wallet", type="primary", key="setup_wallet_submit")
    if not submitted:
        return
    try:
        body: dict[str, Any] = {"name": _name(name), "kind": kind}
        balance = forms.parse_balance(opening, field_name="opening_balance")
        if balance:
            body["opening_balance"] = str(balance)
            body["opening_date"] = opening_date.isoformat()
        api.get_client().post(data.ledger_path("/wallets"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"setup_wallet_name": "", "setup_wallet_opening": ""})
    PAGE.written(f"Added the wallet {body['name']}.")


def _reconcile(wallet: dict[str, Any], path: str, currency: str) -> None:
    st.caption(
        f"{wallet['name']} holds {format_money(wallet['balance'], currency)} here. Enter what "
        "it really holds (your bank statement, the cash you counted); the difference becomes "
        "an adjustment."
    )
    key = f"setup_reconcile_{wallet['id']}"
    with st.form(key, border=False):
        left, right = st.columns(2)
        actual = left.text_input(f"Actual balance ({currency})", key=f"{key}_actual")
        on = right.date_input("Date", value=today(), key=f"{key}_date")
        submitted = st.form_submit_button("Reconcile", key=f"{key}_submit")
    if not submitted:
        return
    try:
        amount = forms.parse_balance(actual, field_name="actual_balance", required=True)
        body = {"actual_balance": str(amount), "date": on.isoformat()}
        answer = api.get_client().post(f"{path}/reconcile", json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({f"{key}_actual": ""})
    PAGE.written(reconcile_message(wallet["name"], answer, currency))


def reconcile_message(name: str, answer: dict[str, Any], currency: str) -> str:
    balance = format_money(answer["balance"], currency)
    adjustment = answer.get("adjustment")
    if not adjustment:
        return f"{name} already matches: it holds {balance}. Nothing to adjust."
    amount = parse_money(adjustment["amount"])
    sign = "+" if amount > 0 else ""
    return (
        f"Added an adjustment of {sign}{format_money(amount, currency)} to {name}; "
        f"it now holds {balance}."
    )


# --- buckets ----------------------------------------------------------------------------------


def _buckets(currency: str, can_write: bool) -> None:
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
        _percent_editor(editable)
    else:
        st.info(
            "No buckets yet. Add buckets for what you save or spend for (Savings, Holidays, "
            "Car…) and give them a share of every income."
        )

    def change() -> None:
        bucket = _pick("Bucket", user_buckets, "setup_bucket_pick")
        path = data.ledger_path(f"/buckets/{bucket['id']}")
        rename, remove = st.tabs(
            ["Rename", "Archive or delete"], key="setup_bucket_actions", on_change="rerun"
        )
        with rename:
            _rename(bucket, path, "bucket")
        with remove:
            _archive_or_delete(bucket, path, "bucket")

    add_and_change(
        "Add a bucket",
        _bucket_add,
        "Change a bucket",
        change,
        nothing_to_change=None
        if user_buckets
        else "Buckets you add can be renamed, archived or deleted here.",
    )


def _percent_editor(buckets: list[dict[str, Any]]) -> None:
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
        st.error("\n".join(f"- **{literal(e.field)}**: {e.message}" for e in errors))
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
    PAGE.written(
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


def _bucket_add() -> None:
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
            "name": _name(name),
            "allocation_percent": str(
                forms.parse_percent(percent, field_name="allocation_percent")
            ),
        }
        api.get_client().post(data.ledger_path("/buckets"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"setup_bucket_name": "", "setup_bucket_percent": "0"})
    PAGE.written(f"Added the bucket {body['name']}.")


# --- categories -------------------------------------------------------------------------------


def _categories(can_write: bool) -> None:
    try:
        categories = data.categories()
    except ApiError as error:
        show_error(error)
        return
    active = [c for c in categories if not c["archived"]]
    show_archived = False
    if len(active) < len(categories):
        show_archived = st.toggle("Show archived categories", key="setup_categories_archived")
    shown = categories if show_archived else active
    if not shown:
        st.info(
            "No categories yet. Add what money comes from (Salary) and goes to (Groceries, "
            "Rent); neutral ones label transfers."
        )
    columns = st.columns(3)
    for column, (type_, label) in zip(columns, labels.CATEGORY_TYPES.items(), strict=True):
        with column:
            st.markdown(f"**{label}**")
            names = sorted((_category_name(c) for c in shown if c["type"] == type_), key=str.lower)
            st.markdown("\n".join(f"- {name}" for name in names) if names else "*None yet*")
    if not can_write:
        return

    def change() -> None:
        category = _pick(
            "Category",
            sorted(categories, key=lambda c: (c["type"], c["name"].lower())),
            "setup_category_pick",
            lambda c: f"{c['name']} ({labels.CATEGORY_TYPES.get(c['type'], c['type']).lower()})",
        )
        path = data.ledger_path(f"/categories/{category['id']}")
        rename, remove = st.tabs(
            ["Rename", "Archive or delete"], key="setup_category_actions", on_change="rerun"
        )
        with rename:
            _rename(category, path, "category")
        with remove:
            _archive_or_delete(category, path, "category")

    add_and_change(
        "Add a category",
        _category_add,
        "Change a category",
        change,
        nothing_to_change=None
        if categories
        else "Categories you add can be renamed, archived or deleted here.",
    )


def _category_name(category: dict[str, Any]) -> str:
    return literal(category["name"]) + (" *(archived)*" if category["archived"] else "")


def _category_add() -> None:
    with st.form("setup_category_add", border=True):
        name = st.text_input("Name", placeholder="Groceries", key="setup_category_name")
        type_ = st.selectbox(
            "Type",
            list(labels.CATEGORY_TYPES),
            index=1,
            format_func=labels.CATEGORY_TYPES.__getitem__,
            key="setup_category_type",
        )
        submitted = st.form_submit_button(
            "Add category", type="primary", key="setup_category_submit"
        )
    if not submitted:
        return
    try:
        body = {"name": _name(name), "type": type_}
        api.get_client().post(data.ledger_path("/categories"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    forms.reset_later({"setup_category_name": ""})
    PAGE.written(f"Added the {type_} category {body['name']}.")


# --- shared: pick, rename, archive, delete ----------------------------------------------------


def _pick(
    label: str,
    items: list[dict[str, Any]],
    key: str,
    show: Callable[[dict[str, Any]], str] | None = None,
) -> dict[str, Any]:
    by_id = {str(item["id"]): item for item in items}

    def text(item_id: str) -> str:
        item = by_id[item_id]
        name = show(item) if show else item["name"]
        return f"{name} — archived" if item["archived"] else name

    chosen = st.selectbox(label, list(by_id), format_func=text, key=key)
    return by_id[chosen]


def _name(text: str) -> str:
    name = (text or "").strip()
    if not name:
        raise FormErrors([FieldError(field="name", message="Enter a name.")])
    return name


def _rename(item: dict[str, Any], path: str, noun: str) -> None:
    key = f"setup_rename_{item['id']}"
    with st.form(key, border=False):
        name = st.text_input("New name", value=item["name"], key=f"{key}_name")
        submitted = st.form_submit_button("Rename", key=f"{key}_submit")
    if not submitted:
        return
    try:
        new = _name(name)
        if new == item["name"]:
            st.info("That is already its name.")
            return
        api.get_client().patch(path, json={"name": new})
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    PAGE.written(f"Renamed the {noun} {item['name']} to {new}.")


def _archive_or_delete(item: dict[str, Any], path: str, noun: str) -> None:
    key = f"setup_{noun}_{item['id']}"
    if item["archived"]:
        st.caption(f"{literal(item['name'])} is archived: it is not offered for new transactions.")
        if st.button("Unarchive", key=f"{key}_unarchive"):
            _patch_archived(item, path, noun, archived=False)
    else:
        hint = "Archiving keeps it on past transactions but stops offering it for new ones."
        if noun in ("wallet", "bucket"):
            hint += " Only an empty one (balance 0.00) can be archived."
        st.caption(hint)
        if st.button("Archive", key=f"{key}_archive"):
            _patch_archived(item, path, noun, archived=True)

    st.caption(f"Deleting works only for a {noun} no transaction uses.")
    hint = (
        f"Archive it instead: the {noun} stays on its transactions but is no longer offered "
        "for new ones."
    )
    PAGE.delete(key, noun, item["name"], path, f"Deleted the {noun} {item['name']}.", hint)


def _patch_archived(item: dict[str, Any], path: str, noun: str, *, archived: bool) -> None:
    try:
        api.get_client().patch(path, json={"archived": archived})
    except ApiError as error:
        show_error(error)
        return
    PAGE.written(f"{'Archived' if archived else 'Unarchived'} the {noun} {item['name']}.")
