"""A transaction's form, for adding one and for editing one (Transactions) and for a recurring
transaction's fields (Planning → Recurring): which fields a kind shows, their defaults, and
the wallet, bucket and category boxes."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from decimal import Decimal
from typing import Any

import streamlit as st

from dashboard import api, currencies, data, forms, labels, rules
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal, places
from dashboard.forms import FormErrors, Lists
from dashboard.views.common import Page, today
from dashboard.views.currency_fields import currency_select, rate_hint

ADD_KIND_KEY = "tx_add_kind"
_KEPT_ON_KIND_CHANGE = ("date", "amount", "description", "notes", "tags", "payee_name")
SPLIT_COLUMNS = ("category", "amount", "bucket", "description")
DEFAULT_BUCKET_LABEL = "The category's default bucket (else Unallocated)"


def kind_choice(key: str) -> str:
    """The kind of a new transaction (an expense unless chosen), with what it means."""
    kind = st.segmented_control(
        "Kind",
        forms.KINDS,
        default="expense",
        required=True,
        format_func=labels.TRANSACTION_KINDS.__getitem__,
        key=key,
    )
    st.caption(labels.TRANSACTION_KIND_HELP[kind])
    return kind


def defaults(kind: str, lists: Lists) -> dict[str, Any]:
    """A new transaction's values: today, and the wallet and bucket most take."""
    values: dict[str, Any] = {"date": today(), "amount": "", "description": "", "notes": ""}
    values["tags"] = ""
    wallets = lists.active_wallets()
    if kind in ("income", "expense", "adjustment") and len(wallets) == 1:
        values["wallet"] = str(wallets[0]["id"])
    if kind == "adjustment":
        values["bucket"] = lists.system_bucket_id()
    # An expense's bucket box starts on "the category's default bucket": the API puts it
    # there, or on Unallocated when the category has none (Setup → Categories).
    return values


def _transaction_fields(
    kind: str,
    prefix: str,
    initial: Mapping[str, Any],
    lists: Lists,
    currency: str,
    split: bool = False,
) -> dict[str, Any]:
    """The widgets of one kind's form; returns the values typed. Keys: ``<prefix>_<field>``.
    A ``split`` form has no category box: the split editor below it has one per line.

    ``currency`` is the ledger's (base) one. In a ledger with wallets in other currencies
    (SPEC §14; the form is then no st.form, so it follows the wallet chosen) the amount is in
    the wallet's currency, and `_currency_fields` adds what such a transaction needs."""
    values: dict[str, Any] = {}
    left, right = st.columns(2)
    # The boxes on the right first: the amount's currency is the chosen wallet's.
    with right:
        if kind in forms.PAYEE_KINDS:
            values["payee_name"] = payee_select(prefix, initial.get("payee_name"), lists)
        for name in forms.KIND_REFERENCES[kind]:
            if name == "category" and split:
                continue  # each line has its own
            values[name] = reference_select(kind, name, prefix, initial.get(name), lists)
    own = currencies.currency_of(
        lists.wallets, values.get("wallet") or values.get("from_wallet"), currency
    )
    with left:
        values["date"] = st.date_input("Date", value=initial.get("date"), key=f"{prefix}_date")
        amount_label = f"Amount ({own})"
        amount_help = None
        if kind == "adjustment":
            amount_label = f"Amount ({own}, + adds, - removes)"
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
    values["places"] = {"amount": places(own), "base_amount": places(currency)}
    if in_currencies(lists, currency):
        values.update(_currency_fields(kind, prefix, initial, lists, currency, values))
    values["notes"] = st.text_area(
        "Notes", value=initial.get("notes", ""), max_chars=2000, height=68, key=f"{prefix}_notes"
    )
    return values


def in_currencies(lists: Lists, base: str) -> bool:
    """Whether the ledger has a wallet in another currency than its own (SPEC §14)."""
    return bool(currencies.others(lists.wallets, base))


def _currency_fields(
    kind: str,
    prefix: str,
    initial: Mapping[str, Any],
    lists: Lists,
    base: str,
    values: dict[str, Any],
) -> dict[str, Any]:
    """What a transaction in another currency needs: the rate that will be used and an
    optional amount in the base currency (needed without a rate); a transfer between
    currencies the amount received; an expense optionally what the receipt said in a
    foreign currency. Keys ``<prefix>_base_amount``, ``_to_amount``, ``_foreign_amount``,
    ``_foreign_currency``."""
    typed: dict[str, Any] = {}
    amounts = dict(values["places"])
    own = currencies.currency_of(
        lists.wallets, values.get("wallet") or values.get("from_wallet"), base
    )
    target = None
    if kind == "transfer" and values.get("to_wallet"):
        target = currencies.currency_of(lists.wallets, values["to_wallet"], base)
    if target is not None and values.get("from_wallet") and target != own:
        typed["to_amount"] = st.text_input(
            f"Amount received in {target}",
            value=initial.get("to_amount") or "",
            placeholder="0" if not places(target) else "0." + "0" * places(target),
            help=f"The wallets hold different currencies: what arrived in {target}.",
            key=f"{prefix}_to_amount",
        )
        amounts["to_amount"] = places(target)
    # One side of a transfer in the base currency gives the base amount itself.
    needs_base = own != base and target != base
    if needs_base:
        lookup = rate_hint(own, base, values.get("date"))
        if lookup and lookup.get("rate") is not None:
            try:
                amount = forms.parse_amount(
                    values.get("amount") or "", signed=True, decimals=places(own)
                )
                at_rate = currencies.converted(amount, lookup["rate"], base)
                st.caption(literal(f"{values['amount']} {own} ≈ {at_rate} at this rate."))
            except FormErrors:
                pass
        missing = lookup is not None and lookup.get("rate") is None
        typed["base_amount"] = st.text_input(
            f"Amount in {base}" + (" (needed: no rate)" if missing else " (optional)"),
            value=initial.get("base_amount") or "",
            placeholder="0.00",
            help=f"What it cost in {base} (your bank statement says). Empty: the rate is used.",
            key=f"{prefix}_base_amount",
        )
    if kind == "expense":
        with st.expander("Paid in a foreign currency? (for information)"):
            left, right = st.columns(2)
            with right:
                foreign = currency_select(
                    "Foreign currency",
                    f"{prefix}_foreign_currency",
                    initial.get("foreign_currency") or None,
                )
            typed["foreign_amount"] = left.text_input(
                "Foreign amount",
                value=initial.get("foreign_amount") or "",
                help="What the receipt said, in its currency; kept with the expense only.",
                key=f"{prefix}_foreign_amount",
            )
            typed["foreign_currency"] = foreign or ""
            amounts["foreign_amount"] = places(foreign)
    typed["places"] = amounts
    return typed


def payee_select(prefix: str, current: str | None, lists: Lists) -> str | None:
    """Who was paid or who paid: one of the ledger's payees (type to search) or a new name,
    which the API creates on saving (key ``<prefix>_payee``)."""
    names = sorted({p["name"] for p in lists.payees}, key=str.casefold)
    if current and current not in names:
        names.append(current)
    return st.selectbox(
        "Payee",
        names,
        index=names.index(current) if current else None,
        placeholder="Type to search or add a payee",
        accept_new_options=True,
        help="A new name is added to the ledger's payees when you save.",
        key=f"{prefix}_payee",
    )


def split_toggle(kind: str, prefix: str, initial: bool) -> bool:
    """Whether this income or expense is split over several categories."""
    if kind not in forms.PAYEE_KINDS:
        return False
    return st.toggle(
        "Split over several categories",
        value=initial,
        help="One receipt, several categories: groceries and household in one expense.",
        key=f"{prefix}_split_on",
    )


def split_editor(
    kind: str,
    prefix: str,
    amount_text: str,
    initial: list[dict[str, Any]],
    lists: Lists,
    currency: str,
    decimals: int = 2,
) -> list[dict[str, Any]]:
    """The split lines (category, amount, bucket, description; keys
    ``<prefix>_split_<n>_<column>``), what is left to assign as they change, "Add a line" and
    "Split the rest evenly" (the rest shared over the lines without an amount). Returns the
    lines as typed (names, amounts as text)."""
    count_key = f"{prefix}_split_count"
    if count_key not in st.session_state:
        st.session_state[count_key] = max(2, len(initial))
        for n, line in enumerate(initial):
            for column in SPLIT_COLUMNS:
                st.session_state[f"{prefix}_split_{n}_{column}"] = line.get(column) or (
                    None if column in ("category", "bucket") else ""
                )
    type_ = forms.CATEGORY_TYPE[kind]
    categories = [c["name"] for c in lists.active_categories(type_)]
    buckets = [b["name"] for b in lists.active_buckets()]
    lines = []
    for n in range(st.session_state[count_key]):
        key = f"{prefix}_split_{n}"
        widths = [3, 2, 3, 3] if kind == "expense" else [3, 2, 4]
        columns = st.columns(widths, vertical_alignment="bottom")
        line = {
            "category": columns[0].selectbox(
                f"Line {n + 1}: category",
                categories,
                index=None,
                placeholder="Category",
                key=f"{key}_category",
            ),
            "amount": columns[1].text_input(
                f"Amount ({currency})", max_chars=20, placeholder="0.00", key=f"{key}_amount"
            ),
        }
        if kind == "expense":
            line["bucket"] = columns[2].selectbox(
                "Bucket",
                buckets,
                index=None,
                placeholder="The expense's bucket",
                key=f"{key}_bucket",
            )
        line["description"] = columns[-1].text_input(
            "Description", max_chars=255, key=f"{key}_description"
        )
        lines.append(line)
    try:
        total: Decimal | None = forms.parse_amount(amount_text, decimals=decimals)
    except FormErrors:
        total = None
    left = rules.left_to_assign(total, lines, decimals)
    text = rules.left_text(left, currency, decimals)
    if left:
        st.warning(text, icon=":material/call_split:")
    else:
        st.caption(text)
    more, even = st.columns(2)
    if more.button(
        "Add a line", key=f"{prefix}_split_more", disabled=len(lines) >= rules.MAX_SPLIT_LINES
    ):
        st.session_state[count_key] = len(lines) + 1
        st.rerun()
    if even.button("Split the rest evenly", key=f"{prefix}_split_even", disabled=not left):
        shared = rules.split_rest_evenly(total, lines, decimals)
        if shared is None:
            st.info("Empty a line's amount (or add a line) to give it the rest.")
        else:
            forms.reset_later(
                {f"{prefix}_split_{n}_amount": line["amount"] for n, line in enumerate(shared)}
            )
            st.rerun()
    return lines


def split_cleared(prefix: str, count: int) -> dict[str, Any]:
    """The split lines' widgets emptied, and back to two lines."""
    cleared: dict[str, Any] = {f"{prefix}_split_count": 2}
    for n in range(count):
        for column in SPLIT_COLUMNS:
            empty = None if column in ("category", "bucket") else ""
            cleared[f"{prefix}_split_{n}_{column}"] = empty
    return cleared


def split_lines(
    kind: str, amount_text: str, lines: list[dict[str, Any]], lists: Lists, decimals: int = 2
) -> list:
    """The editor's lines → the API's ``splits`` (FormErrors naming the line); amounts with
    ``decimals``, the places of the wallet's currency."""
    total = forms.parse_amount(amount_text, decimals=decimals)
    objects = rules.Objects(lists.wallets, lists.buckets, lists.categories, lists.payees)
    return rules.build_splits(forms.CATEGORY_TYPE[kind], total, lines, objects, decimals)


def reference_select(
    kind: str, name: str, prefix: str, current: str | None, lists: Lists
) -> str | None:
    """The box for one wallet, bucket or category field of ``kind`` (key ``<prefix>_<name>``);
    an archived ``current`` stays on offer."""
    names = lists.names
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
        elif kind == "expense" and name == "bucket" and not current:
            none_label = DEFAULT_BUCKET_LABEL
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


def add_form(page: Page, lists: Lists, currency: str) -> None:
    """The form for a new transaction of the kind chosen above it."""
    if not lists.active_wallets():
        st.info(
            "Add a wallet first (Setup → Wallets): every income, expense and adjustment "
            "needs a wallet the money sits in."
        )
    kind = kind_choice(ADD_KIND_KEY)
    prefix = f"tx_add_{kind}"
    split = split_toggle(kind, prefix, False)
    # A split form is no st.form: what is left to assign follows every keystroke; nor is one
    # in a ledger with wallets in other currencies: the rate follows the wallet and the date.
    live = split or in_currencies(lists, currency)
    with nullcontext() if live else st.form(f"tx_add_form_{kind}", border=False):
        values = _transaction_fields(kind, prefix, defaults(kind, lists), lists, currency, split)
        lines = []
        if split:
            lines = split_editor(
                kind, prefix, values["amount"], [], lists, currency, values["places"]["amount"]
            )
        submit = st.button if live else st.form_submit_button
        submitted = submit("Add transaction", type="primary", key="tx_add_submit")
    if not submitted:
        return
    try:
        if split:
            values["splits"] = split_lines(
                kind, values["amount"], lines, lists, values["places"]["amount"]
            )
        payload = forms.build_payload(kind, values, values.get("places"))
        created = api.get_client().post(data.ledger_path("/transactions"), json=payload)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    # The next one often shares the date and wallet; what is typed fresh each time goes.
    fresh = ("amount", "description", "notes", "base_amount", "to_amount", "foreign_amount")
    forms.reset_later({f"{prefix}_{name}": "" for name in fresh})
    forms.reset_later({f"{prefix}_tags": "", f"{prefix}_payee": None})
    if split:
        forms.reset_later(split_cleared(prefix, len(lines)))
    label = forms.transaction_label(created, currency) if isinstance(created, dict) else kind
    page.written(f"Added {label}.")


def edit_form(page: Page, tx: dict[str, Any], tid: str, lists: Lists, currency: str) -> None:
    """The selected transaction's form; changing its kind clears what the new kind lacks."""
    kind = st.segmented_control(
        "Kind",
        forms.KINDS,
        default=tx["kind"],
        required=True,
        format_func=labels.TRANSACTION_KINDS.__getitem__,
        key=f"tx_edit_{tid}_kind",
    )
    if kind != tx["kind"]:
        st.caption(
            f"Saving turns this {tx['kind']} into a {kind}: fields a {kind} has no use for "
            "are cleared."
        )
    prefix = f"tx_edit_{tid}_{kind}"
    initial = forms.form_values(tx)
    # The booked base amount is not offered again: a changed amount would keep it stale.
    initial["base_amount"] = ""
    if kind != tx["kind"]:
        initial = {**defaults(kind, lists), **{k: initial[k] for k in _KEPT_ON_KIND_CHANGE}}
    objects = rules.Objects(lists.wallets, lists.buckets, lists.categories, lists.payees)
    split = split_toggle(kind, prefix, bool(tx.get("splits")) and kind == tx["kind"])
    live = split or in_currencies(lists, currency)
    if (tx.get("currency") or currency) != currency and tx.get("base_amount") is not None:
        booked = format_money(tx["base_amount"], currency)
        st.caption(f"Booked at {booked}; an amount in {currency} typed below replaces it.")
    with nullcontext() if live else st.form(f"tx_edit_form_{tid}_{kind}", border=False):
        values = _transaction_fields(kind, prefix, initial, lists, currency, split)
        lines = []
        if split:
            shown = rules.split_rows(tx, objects) if kind == tx["kind"] else []
            lines = split_editor(
                kind, prefix, values["amount"], shown, lists, currency, values["places"]["amount"]
            )
        submit = st.button if live else st.form_submit_button
        submitted = submit("Save changes", type="primary", key="tx_edit_submit")
    if not submitted:
        return
    try:
        if split:
            values["splits"] = split_lines(
                kind, values["amount"], lines, lists, values["places"]["amount"]
            )
        body = forms.changes(tx, forms.build_payload(kind, values, values.get("places")))
        if not body:
            st.info("Nothing changed.")
            return
        api.get_client().patch(data.ledger_path(f"/transactions/{tid}"), json=body)
    except (ApiError, FormErrors) as error:
        forms.show_form_error(error)
        return
    page.written(f"Saved {forms.transaction_label({**tx, **_shown(body)}, currency)}.")


def _shown(body: Mapping[str, Any]) -> dict[str, Any]:
    return {k: body[k] for k in ("kind", "date", "amount", "description") if k in body}


def rule_from(page: Page, tx: Mapping[str, Any], lists: Lists) -> None:
    """ "Always categorise like this": a rule from this transaction's payee (or description)
    to its category, so the next ones arrive categorised."""
    category = tx.get("category")
    subject = (tx.get("payee_name") or tx.get("description") or "").strip()
    if tx.get("kind") not in forms.PAYEE_KINDS or not category or not subject:
        return
    name = lists.names.lookup("categories", category)
    body = rules.rule_from_transaction(tx, str(category), name)
    st.caption(
        f"Always categorise {literal(subject)} as {literal(name)}: a rule fills the category "
        "of every new transaction like this one (Setup → Rules)."
    )
    if not st.button("Always categorise like this", icon=":material/rule:", key="tx_rule_from"):
        return
    try:
        api.get_client().post(data.ledger_path("/rules"), json=body)
    except ApiError as error:
        forms.show_form_error(error)
        return
    page.written(f"Added the rule {body['name']}. Setup → Rules can apply it to past ones.")
