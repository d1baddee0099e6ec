"""Overview: net worth, wallet and bucket balances, and the latest transactions."""

from __future__ import annotations

from typing import Any

import streamlit as st

from dashboard import cards, charts, currencies, data, forms, insights, session, tables
from dashboard.api import ApiError
from dashboard.formatting import format_money, literal, parse_money
from dashboard.forms import Lists
from dashboard.views import quick_add
from dashboard.views.common import metric_row, money_table, show_error, today, watch_allocation

RECENT_COUNT = 10
RECENT_COLUMNS = ("Date", "Kind", "Description", "Category", "Wallet", "Amount", "Bucket")
PENDING_HELP = (
    "Incomes not yet split across your buckets. The split runs in the background within a few "
    "minutes; until then the money counts in Unallocated."
)
NET_WORTH_HELP = "The sum of all wallet balances, loans included."
NET_WORTH_CURRENCIES_HELP = (
    "The sum of all wallet balances, loans included; a wallet in another currency at its "
    "most recent rate."
)
UNALLOCATED_HELP = "Money in no bucket yet: the rest of every income split, and pending incomes."
WATCHING_KEY = "overview_watching_allocation"


def render() -> None:
    st.title("Overview")
    ledger = session.current_ledger()
    if ledger is None:
        st.info("You are not a member of any ledger yet.")
        return
    try:
        balances = data.get(data.ledger_path("/reports/balances"))
    except ApiError as error:
        show_error(error)
        return
    currency = balances.get("currency") or ledger["currency"]
    if ledger.get("role") != "viewer":
        _quick_add(currency)

    _metrics(balances, currency)
    _currency_notes(balances, currency)
    if parse_money(balances["pending_allocation"]) > 0:
        watch_allocation(balances["pending_allocation"], WATCHING_KEY)
    show_archived = st.toggle(
        "Show archived wallets and buckets", key="overview_show_archived", value=False
    )
    wallet_column, bucket_column = st.columns(2, gap="large")
    with wallet_column:
        _wallets(balances["wallets"], currency, show_archived)
    with bucket_column:
        _buckets(balances["buckets"], currency, show_archived)

    st.subheader("Recent transactions")
    _recent(balances, currency)

    _net_worth(currency)
    _this_month(currency)


def _quick_add(currency: str) -> None:
    forms.apply_resets()
    try:
        lists = Lists(data.wallets(), data.buckets(), data.categories(), data.payees())
    except ApiError as error:
        show_error(error)
        return
    quick_add.render(lists, currency)


def _metrics(balances: dict[str, Any], currency: str) -> None:
    system = next((b for b in balances["buckets"] if b.get("is_system")), None)
    mixed = tables.in_other_currencies(balances["wallets"], currency)
    worth_help = NET_WORTH_CURRENCIES_HELP if mixed else NET_WORTH_HELP
    metrics = [("Net worth", format_money(balances["net_worth"], currency), worth_help)]
    if system is not None:
        metrics.append(
            (system["name"], format_money(system["balance"], currency), UNALLOCATED_HELP)
        )
    metrics.append(
        ("Pending allocation", format_money(balances["pending_allocation"], currency), PENDING_HELP)
    )
    metric_row(metrics)


def _currency_notes(balances: dict[str, Any], currency: str) -> None:
    """Wallets in other currencies (SPEC §14): which ones net worth leaves out for want of a
    rate, and the unrealised exchange gain or loss since they were booked."""
    for sentence in currencies.unconverted_text(balances.get("unconverted") or []):
        st.caption(
            f":material/currency_exchange: {literal(sentence)} Add a rate under Setup → Rates."
        )
    revaluation = currencies.revaluation_text(balances.get("revaluation"), currency)
    if revaluation:
        st.caption(literal(revaluation))


def _wallets(wallets: list[dict[str, Any]], currency: str, show_archived: bool) -> None:
    st.subheader("Wallets")
    shown = [w for w in wallets if show_archived or not w["archived"]]
    if not shown:
        if wallets:
            st.info("Every wallet is archived — add a wallet on the Setup page.")
        else:
            st.info("No wallets yet — add a wallet on the Setup page.")
        return
    money_table(tables.wallet_table(shown, show_archived, currency), currency, width="stretch")
    if tables.in_other_currencies(shown, currency):
        # The bars compare: each wallet in the ledger's currency, those without a rate left out.
        worth = [
            {**w, "balance": w["balance_base"]} for w in shown if w.get("balance_base") is not None
        ]
        _distribution(worth, currency)
    else:
        _distribution(shown, currency)


def _buckets(buckets: list[dict[str, Any]], currency: str, show_archived: bool) -> None:
    st.subheader("Buckets")
    shown = [b for b in buckets if show_archived or not b["archived"]]
    if not shown:
        st.info("No buckets yet — add a bucket on the Setup page.")
        return
    money_table(tables.bucket_table(shown, show_archived), currency, width="stretch")
    if not _distribution(shown, currency):
        st.caption(
            "Every income is split across the buckets by their percentages; set them on the "
            "Setup page."
        )


def _distribution(items: list[dict[str, Any]], currency: str) -> bool:
    """The balance bars, unless every balance is zero (a lone zero line says nothing)."""
    if not any(parse_money(item["balance"]) for item in items):
        return False
    st.altair_chart(charts.balance_bars(items, currency), width="stretch")
    return True


def _recent(balances: dict[str, Any], currency: str) -> None:
    try:
        page = data.get(
            data.ledger_path("/transactions"),
            {"page": 1, "page_size": RECENT_COUNT, "ordering": "-date"},
        )
        categories = data.categories()
    except ApiError as error:
        show_error(error)
        return
    if not page["items"]:
        st.info("No transactions yet — add one on the Transactions page.")
        return
    frame = tables.transaction_table(
        page["items"], balances["wallets"], balances["buckets"], categories, base=currency
    )
    shown = tables.for_display(frame, currency)
    signs = [
        tables.sign(value) if item["kind"] != "transfer" else 0
        for item, value in zip(page["items"], frame["Amount"], strict=True)
    ]
    with st.container(key="narrow_recent"):
        st.html(cards.transaction_cards(shown, signs))
    wide = st.container(key="wide_recent")
    wide.dataframe(
        shown,
        hide_index=True,
        column_config={
            c: st.column_config.TextColumn(c, alignment="right")
            for c in tables.money_columns(frame)
        },
        # The amount before the bucket: a split like "Essentials 500.00 · Savings 200.00 ·
        # Fun 100.00" is wide, and last it can take the rest of the row without pushing the
        # amount out of sight.
        column_order=tables.column_order(frame, RECENT_COLUMNS),
        width="stretch",
    )
    if page["count"] > len(page["items"]):
        st.caption(
            f"The {len(page['items'])} most recent of {page['count']:,} transactions — "
            "see them all on the Transactions page."
        )


def _net_worth(currency: str) -> None:
    """The last 12 months' net worth, month end by month end."""
    st.subheader("Net worth over the last 12 months")
    try:
        history = data.get(data.ledger_path("/reports/net-worth"))
    except ApiError as error:
        show_error(error)
        return
    points = history["points"]
    if not any(parse_money(p["net_worth"]) for p in points):
        st.caption("Your net worth shows here month by month once you have transactions.")
        return
    st.altair_chart(charts.net_worth_line(points, currency), width="stretch")
    change = insights.net_worth_change(points, currency)
    if change:
        st.caption(change)


def _this_month(currency: str) -> None:
    """This month: what each budget has spent, and the recurring bills still to come."""
    day = today()
    st.subheader("This month")
    try:
        status = data.get(
            data.ledger_path("/budgets/status"), {"year": day.year, "month": day.month}
        )
        forecast = data.get(data.ledger_path("/reports/forecast"), {"months": 1})
    except ApiError as error:
        show_error(error)
        return
    budgets_column, bills_column = st.columns(2, gap="large")
    with budgets_column:
        st.markdown("**Spent per budget**")
        if status:
            money_table(insights.budget_spent_table(status), currency, width="stretch")
        else:
            st.caption("No budget covers this month — set one under Planning.")
    with bills_column:
        st.markdown("**Upcoming recurring bills**")
        bills = insights.upcoming_bills(forecast["occurrences"], forecast.get("today") or day)
        if bills:
            money_table(insights.occurrence_table(bills), currency, width="stretch")
        else:
            st.caption("No recurring bill left this month.")
