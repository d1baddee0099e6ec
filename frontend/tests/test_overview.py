import time

import pytest

from dashboard import session
from dashboard.api import SESSION_EXPIRED_MESSAGE, ApiError, SessionExpired
from tests.pages import charts, serving, signed_in_app, text
from tests.report_data import (
    BALANCES,
    BUDGET_STATUS,
    EMPTY_NET_WORTH,
    FORECAST,
    FakeReportClient,
)


def _metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def test_overview_is_the_default_page_with_net_worth_and_pending_allocation() -> None:
    with serving(FakeReportClient()) as client:
        at = signed_in_app().run()

    assert not at.exception
    assert at.title[0].value == "Overview"
    assert _metrics(at) == {
        "Net worth": "2,270.75 EUR",
        "Unallocated": "1,370.75 EUR",
        "Pending allocation": "150.00 EUR",
    }
    pending = next(metric for metric in at.metric if metric.label == "Pending allocation")
    assert "not yet split" in pending.help
    # The sidebar's unread count, the report endpoints (balances, the net-worth line, this
    # month's budgets and bills), the quick-add line's lists and one page of transactions.
    assert [path for path, _ in client.calls] == [
        "/notifications",
        "/ledgers/ledger-2/reports/balances",
        # The quick-add line's lists (cached for the whole session, shared with Transactions).
        "/ledgers/ledger-2/wallets",
        "/ledgers/ledger-2/buckets",
        "/ledgers/ledger-2/categories",
        "/ledgers/ledger-2/payees",
        "/ledgers/ledger-2/transactions",
        "/ledgers/ledger-2/reports/net-worth",
        "/ledgers/ledger-2/budgets/status",
        "/ledgers/ledger-2/reports/forecast",
    ]
    assert client.calls_to("/transactions") == [
        {"page": "1", "page_size": "10", "ordering": "-date"}
    ]


def test_overview_shows_balances_with_money_formatted_and_archived_hidden() -> None:
    with serving(FakeReportClient()):
        at = signed_in_app().run()

    wallets, buckets = (frame.value for frame in at.dataframe[:2])
    assert wallets.to_dict("records") == [
        {"Wallet": "Bank", "Kind": "Bank / card", "Balance": "2,450.75 EUR"},
        {"Wallet": "Cash", "Kind": "Cash", "Balance": "120.00 EUR"},
        {"Wallet": "Loan to Tom", "Kind": "Loan", "Balance": "-300.00 EUR"},
    ]
    assert buckets["Bucket"].tolist() == ["Unallocated", "Savings", "Fun"]
    assert buckets["Balance"].tolist() == ["1,370.75 EUR", "1,000.00 EUR", "-100.00 EUR"]
    assert len(charts(at)) == 3  # the two distributions and the net-worth line


def test_show_archived_adds_archived_wallets_and_buckets() -> None:
    with serving(FakeReportClient()):
        at = signed_in_app().run()
        at.toggle(key="overview_show_archived").set_value(True).run()

    wallets, buckets = (frame.value for frame in at.dataframe[:2])
    assert wallets["Wallet"].tolist()[-1] == "Old card"
    assert wallets["Status"].tolist()[-1] == "Archived"
    assert buckets["Bucket"].tolist()[-1] == "Holiday 2024"


def test_recent_transactions_resolve_names_and_show_splits_and_pending() -> None:
    with serving(FakeReportClient()):
        at = signed_in_app().run()

    recent = at.dataframe[2].value
    assert recent["Description"].tolist() == [
        "March salary",
        "Sold a bike",
        "Weekly shop",
        "Lent to Tom",
        "Reconcile cash",
    ]
    assert recent["Amount"].tolist() == [
        "3,000.00 EUR",
        "150.00 EUR",
        "-84.20 EUR",
        "300.00 EUR",
        "-12.35 EUR",
    ]
    assert recent["Bucket"].tolist()[:2] == [
        "Savings 600.00 · Fun 300.00 · Unallocated 2,100.00",
        "Pending allocation",
    ]
    assert recent["Wallet"].tolist()[3] == "Bank → Loan to Tom"
    assert recent["Category"].tolist()[0] == "Salary"
    assert "The 5 most recent of 1,234 transactions" in text(at)


def test_empty_ledger_says_what_to_do_next() -> None:
    empty = {
        **BALANCES,
        "net_worth": "0.00",
        "pending_allocation": "0.00",
        "wallets": [],
        "buckets": [{**BALANCES["buckets"][0], "balance": "0.00"}],
    }
    client = FakeReportClient(
        {
            "/reports/balances": empty,
            "/transactions": {"items": [], "count": 0},
            "/reports/net-worth": EMPTY_NET_WORTH,
        }
    )
    with serving(client):
        at = signed_in_app().run()

    assert not at.exception
    assert _metrics(at)["Net worth"] == "0.00 EUR"
    assert "No wallets yet — add a wallet on the Setup page." in text(at)
    assert "No transactions yet — add one on the Transactions page." in text(at)
    # A lone zero bar says nothing: the buckets explain the split instead.
    assert not charts(at)
    assert "set them on the Setup page" in text(at)


def test_only_archived_wallets_say_so() -> None:
    archived = [{**wallet, "archived": True} for wallet in BALANCES["wallets"]]
    with serving(FakeReportClient({"/reports/balances": {**BALANCES, "wallets": archived}})):
        at = signed_in_app().run()

    assert "Every wallet is archived — add a wallet on the Setup page." in text(at)
    assert len(charts(at)) == 2  # the buckets' and the net-worth line


def test_api_error_shows_the_detail_and_no_traceback() -> None:
    client = FakeReportClient(
        {"/reports/balances": ApiError(403, "forbidden", "You can't see this ledger.")}
    )
    with serving(client):
        at = signed_in_app().run()

    assert not at.exception
    assert at.title[0].value == "Overview"
    assert [error.value for error in at.error] == ["You can't see this ledger."]
    assert not at.metric


def test_error_in_recent_transactions_keeps_the_balances() -> None:
    client = FakeReportClient(
        {"/transactions": ApiError(500, "http_error", "The budget server answered with an error.")}
    )
    with serving(client):
        at = signed_in_app().run()

    assert not at.exception
    assert [error.value for error in at.error] == ["The budget server answered with an error."]
    assert _metrics(at)["Net worth"] == "2,270.75 EUR"


@pytest.mark.parametrize("failing", ["/reports/balances", "/transactions"])
def test_expired_session_returns_to_sign_in_with_the_message(failing: str) -> None:
    with serving(FakeReportClient({failing: SessionExpired()})):
        at = signed_in_app().run()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [warning.value for warning in at.warning] == [SESSION_EXPIRED_MESSAGE]
    assert session.USER_KEY not in at.session_state


def test_reads_are_cached_until_data_changes() -> None:
    with serving(FakeReportClient()) as client:
        at = signed_in_app().run()
        at.run()
        assert len(client.calls_to("/reports/balances")) == 1

        at.session_state["data_version"] = 1
        at.run()

    assert len(client.calls_to("/reports/balances")) == 2


def test_overview_renders_fast() -> None:
    with serving(FakeReportClient()):
        at = signed_in_app().run()
        started = time.perf_counter()
        at.session_state["data_version"] = 5  # no cached reads
        at.run()
        elapsed = time.perf_counter() - started

    assert not at.exception
    assert elapsed < 1.0


# --- net worth and this month (SPEC §18) ------------------------------------------------------


def test_overview_draws_twelve_months_of_net_worth_and_says_the_change() -> None:
    with serving(FakeReportClient()) as client:
        at = signed_in_app().run()

    assert not at.exception
    assert client.calls_to("/reports/net-worth") == [{}]  # the API's default: 12 months
    assert "Net worth over the last 12 months" in [h.value for h in at.subheader]
    assert "+1,100.00 EUR since the end of Apr 2024" in text(at)


def test_an_empty_history_has_no_net_worth_line_but_a_note() -> None:
    client = FakeReportClient({"/reports/net-worth": EMPTY_NET_WORTH})
    with serving(client):
        at = signed_in_app().run()

    assert len(charts(at)) == 2  # the distributions only
    assert "Your net worth shows here month by month" in text(at)


def test_this_month_shows_spent_per_budget_and_the_bills_still_to_come() -> None:
    with serving(FakeReportClient()) as client:
        at = signed_in_app().run()

    assert client.calls_to("/reports/forecast") == [{"months": "1"}]
    spent = next(f.value for f in at.dataframe if "Budget" in f.value.columns)
    assert spent.to_dict("records") == [
        {
            "Budget": "Groceries",
            "Spent": "84.20 EUR",
            "Available": "360.00 EUR",
            "Left": "275.80 EUR",
        }
    ]
    bills = at.dataframe[-1].value  # the last table on the page
    # Expenses of the forecast's month only (its today: 5 March 2025), no salary.
    assert bills.to_dict("records") == [
        {
            "Date": "2025-03-20",
            "Description": "Streaming",
            "Kind": "Expense",
            "Amount": "-12.99 EUR",
        }
    ]
    assert len(FORECAST["occurrences"]) > 1
    assert BUDGET_STATUS[0]["category_name"] == "Groceries"


def test_no_budget_and_no_bills_say_so() -> None:
    client = FakeReportClient(
        {"/budgets/status": [], "/reports/forecast": {**FORECAST, "occurrences": []}}
    )
    with serving(client):
        at = signed_in_app().run()

    assert "No budget covers this month" in text(at)
    assert "No recurring bill left this month." in text(at)
