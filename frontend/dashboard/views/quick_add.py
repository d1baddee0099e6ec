"""The quick-add line at the top of Overview and Transactions: date, payee, category, amount
and wallet in one row; Enter in the amount saves, and the line is ready for the next one.

The kind follows the category (an income category makes an income). What the line leaves
open comes from the last transaction with that payee, else with that category: its category,
its wallet and its bucket (an expense category's default bucket comes first). Amounts are
read as the user's locale writes them, with the places of the wallet's currency. In a ledger
with wallets in other currencies (SPEC §14) the line has an optional amount in the ledger's
currency, and today's rates are named under it.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import api, currencies, data, forms, localisation
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal, places
from dashboard.forms import FieldError, FormErrors, Lists
from dashboard.views.common import show_error, today

FORM_KEY = "qa_form"
FLASH_KEY = "qa_flash"
FOCUS_KEY = "qa_focus"
SAVES_KEY = "qa_saves"
FIELDS = ("qa_payee", "qa_category", "qa_amount", "qa_wallet")
LAST_USED = "Last used"
# The line is typed with the keyboard: Tab goes from box to box, not to the boxes' "clear"
# buttons, and after a save the cursor goes back to the payee for the next one.
_KEYBOARD_SCRIPT = """<script>
(() => {
  const doc = window.parent.document;
  const tidy = () => doc.querySelectorAll('[class*="st-key-qa_"] button[aria-label="Clear value"]')
    .forEach((button) => button.setAttribute('tabindex', '-1'));
  tidy();
  if (!doc.body.dataset.qaKeyboard) {
    doc.body.dataset.qaKeyboard = '1';
    new MutationObserver(tidy).observe(doc.body, {childList: true, subtree: true});
  }
})();
</script>"""
_FOCUS_SCRIPT = """<script>
(() => {
  // The page is still being redrawn after the save: try until the payee box has the cursor.
  const doc = window.parent.document;
  let tries = 0;
  const focus = () => {
    const box = doc.querySelector('.st-key-qa_payee input');
    if (box && doc.activeElement === box) return;
    if (box) box.focus();
    if (++tries < 20) setTimeout(focus, 100);
  };
  setTimeout(focus, 50);
})();
</script>"""


def render(lists: Lists, currency: str) -> None:
    categories = lists.active_categories("expense") + lists.active_categories("income")
    wallets = lists.active_wallets()
    if not categories or not wallets:
        return  # the pages say what to set up first
    message = st.session_state.pop(FLASH_KEY, None)
    names = {str(c["id"]): c["name"] for c in categories}
    wallet_names = {str(w["id"]): w["name"] for w in wallets}
    payees = sorted({p["name"] for p in lists.payees}, key=str.casefold)
    symbol = localisation.currency_symbol(currency)
    others = currencies.others(lists.wallets, currency)
    widths = [1.1, 1.6, 1.4, 1.0, 1.2, 0.7]
    if others:
        widths.insert(5, 1.0)  # the amount in the ledger's currency
    with st.form(FORM_KEY, border=True, enter_to_submit=True):
        columns = st.columns(widths, vertical_alignment="bottom")
        when = columns[0].date_input("Date", value=today(), key="qa_date")
        payee = columns[1].selectbox(
            "Payee",
            payees,
            index=None,
            placeholder="Who? Type to search or add",
            accept_new_options=True,
            key="qa_payee",
        )
        category = columns[2].selectbox(
            "Category",
            list(names),
            index=None,
            format_func=names.__getitem__,
            placeholder="As last time",
            key="qa_category",
        )
        amount = columns[3].text_input(
            "Amount (the wallet's currency)" if others else f"Amount ({symbol})",
            placeholder=f"12{localisation.decimal_mark()}50",
            max_chars=20,
            key="qa_amount",
        )
        wallet = columns[4].selectbox(
            "Wallet",
            [LAST_USED, *wallet_names],
            format_func=lambda key: wallet_names.get(key, LAST_USED),
            key="qa_wallet",
        )
        base_amount = ""
        if others:
            base_amount = columns[5].text_input(
                f"In {currency} (optional)",
                max_chars=20,
                help=f"For a wallet in another currency: what it cost in {currency}. Empty: "
                "the rate of the day is used.",
                key="qa_base_amount",
            )
        saved = columns[-1].form_submit_button("Add", type="primary", key="qa_submit")
    if others:
        _rates_today(others, currency)
    if message:
        st.caption(literal(message), help=None)
    st.html(_KEYBOARD_SCRIPT, unsafe_allow_javascript=True)
    saves = st.session_state.pop(FOCUS_KEY, 0)
    if saves:
        # Numbered: the same snippet as last time would be kept on the page and not run again.
        script = _FOCUS_SCRIPT.replace("<script>", f"<script>/* save {saves} */", 1)
        st.html(script, unsafe_allow_javascript=True)
    if not saved:
        return
    values = {
        "date": when,
        "payee_name": payee,
        "category": category,
        "amount": amount,
        "wallet": None if wallet == LAST_USED else wallet,
        "base_amount": base_amount,
    }
    try:
        payload = build(values, lists, last_used(lists, payee, category), currency)
        created = api.get_client().post(data.ledger_path("/transactions"), json=payload)
    except (FormErrors, ApiError) as error:
        forms.show_form_error(error)
        return
    forms.reset_later(
        {"qa_payee": None, "qa_category": None, "qa_amount": "", "qa_wallet": LAST_USED}
    )
    if others:
        forms.reset_later({"qa_base_amount": ""})
    st.session_state[FLASH_KEY] = saved_note(created, payload, names, wallet_names, currency)
    st.session_state[FOCUS_KEY] = st.session_state.get(SAVES_KEY, 0) + 1
    st.session_state[SAVES_KEY] = st.session_state[FOCUS_KEY]
    data.changed()
    st.rerun()


def last_used(lists: Lists, payee: str | None, category: str | None) -> dict[str, Any] | None:
    """The newest income or expense with this payee, else with this category (one small
    read each, newest first)."""
    payee_id = payee_id_of(lists, payee)
    client = api.get_client()
    path = data.ledger_path("/transactions")
    for name, value in (("payee", payee_id), ("category", category)):
        if not value:
            continue
        answer = client.get(path, params={name: value, "page_size": 5, "ordering": "-date"})
        for item in answer.get("items", []):
            if item.get("kind") in forms.PAYEE_KINDS:
                return item
    return None


def payee_id_of(lists: Lists, name: str | None) -> str | None:
    wanted = (name or "").strip().casefold()
    return next(
        (str(p["id"]) for p in lists.payees if wanted and p["name"].casefold() == wanted), None
    )


def _rates_today(others: list[str], base: str) -> None:
    """Under the line: the rate each other currency gets today, or that there is none."""
    parts = []
    for code in others:
        try:
            lookup = data.rate_lookup(code, today().isoformat())
        except ApiError as error:
            show_error(error)
            return
        text = currencies.rate_text(lookup)
        parts.append(
            text
            or f"no {code} rate: give the amount in {base} or add one under {currencies.RATES_PAGE}"
        )
    st.caption(":material/currency_exchange: Today: " + literal(" · ".join(parts)))


def build(
    values: dict[str, Any],
    lists: Lists,
    last: dict[str, Any] | None,
    base: str | None = None,
) -> dict[str, Any]:
    """The POST body: what was typed, and what it left open taken from ``last``; the amount
    with the places of the wallet's currency (``base``: the ledger's)."""
    active_categories = {str(c["id"]): c for c in lists.categories if not c["archived"]}
    active_wallets = [str(w["id"]) for w in lists.active_wallets()]
    active_buckets = {str(b["id"]) for b in lists.active_buckets()}
    category = values.get("category")
    if not category and last and str(last.get("category")) in active_categories:
        category = str(last["category"])
    if not category:
        message = "Choose a category: this payee has none yet."
        raise FormErrors([FieldError(field="category", message=message)])
    kind = active_categories[category]["type"]
    wallet = values.get("wallet")
    if not wallet and last and str(last.get("wallet")) in active_wallets:
        wallet = str(last["wallet"])
    if not wallet and len(active_wallets) == 1:
        wallet = active_wallets[0]
    if not wallet:
        raise FormErrors([FieldError(field="wallet", message="Choose a wallet.")])
    # The category's default bucket (Setup → Categories) is the user's own choice: it comes
    # before what the last transaction used.
    bucket = lists.default_bucket_id(category) if kind == "expense" else None
    same_kind = last is not None and last.get("kind") == kind
    if not bucket and same_kind and str(last.get("bucket")) in active_buckets:
        bucket = str(last["bucket"])  # an income with a bucket was not split: nor is this one
    if not bucket and kind == "expense":
        bucket = lists.system_bucket_id()
    own = currencies.currency_of(lists.wallets, wallet, base or "")
    typed = {
        "date": values.get("date"),
        "amount": values.get("amount", ""),
        "category": category,
        "wallet": wallet,
        "bucket": bucket,
        "payee_name": values.get("payee_name") or "",
    }
    if base and own != base:
        typed["base_amount"] = values.get("base_amount") or ""
    amounts = {"amount": places(own or base), "base_amount": places(base)}
    return forms.build_payload(kind, typed, amounts)


def saved_note(
    created: Any,
    payload: dict[str, Any],
    categories: dict[str, str],
    wallets: dict[str, str],
    currency: str,
) -> str:
    """The line under the quick-add: "Added: 12.50 € Groceries at REWE from Bank."."""
    own = created.get("currency") if isinstance(created, dict) else None
    amount = format_money(payload["amount"], own or currency)
    where = "to" if payload["kind"] == "income" else "from"
    who = f" at {payload['payee_name']}" if payload.get("payee_name") else ""
    category = categories.get(payload["category"], "")
    return f"Added: {amount} {category}{who} {where} {wallets.get(payload['wallet'], '')}."
