import time

import pytest

from dashboard import session
from dashboard.api import SESSION_EXPIRED_MESSAGE, ApiError, SessionExpired
from tests.pages import charts, open_page, serving, signed_in_app, text
from tests.report_data import (
    BANK,
    EMPTY_HISTORICAL,
    FUN,
    MONTHLY,
    OLD,
    YEARLY,
    FakeReportClient,
    empty_monthly,
    empty_yearly,
)

REPORTS = [
    ("monthly", "Monthly report", "/reports/monthly"),
    ("yearly", "Yearly report", "/reports/yearly"),
    ("historical", "Historical report", "/reports/historical"),
]


def _metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def _downloads(at) -> list[str]:
    return [button.label for button in at.get("download_button")]


# --- monthly ----------------------------------------------------------------------------------


def test_monthly_report_shows_totals_categories_days_and_buckets() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "monthly")
        at.selectbox(key="monthly_year").select(2025).run()
        at.selectbox(key="monthly_month").select(3).run()

    assert not at.exception
    assert at.title[0].value == "Monthly report"
    assert client.calls_to("/reports/monthly")[-1] == {"year": "2025", "month": "3"}
    assert _metrics(at) == {
        "Income": "3,000.00 EUR",
        "Expense": "1,284.20 EUR",
        "Net": "1,715.80 EUR",
        "Adjustments": "-12.35 EUR",
    }
    categories, spent = (frame.value for frame in at.dataframe)
    assert categories.to_dict("records") == [
        {"Category": "Salary", "Type": "Income", "Total": "3,000.00 EUR"},
        {"Category": "Housing", "Type": "Expense", "Total": "1,200.00 EUR"},
        {"Category": "Groceries", "Type": "Expense", "Total": "84.20 EUR"},
    ]
    assert spent.to_dict("records") == [
        {"Bucket": "Unallocated", "Spent": "1,200.00 EUR"},
        {"Bucket": "Fun", "Spent": "84.20 EUR"},
    ]
    assert len(charts(at)) == 4  # the expense and income donuts, categories, days
    assert _downloads(at) == [
        "Download categories (CSV)",
        "Download bucket spending (CSV)",
        "Download days (CSV)",
    ]


def test_monthly_report_defaults_to_the_current_month() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "monthly")

    today = time.localtime()
    assert at.selectbox(key="monthly_year").value == today.tm_year
    assert at.selectbox(key="monthly_month").value == today.tm_mon
    assert client.calls_to("/reports/monthly") == [
        {"year": str(today.tm_year), "month": str(today.tm_mon)}
    ]


def test_monthly_filters_pass_wallet_and_bucket_ids() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "monthly")
        wallet = at.selectbox(key="monthly_wallet")
        assert wallet.options[0] == "All wallets"
        assert "Old card (archived)" in wallet.options
        wallet.select(BANK).run()
        at.selectbox(key="monthly_bucket").select(FUN).run()

    assert not at.exception
    params = client.calls_to("/reports/monthly")[-1]
    assert params["wallet"] == BANK
    assert params["bucket"] == FUN


def test_monthly_with_a_wallet_shows_its_transfers_in_and_out() -> None:
    def monthly(params):
        if "wallet" in params:
            transfers = {"transfers_in": "45.50", "transfers_out": "420.00"}
            report = {**MONTHLY, "totals": {**MONTHLY["totals"], **transfers}}
        else:
            nulls = {"transfers_in": None, "transfers_out": None}
            report = {**MONTHLY, "totals": {**MONTHLY["totals"], **nulls}}
        return report

    with serving(FakeReportClient({"/reports/monthly": monthly})):
        at = open_page(signed_in_app(), "monthly")
        assert "Transfers in / out" not in _metrics(at)
        at.selectbox(key="monthly_wallet").select(BANK).run()

    assert not at.exception
    assert _metrics(at)["Transfers in / out"] == "45.50 EUR / 420.00 EUR"
    assert _metrics(at)["Income"] == "3,000.00 EUR"


def test_yearly_with_a_wallet_has_transfer_columns_by_month() -> None:
    def yearly(params):
        extra = (
            {"transfers_in": "10.00", "transfers_out": "2.50"}
            if "wallet" in params
            else {"transfers_in": None, "transfers_out": None}
        )
        return {
            **YEARLY,
            "totals": {**YEARLY["totals"], **extra},
            "months": [{**month, **extra} for month in YEARLY["months"]],
        }

    with serving(FakeReportClient({"/reports/yearly": yearly})):
        at = open_page(signed_in_app(), "yearly")
        at.selectbox(key="yearly_year").select(2025).run()
        assert "Transfers in" not in at.dataframe[0].value.columns
        at.selectbox(key="yearly_wallet").select(BANK).run()

    assert not at.exception
    months = at.dataframe[0].value
    assert list(months.columns)[-2:] == ["Transfers in", "Transfers out"]
    assert months.iloc[0]["Transfers in"] == "10.00 EUR"


def test_monthly_empty_month_says_so() -> None:
    client = FakeReportClient({"/reports/monthly": lambda p: empty_monthly(2025, 3, 31)})
    with serving(client):
        at = open_page(signed_in_app(), "monthly")
        at.selectbox(key="monthly_year").select(2025).run()
        at.selectbox(key="monthly_month").select(3).run()

    assert not at.exception
    assert "No activity in March 2025." in text(at)
    assert not at.metric
    assert not charts(at)


def test_monthly_empty_with_a_filter_names_the_filter() -> None:
    client = FakeReportClient({"/reports/monthly": lambda p: empty_monthly(2025, 3, 31)})
    with serving(client):
        at = open_page(signed_in_app(), "monthly")
        at.selectbox(key="monthly_year").select(2025).run()
        at.selectbox(key="monthly_month").select(3).run()
        at.selectbox(key="monthly_wallet").select(OLD).run()

    assert "No activity in March 2025 for Old card." in text(at)


# --- yearly -----------------------------------------------------------------------------------


def test_yearly_report_shows_months_chart_and_category_by_month_table() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "yearly")
        at.selectbox(key="yearly_year").select(2025).run()

    assert not at.exception
    assert at.title[0].value == "Yearly report"
    assert client.calls_to("/reports/yearly")[-1] == {"year": "2025"}
    assert _metrics(at)["Net"] == "-1,484.20 EUR"
    assert _metrics(at)["Adjustments"] == "500.00 EUR"
    months, categories = (frame.value for frame in at.dataframe)
    assert months["Month"].tolist()[0] == "Jan"
    assert months.iloc[0].tolist() == ["Jan", "3,000.00 EUR", "6,200.00 EUR", "-3,200.00 EUR"]
    assert categories.columns.tolist()[:4] == ["Category", "Type", "Total", "Jan"]
    assert categories.iloc[0]["Category"] == "Housing"
    assert categories.iloc[0]["Jan"] == "6,200.00 EUR"
    assert categories.iloc[0]["Total"] == "7,400.00 EUR"
    assert len(charts(at)) == 1
    assert _downloads(at) == ["Download months (CSV)", "Download categories (CSV)"]


def test_yearly_empty_year_says_so() -> None:
    client = FakeReportClient({"/reports/yearly": lambda p: empty_yearly(int(p["year"]))})
    with serving(client):
        at = open_page(signed_in_app(), "yearly")
        at.selectbox(key="yearly_year").select(2024).run()

    assert not at.exception
    assert "No activity in 2024." in text(at)
    assert not at.dataframe


def test_yearly_bucket_filter_is_passed() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "yearly")
        at.selectbox(key="yearly_bucket").select(FUN).run()

    assert client.calls_to("/reports/yearly")[-1]["bucket"] == FUN
    assert "wallet" not in client.calls_to("/reports/yearly")[-1]


# --- historical -------------------------------------------------------------------------------


def test_historical_report_shows_years_and_category_by_year_table() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "historical")

    assert not at.exception
    assert at.title[0].value == "Historical report"
    assert client.calls_to("/reports/historical")[-1] == {}
    assert _metrics(at)["Income"] == "42,000.00 EUR"
    years, categories = (frame.value for frame in at.dataframe)
    assert years["Year"].tolist() == ["2023", "2024", "2025"]
    assert years["Net"].tolist() == ["2,999.75 EUR", "983.95 EUR", "-1,484.20 EUR"]
    assert categories.columns.tolist() == ["Category", "Type", "2023", "2024", "2025", "Total"]
    assert categories.iloc[2].tolist() == [
        "Groceries",
        "Expense",
        "3,000.25 EUR",
        "4,816.05 EUR",
        "84.20 EUR",
        "7,900.50 EUR",
    ]
    assert len(charts(at)) == 1
    assert "2023 to 2025" in text(at)
    assert _metrics(at)["Net"] == "2,499.50 EUR"
    assert _downloads(at) == ["Download years (CSV)", "Download categories (CSV)"]


def test_historical_empty_ledger_says_what_to_do_next() -> None:
    with serving(FakeReportClient({"/reports/historical": EMPTY_HISTORICAL})):
        at = open_page(signed_in_app(), "historical")

    assert not at.exception
    assert "No transactions yet — add one on the Transactions page." in text(at)
    assert not at.metric


def test_historical_wallet_filter_is_passed() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "historical")
        at.selectbox(key="historical_wallet").select(BANK).run()

    assert client.calls_to("/reports/historical")[-1] == {"wallet": BANK}


# --- every report -----------------------------------------------------------------------------


@pytest.mark.parametrize(("url_path", "title", "endpoint"), REPORTS)
def test_api_error_shows_the_detail(url_path: str, title: str, endpoint: str) -> None:
    error = ApiError(422, "validation_error", "No such wallet in this ledger.")
    # The year pickers read the historical period too; only the page's own report fails.
    answers = {endpoint: error}
    with serving(FakeReportClient(answers)):
        at = open_page(signed_in_app(), url_path)

    assert not at.exception
    assert at.title[0].value == title
    assert [e.value for e in at.error] == ["No such wallet in this ledger."]
    assert not at.metric


@pytest.mark.parametrize(("url_path", "title", "endpoint"), REPORTS)
def test_expired_session_returns_to_sign_in(url_path: str, title: str, endpoint: str) -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), url_path)
        assert at.title[0].value == title
        client.answers[endpoint] = SessionExpired()
        at.session_state["data_version"] = 1
        at.run()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [warning.value for warning in at.warning] == [SESSION_EXPIRED_MESSAGE]
    assert session.USER_KEY not in at.session_state


@pytest.mark.parametrize(("url_path", "title", "endpoint"), REPORTS)
def test_reports_render_fast_and_never_list_transactions(
    url_path: str, title: str, endpoint: str
) -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), url_path)
        started = time.perf_counter()
        at.session_state["data_version"] = 7
        at.run()
        elapsed = time.perf_counter() - started

    assert not at.exception
    assert elapsed < 1.0
    paths = {path.removeprefix("/ledgers/ledger-2") for path, _ in client.calls}
    # The overview's one small page of transactions is the only transaction read.
    assert client.calls_to("/transactions") == [
        {"page": "1", "page_size": "10", "ordering": "-date"}
    ]
    assert endpoint in paths
