"""Reports → Forecast and Trends (SPEC §18), and the monthly report's donuts, with the fake
report client; the frames and sentences they use, without Streamlit."""

from datetime import date

from dashboard import charts, insights
from dashboard.api import ApiError
from tests.pages import charts as page_charts
from tests.pages import open_page, serving, signed_in_app, text
from tests.report_data import FORECAST, MONTHLY, TRENDS, FakeReportClient

# --- Forecast ---------------------------------------------------------------------------------


def test_forecast_page_marks_the_lowest_month_and_lists_the_occurrences() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "forecast")

    assert not at.exception
    assert at.title[0].value == "Forecast"
    assert client.calls_to("/reports/forecast")[-1] == {"months": "12", "include_typical": "false"}
    assert at.warning[0].value == "Tightest month: Apr 2025, with -955.23 EUR — below zero."
    points, occurrences = (frame.value for frame in at.dataframe)
    assert points.to_dict("records")[1] == {
        "Month": "Apr 2025",
        "Expected income": "0.00 EUR",
        "Expected expense": "6,212.99 EUR",
        "Balance": "-955.23 EUR",
        "Note": "Lowest",
    }
    assert points["Note"].tolist() == ["", "Lowest", ""]
    assert occurrences["Description"].tolist()[:4] == [
        "Streaming",
        "Salary",
        "Rent",
        "Car <insurance>",  # user text, shown as it is
    ]
    assert occurrences["Amount"].tolist()[:2] == ["-12.99 EUR", "3,000.00 EUR"]
    assert len(page_charts(at)) == 1


def test_typical_spending_is_asked_for_when_switched_on() -> None:
    typical = {**FORECAST, "typical": {"income": "100.00", "expense": "850.50"}}
    with serving(FakeReportClient({"/reports/forecast": typical})) as client:
        at = open_page(signed_in_app(), "forecast")
        at.toggle(key="forecast_typical").set_value(True).run()
        at.selectbox(key="forecast_months").select(3).run()

    assert client.calls_to("/reports/forecast")[-1] == {"months": "3", "include_typical": "true"}
    assert "Typical month: income 100.00 EUR, expense 850.50 EUR." in text(at)


def test_no_recurring_transactions_say_where_to_add_them() -> None:
    flat = {
        **FORECAST,
        "points": [{**p, "balance": "10.00"} for p in FORECAST["points"]],
        "lowest": {"month": "2025-03", "balance": "10.00"},
        "occurrences": [],
    }
    with serving(FakeReportClient({"/reports/forecast": flat})):
        at = open_page(signed_in_app(), "forecast")

    assert at.info[0].value == "Tightest month: Mar 2025, with 10.00 EUR."
    assert "No recurring transactions ahead" in text(at)


def test_a_forecast_error_shows_the_detail() -> None:
    error = ApiError(422, "validation_error", "Months must be between 1 and 60.")
    with serving(FakeReportClient({"/reports/forecast": error})):
        at = open_page(signed_in_app(), "forecast")

    assert not at.exception
    assert "Months must be between 1 and 60." in text(at)


# --- Trends -----------------------------------------------------------------------------------


def test_trends_page_puts_unusual_categories_first_and_shows_savings_rate() -> None:
    with serving(FakeReportClient()) as client:
        at = open_page(signed_in_app(), "trends")

    assert not at.exception
    assert client.calls_to("/reports/trends") == [{"months": "12"}]
    # The name is user text: its Markdown stays literal.
    assert at.warning[0].value.startswith("Unusual last month: Groceries \\*weekly\\*")
    categories, savings = (frame.value for frame in at.dataframe)
    assert categories.to_dict("records") == [
        {
            "Category": "Groceries *weekly*",
            "Group": "Daily life",
            "Last month": "240.00 EUR",
            "Average": "80.40 EUR",
            "Change": "+198.51 %",
            "Unusual": "Unusual",
        },
        {
            "Category": "Housing",
            "Group": "",
            "Last month": "1,200.00 EUR",
            "Average": "1,200.00 EUR",
            "Change": "0.00 %",
            "Unusual": "",
        },
    ]
    assert savings["Savings rate"].tolist() == [
        "57.3 %",
        "57.3 %",
        "—",
        "57.3 %",
        "57.3 %",
        "57.3 %",
    ]
    assert savings["Month"].tolist()[0] == "Sep 2024"
    assert len(page_charts(at)) == 1


def test_trends_without_spending_say_so() -> None:
    empty = {**TRENDS, "categories": []}
    with serving(FakeReportClient({"/reports/trends": empty})):
        at = open_page(signed_in_app(), "trends")

    assert "No spending in these months yet." in text(at)
    assert not at.warning


# --- Monthly report donuts --------------------------------------------------------------------


def test_donuts_keep_income_and_expense_apart() -> None:
    expense = charts.category_donut(MONTHLY["categories"], "expense", "EUR").to_dict()
    income = charts.category_donut(MONTHLY["categories"], "income", "EUR").to_dict()
    expense_names = [row["name"] for row in expense["datasets"][expense["data"]["name"]]]
    income_names = [row["name"] for row in income["datasets"][income["data"]["name"]]]
    assert expense_names == ["Housing", "Groceries"]
    assert income_names == ["Salary"]
    shares = [row["share"] for row in expense["datasets"][expense["data"]["name"]]]
    assert shares == ["93.4 %", "6.6 %"]  # 1200.00 and 84.20 of 1284.20
    assert charts.category_donut([], "income") is None


# --- pure helpers -----------------------------------------------------------------------------


def test_upcoming_bills_are_this_months_expenses_only() -> None:
    bills = insights.upcoming_bills(FORECAST["occurrences"], date(2025, 3, 5))
    assert [(b["date"], b["description"]) for b in bills] == [("2025-03-20", "Streaming")]


def test_savings_rate_text_and_group_subtotals() -> None:
    assert insights.savings_rate_text("0.2500") == "25.0 %"
    assert insights.savings_rate_text("-0.1000") == "-10.0 %"
    assert insights.savings_rate_text(None) == "—"
    status = [
        {"category_group": "Home", "spent": "10.00", "available": "50.00", "remaining": "40.00"},
        {"category_group": "Home", "spent": "5.50", "limit": "20.00", "remaining": "14.50"},
        {"category_group": None, "spent": "1.00", "available": "2.00", "remaining": "1.00"},
    ]
    frame = insights.group_subtotals(status)
    assert frame.to_dict("records") == [
        {"Group": "Home", "Spent": 15.50, "Available": 70.00, "Left": 54.50}
    ]
