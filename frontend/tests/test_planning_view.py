from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import altair as alt
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import charts, data, plans
from dashboard.api import SESSION_EXPIRED_MESSAGE, ApiError, FieldError, SessionExpired
from dashboard.views import common, recurring, transaction_form
from tests import pages
from tests.fake_ledger import BUDGET_STATUS, LP, FakeLedgerClient, app_on, served, texts
from tests.report_data import FakeReportClient


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _page(**kwargs: Any) -> AppTest:
    return app_on("planning", **kwargs).run()


def _table(at: AppTest, first_column: str, second_column: str | None = None) -> Any:
    return next(
        t.value
        for t in at.dataframe
        if t.value.columns[0] == first_column
        and (second_column is None or t.value.columns[1] == second_column)
    )


def _today() -> date:
    return datetime.now(UTC).astimezone().date()


def _month(offset: int = 0) -> str:
    """This month plus ``offset`` months, as the API writes it."""
    today = _today()
    index = today.year * 12 + today.month - 1 + offset
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _versions(at: AppTest) -> int:
    return at.session_state.get(data.DATA_VERSION_KEY, 0)


# --- the budget status ------------------------------------------------------------------------


def test_budget_status_shows_a_bar_and_a_row_per_budget_with_its_state(
    fake: FakeLedgerClient,
) -> None:
    at = _page()

    assert not at.exception
    assert at.title[0].value == "Planning"
    assert len(pages.charts(at)) == 1
    assert _table(at, "Category", "Limit").to_dict("records") == [
        {
            "Category": "Groceries",
            "Limit": "400.00 EUR",
            "Spent": "340.00 EUR",
            "Remaining": "60.00 EUR",
            "Used": "85.00 %",
            "State": "Warning",
        },
        {
            "Category": "Housing",
            "Limit": "1,200.00 EUR",
            "Spent": "1,234.50 EUR",
            "Remaining": "-34.50 EUR",
            "Used": "102.88 %",
            "State": "Exceeded",
        },
        {
            "Category": "Old stuff",
            "Limit": "50.00 EUR",
            "Spent": "10.00 EUR",
            "Remaining": "40.00 EUR",
            "Used": "20.00 %",
            "State": "OK",
        },
    ]
    month = f"{_today():%B %Y}"
    assert [e.value for e in at.error] == [f"Over the limit in {month}: Housing."]
    assert [w.value for w in at.warning] == [f"Close to the limit in {month}: Groceries."]


def test_one_cached_read_per_list(fake: FakeLedgerClient) -> None:
    at = _page()

    assert sorted(c.path for c in fake.calls) == [
        f"{LP}/buckets",
        f"{LP}/budgets",
        f"{LP}/budgets/status",
        f"{LP}/categories",
        f"{LP}/goals",
        f"{LP}/payees",
        f"{LP}/recurring",
        f"{LP}/wallets",
    ]
    fake.calls.clear()
    at.selectbox(key="plan_goal_pick").select("g-house").run()  # any rerun

    assert not fake.calls


def test_the_month_picker_starts_at_this_month_and_asks_for_the_chosen_one(
    fake: FakeLedgerClient,
) -> None:
    at = _page()
    today = _today()
    assert at.selectbox(key="plan_month").value == today.month
    assert at.selectbox(key="plan_year").value == today.year
    assert fake.gets(f"{LP}/budgets/status")[-1].params == {
        "year": str(today.year),
        "month": str(today.month),
    }

    at.selectbox(key="plan_year").select(today.year - 1).run()
    at.selectbox(key="plan_month").select(3).run()

    assert fake.gets(f"{LP}/budgets/status")[-1].params == {
        "year": str(today.year - 1),
        "month": "3",
    }
    assert f"Over the limit in March {today.year - 1}: Housing." in texts(at)


def test_budgets_by_month_show_spent_of_limit_and_what_is_left(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="plan_year").select(2025).run()
    at.selectbox(key="plan_month").select(2).run()

    at.toggle(key="plan_budget_grid").set_value(True).run()

    assert not at.exception
    asked = {(c.params["year"], c.params["month"]) for c in fake.gets(f"{LP}/budgets/status")}
    assert {("2024", m) for m in ("9", "10", "11", "12")} | {("2025", "1")} <= asked
    grid = next(t.value for t in at.dataframe if "September 2024" in t.value.columns)
    assert list(grid.columns) == [
        "Category",
        "September 2024",
        "October 2024",
        "November 2024",
        "December 2024",
        "January 2025",
        "February 2025",
    ]
    housing = grid[grid["Category"] == "Housing"].iloc[0]
    assert housing["February 2025"] == "1,234.50 EUR of 1,200.00 EUR · 34.50 EUR over"


def test_months_back_cross_the_new_year() -> None:
    assert plans.months_back(2025, 2, 3) == [(2024, 12), (2025, 1), (2025, 2)]


def test_refresh_reads_the_status_again(fake: FakeLedgerClient) -> None:
    at = _page()
    fake.budget_status = [BUDGET_STATUS[2]]
    at.run()
    assert len(_table(at, "Category", "Limit")) == 3  # cached for a while

    at.button(key="plan_refresh").click().run()

    assert _versions(at) == 1
    assert _table(at, "Category", "Limit")["Category"].tolist() == ["Old stuff"]


def test_all_within_their_limits_says_so(fake: FakeLedgerClient) -> None:
    fake.budget_status = [BUDGET_STATUS[2]]
    at = _page()

    assert not at.error
    assert not at.warning
    assert f"Every budget is within its limit in {_today():%B %Y}." in texts(at)


def test_a_month_without_budgets_and_a_ledger_without_any(fake: FakeLedgerClient) -> None:
    fake.budget_status = []
    at = _page()

    assert not at.exception
    assert f"No budget covers {_today():%B %Y}." in texts(at)
    assert not pages.charts(at)

    fake.budgets = []
    st.cache_data.clear()
    at = _page()
    assert "No budgets yet. Give an expense category a monthly limit below" in texts(at)


def test_all_budgets_are_listed_with_their_months(fake: FakeLedgerClient) -> None:
    at = _page()

    assert _table(at, "Category", "Monthly limit").to_dict("records") == [
        {
            "Category": "Groceries",
            "Monthly limit": "400.00 EUR",
            "Alert at": "80 %",
            "From": "January 2025",
            "Until": "No end",
        },
        {
            "Category": "Housing",
            "Monthly limit": "1,200.00 EUR",
            "Alert at": "90 %",
            "From": "January 2025",
            "Until": "December 2025",
        },
        {
            "Category": "Old stuff",
            "Monthly limit": "50.00 EUR",
            "Alert at": "80 %",
            "From": "January 2025",
            "Until": "No end",
        },
    ]


# --- adding, changing and deleting budgets ----------------------------------------------------


def test_the_budget_picker_offers_active_expense_categories_only(fake: FakeLedgerClient) -> None:
    at = _page()

    assert at.selectbox(key="plan_budget_add_category").options == ["Groceries", "Housing"]
    assert at.selectbox(key="plan_budget_add_category").value is None


def test_adding_a_budget_posts_category_limit_alert_and_months(fake: FakeLedgerClient) -> None:
    at = _page()
    assert at.selectbox(key="plan_budget_add_start").value == _month()
    at.selectbox(key="plan_budget_add_category").select("c-groceries")
    at.text_input(key="plan_budget_add_amount").input("1,250.5")
    at.number_input(key="plan_budget_add_alert").set_value(75)
    at.selectbox(key="plan_budget_add_end").select(_month(11))
    at.button(key="plan_budget_add_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert (post.method, post.path) == ("POST", f"{LP}/budgets")
    assert post.json == {
        "category": "c-groceries",
        "amount": "1250.50",
        "alert_percent": 75,
        "start_month": _month(),
        "end_month": _month(11),
    }
    assert "Added a budget of 1,250.50 EUR a month for Groceries." in texts(at)
    assert _versions(at) == 1
    assert at.text_input(key="plan_budget_add_amount").value == ""


def test_an_open_ended_budget_sends_no_end_month(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="plan_budget_add_category").select("c-housing")
    at.text_input(key="plan_budget_add_amount").input("900")
    at.button(key="plan_budget_add_submit").click().run()

    [post] = fake.writes()
    assert post.json == {
        "category": "c-housing",
        "amount": "900.00",
        "alert_percent": 80,
        "start_month": _month(),
    }


def test_a_bad_budget_form_names_every_field_and_sends_nothing(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="plan_budget_add_amount").input("12.345")
    at.selectbox(key="plan_budget_add_end").select(_month(-1))
    at.button(key="plan_budget_add_submit").click().run()

    assert not at.exception
    assert not fake.writes()
    error = at.error[-1]  # after the status notes
    assert error.value.startswith("Please check the form:")
    assert "- **Category**: Choose an expense category." in error.value
    assert "- **Amount**: Use at most 2 decimal places." in error.value
    assert "- **End month**: The last month cannot be before the first." in error.value


def test_a_refused_budget_shows_the_api_detail_and_fields(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        f"{LP}/budgets",
        ApiError(
            409,
            "budget_overlap",
            "Groceries already has a budget in some of these months.",
        ),
    )
    at = _page()
    at.selectbox(key="plan_budget_add_category").select("c-groceries")
    at.text_input(key="plan_budget_add_amount").input("300")
    at.button(key="plan_budget_add_submit").click().run()

    assert not at.exception
    assert "Groceries already has a budget in some of these months." in [e.value for e in at.error]

    fake.failures.clear()
    fake.fail(
        "POST",
        f"{LP}/budgets",
        ApiError(
            422,
            "validation_error",
            "The budget is invalid.",
            [FieldError(field="category", message="Choose an expense category.")],
        ),
    )
    at.button(key="plan_budget_add_submit").click().run()

    assert "The budget is invalid.\n\n- **Category**: Choose an expense category." in [
        e.value for e in at.error
    ]


def test_changing_a_budget_patches_only_what_changed(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="plan_budget_pick").select("bu-housing").run()
    key = "plan_budget_bu-housing"
    assert at.text_input(key=f"{key}_amount").value == "1200.00"
    assert at.number_input(key=f"{key}_alert").value == 90
    assert at.selectbox(key=f"{key}_start").value == "2025-01"
    assert at.selectbox(key=f"{key}_end").value == "2025-12"

    at.text_input(key=f"{key}_amount").input("1300")
    at.selectbox(key=f"{key}_end").select(plans.NO_END)
    at.button(key=f"{key}_submit").click().run()

    assert not at.exception
    [patch] = fake.writes()
    assert (patch.method, patch.path) == ("PATCH", f"{LP}/budgets/bu-housing")
    assert patch.json == {"amount": "1300.00", "end_month": None}
    assert "Saved the budget for Housing." in texts(at)


def test_saving_an_unchanged_budget_sends_nothing(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button(key="plan_budget_bu-groceries_submit").click().run()

    assert not fake.writes()
    assert "Nothing changed." in texts(at)


def test_deleting_a_budget_asks_first(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button(key="plan_budget_bu-groceries_delete").click().run()
    assert not fake.writes()
    assert "Delete the budget for Groceries? This cannot be undone." in texts(at)

    at.button(key="plan_budget_bu-groceries_delete_confirm").click().run()

    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", f"{LP}/budgets/bu-groceries")
    assert "Deleted the budget for Groceries." in texts(at)
    assert _versions(at) == 1


# --- goals ------------------------------------------------------------------------------------


def test_goals_show_progress_saved_of_target_need_and_a_badge(fake: FakeLedgerClient) -> None:
    at = _page()

    progress = [(p.proto.value, p.proto.text) for p in at.get("progress")]
    assert progress == [
        (30, "300.00 EUR of 1,000.00 EUR (30.00 %)"),
        (100, "1,200.00 EUR of 1,000.00 EUR (120.00 %)"),  # over the target: a full bar
        (24, "1,200.00 EUR of 5,000.00 EUR (24.00 %)"),
    ]
    page = texts(at)
    assert "**Summer holiday** · saved in Fun" in page
    assert ":orange-badge[Behind]" in page
    assert ":green-badge[Reached]" in page
    assert ":green-badge[On track]" in page
    assert "By 31 August 2025: 140.00 EUR a month." in page
    assert "By 31 December 2026: nothing more to put aside." in page
    assert "No target date." in page


def test_adding_a_goal_without_a_date(fake: FakeLedgerClient) -> None:
    at = _page()
    # Goals save in the ledger's own active buckets, not in Unallocated.
    assert at.selectbox(key="plan_goal_add_bucket").options == ["Savings", "Fun"]
    at.text_input(key="plan_goal_add_name").input("  New bike ")
    at.selectbox(key="plan_goal_add_bucket").select("b-fun")
    at.text_input(key="plan_goal_add_target").input("800")
    at.button(key="plan_goal_add_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert (post.path, post.json) == (
        f"{LP}/goals",
        {"name": "New bike", "bucket": "b-fun", "target_amount": "800.00"},
    )
    assert "Added the goal New bike." in texts(at)


def test_adding_a_goal_with_a_date(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="plan_goal_add_name").input("Car")
    at.selectbox(key="plan_goal_add_bucket").select("b-savings")
    at.text_input(key="plan_goal_add_target").input("6000.00")
    at.date_input(key="plan_goal_add_date").set_value(date(2027, 6, 30))
    at.button(key="plan_goal_add_submit").click().run()

    [post] = fake.writes()
    assert post.json["target_date"] == "2027-06-30"


def test_a_bad_goal_form_names_every_field(fake: FakeLedgerClient) -> None:
    at = _page()
    at.text_input(key="plan_goal_add_target").input("0")
    at.button(key="plan_goal_add_submit").click().run()

    assert not fake.writes()
    error = at.error[-1].value
    assert "- **Name**: Enter a name." in error
    assert "- **Bucket**: Choose a bucket." in error
    assert "- **Target amount**: Enter an amount above zero." in error


def test_changing_a_goal_patches_what_changed_and_can_clear_the_date(
    fake: FakeLedgerClient,
) -> None:
    at = _page()
    key = "plan_goal_g-holiday"
    assert at.text_input(key=f"{key}_name").value == "Summer holiday"
    assert at.date_input(key=f"{key}_date").value == date(2025, 8, 31)
    at.text_input(key=f"{key}_target").input("1200")
    at.date_input(key=f"{key}_date").set_value(None)
    at.button(key=f"{key}_submit").click().run()

    [patch] = fake.writes()
    assert (patch.method, patch.path) == ("PATCH", f"{LP}/goals/g-holiday")
    assert patch.json == {"target_amount": "1200.00", "target_date": None}
    assert "Saved the goal Summer holiday." in texts(at)


def test_deleting_a_goal_asks_first(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="plan_goal_pick").select("g-rainy").run()
    at.button(key="plan_goal_g-rainy_delete").click().run()
    at.button(key="plan_goal_g-rainy_delete_confirm").click().run()

    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", f"{LP}/goals/g-rainy")
    assert "Deleted the goal Rainy day." in texts(at)


def test_no_goals_says_what_a_goal_is(fake: FakeLedgerClient) -> None:
    fake.goals = []
    at = _page()

    assert "No goals yet. A goal names what a bucket saves for" in texts(at)
    assert not at.get("progress")


# --- recurring transactions -------------------------------------------------------------------


def test_recurring_transactions_are_listed(fake: FakeLedgerClient) -> None:
    at = _page()

    assert _table(at, "Description").to_dict("records") == [
        {
            "Description": "Rent",
            "Kind": "Expense",
            "Amount": "950.00 EUR",
            "Repeats": "Monthly",
            "Next date": "2025-04-01",
            "Status": "Active",
        },
        {
            "Description": "Salary",
            "Kind": "Income",
            "Amount": "3,000.00 EUR",
            "Repeats": "Monthly",
            "Next date": "2025-03-28",
            "Status": "Paused",
        },
        {
            "Description": "Gym",
            "Kind": "Expense",
            "Amount": "30.00 EUR",
            "Repeats": "Every 2 weeks",
            "Next date": "—",
            "Status": "Finished",
        },
    ]


def test_pausing_and_resuming_patch_active(fake: FakeLedgerClient) -> None:
    at = _page()
    assert at.button(key="plan_rec_rec-rent_toggle").label == "Pause"
    at.button(key="plan_rec_rec-rent_toggle").click().run()

    [patch] = fake.writes()
    assert (patch.method, patch.path, patch.json) == (
        "PATCH",
        f"{LP}/recurring/rec-rent",
        {"active": False},
    )
    assert "Paused Rent: it creates nothing until you resume it." in texts(at)

    at.selectbox(key="plan_rec_pick").select("rec-salary").run()
    assert at.button(key="plan_rec_rec-salary_toggle").label == "Resume"
    assert at.button(key="plan_rec_rec-salary_run").disabled  # paused: resume first
    at.button(key="plan_rec_rec-salary_toggle").click().run()

    assert fake.writes()[-1].json == {"active": True}
    assert "Resumed Salary; the next is due on 2025-03-28." in texts(at)
    assert _versions(at) == 2


def test_run_now_says_how_many_were_created(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button(key="plan_rec_rec-rent_run").click().run()

    [run] = fake.writes()
    assert (run.method, run.path) == ("POST", f"{LP}/recurring/rec-rent/run")
    assert "Ran Rent: 2 transactions created; the next is due on 2025-05-01." in texts(at)
    assert _versions(at) == 1


def test_editing_a_recurring_transaction_sends_only_what_changed(fake: FakeLedgerClient) -> None:
    at = _page()
    prefix = "plan_rec_edit_rec-rent"
    assert at.text_input(key=f"{prefix}_amount").value == "950.00"
    assert at.text_input(key=f"{prefix}_description").max_chars == 255

    at.text_input(key=f"{prefix}_amount").input("1.000,00")
    at.selectbox(key=f"{prefix}_wallet").set_value("w-cash")
    at.number_input(key=f"{prefix}_interval").set_value(3)
    at.button(key=f"{prefix}_save").click().run()

    assert not at.exception
    [patch] = fake.writes()
    assert (patch.method, patch.path) == ("PATCH", f"{LP}/recurring/rec-rent")
    assert patch.json == {"amount": "1000.00", "wallet": "w-cash", "interval": 3}
    assert "Saved Rent." in texts(at)


def test_saving_an_unchanged_recurring_transaction_writes_nothing(
    fake: FakeLedgerClient,
) -> None:
    at = _page()
    at.button(key="plan_rec_edit_rec-rent_save").click().run()

    assert not fake.writes()
    assert "Nothing changed." in texts(at)


def test_run_messages() -> None:
    assert plans.run_message("Rent", {"created": 1, "next_date": None}) == (
        "Ran Rent: 1 transaction created; nothing more is due."
    )
    assert plans.run_message("Rent", {"created": 0, "next_date": "2025-05-01"}) == (
        "Ran Rent: 0 transactions created; the next is due on 2025-05-01."
    )


def test_deleting_a_recurring_transaction_asks_first(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button(key="plan_rec_rec-rent_delete").click().run()
    assert "Delete the recurring transaction Rent? This cannot be undone." in texts(at)
    at.button(key="plan_rec_rec-rent_delete_cancel").click().run()
    assert not fake.writes()

    at.button(key="plan_rec_rec-rent_delete").click().run()
    at.button(key="plan_rec_rec-rent_delete_confirm").click().run()

    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", f"{LP}/recurring/rec-rent")
    assert "Deleted Rent." in texts(at)


def test_adding_a_recurring_expense_posts_its_fields_and_schedule(fake: FakeLedgerClient) -> None:
    at = _page()
    prefix = "plan_rec_add_expense"
    # The expense's bucket starts at the category's default one (else Unallocated), as on the
    # Transactions page: the API fills it in for each occurrence.
    bucket = at.selectbox(key=f"{prefix}_bucket")
    assert (bucket.value, bucket.options[0]) == (None, transaction_form.DEFAULT_BUCKET_LABEL)
    assert at.selectbox(key=f"{prefix}_category").options == ["Groceries", "Housing"]
    at.text_input(key=f"{prefix}_amount").input("950")
    at.text_input(key=f"{prefix}_description").input("Rent")
    at.selectbox(key=f"{prefix}_wallet").select("w-bank")
    at.selectbox(key=f"{prefix}_category").select("c-housing")
    at.selectbox(key=f"{prefix}_frequency").select("weekly")
    at.number_input(key=f"{prefix}_interval").set_value(2)
    at.date_input(key=f"{prefix}_start").set_value(date(2025, 1, 1))
    at.date_input(key=f"{prefix}_end").set_value(date(2025, 12, 31))
    at.text_input(key=f"{prefix}_tags").input("home, bills")
    at.button(key="plan_rec_add_submit").click().run()

    assert not at.exception
    [post] = fake.writes()
    assert (post.method, post.path) == ("POST", f"{LP}/recurring")
    assert post.json == {
        "kind": "expense",
        "amount": "950.00",
        "wallet": "w-bank",
        "category": "c-housing",
        "description": "Rent",
        "notes": "",
        "tags": ["home", "bills"],
        "start_date": "2025-01-01",
        "end_date": "2025-12-31",
        "frequency": "weekly",
        "interval": 2,
        "active": True,
    }
    assert "Added Rent (every 2 weeks); the next is due on 2025-04-01." in texts(at)


def test_a_recurring_income_without_a_bucket_is_split(fake: FakeLedgerClient) -> None:
    at = _page()
    at.button_group(key=recurring.RECURRING_KIND_KEY).set_value("income").run()
    prefix = "plan_rec_add_income"
    assert at.selectbox(key=f"{prefix}_bucket").value is None  # split by the percentages
    at.text_input(key=f"{prefix}_amount").input("3000")
    at.selectbox(key=f"{prefix}_wallet").select("w-bank")
    at.selectbox(key=f"{prefix}_category").select("c-salary")
    at.button(key="plan_rec_add_submit").click().run()

    [post] = fake.writes()
    assert post.json["kind"] == "income"
    assert "bucket" not in post.json
    assert post.json["frequency"] == "monthly"
    assert post.json["interval"] == 1
    assert "end_date" not in post.json
    assert post.json["start_date"] == _today().isoformat()


def test_a_bad_recurring_form_names_every_field(fake: FakeLedgerClient) -> None:
    at = _page()
    prefix = "plan_rec_add_expense"
    at.date_input(key=f"{prefix}_start").set_value(date(2025, 3, 1))
    at.date_input(key=f"{prefix}_end").set_value(date(2025, 2, 1))
    at.button(key="plan_rec_add_submit").click().run()

    assert not fake.writes()
    error = at.error[-1].value
    assert "- **Amount**: Enter an amount." in error
    assert "- **Wallet**: Choose a wallet." in error
    assert "- **Category**: Choose a category." in error
    assert "- **End date**: The end is before the start." in error


def test_recurring_api_errors_name_the_field(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        f"{LP}/recurring",
        ApiError(
            422,
            "validation_error",
            "The recurring transaction is invalid: start_date.",
            [FieldError(field="start_date", message="That would make too many occurrences.")],
        ),
    )
    at = _page()
    prefix = "plan_rec_add_expense"
    at.text_input(key=f"{prefix}_amount").input("1")
    at.selectbox(key=f"{prefix}_wallet").select("w-cash")
    at.selectbox(key=f"{prefix}_category").select("c-groceries")
    at.button(key="plan_rec_add_submit").click().run()

    assert not at.exception
    assert "- **Start date**: That would make too many occurrences." in at.error[-1].value


# --- viewers, errors, the app -----------------------------------------------------------------


def test_a_viewer_sees_everything_but_no_controls(fake: FakeLedgerClient) -> None:
    at = _page(role="viewer")

    assert not at.exception
    assert common.VIEWER_NOTE in texts(at)
    assert len(pages.charts(at)) == 1
    assert len(at.dataframe) == 3  # status, all budgets, recurring
    assert len(at.get("progress")) == 3
    assert [button.key for button in at.button] == ["plan_refresh"]
    assert not at.text_input
    assert not at.number_input
    assert not at.date_input
    assert [box.key for box in at.selectbox] == ["plan_month", "plan_year"]
    assert "Give an expense category a monthly limit below" not in texts(at)


def test_an_api_error_shows_its_detail_and_the_rest_of_the_page(fake: FakeLedgerClient) -> None:
    detail = "The budget server can't be reached at http://api. Is it running?"
    fake.fail("GET", f"{LP}/budgets/status", ApiError(None, "api_unavailable", detail))
    at = _page()

    assert not at.exception
    assert [e.value for e in at.error] == [detail]
    assert len(at.get("progress")) == 3  # the goals still show


def test_a_refused_write_shows_the_api_detail(fake: FakeLedgerClient) -> None:
    detail = "You can only view this ledger."
    fake.fail("POST", f"{LP}/recurring/rec-rent/run", ApiError(403, "forbidden", detail))
    at = _page()
    at.button(key="plan_rec_rec-rent_run").click().run()

    assert not at.exception
    assert detail in [e.value for e in at.error]
    assert _versions(at) == 0


def test_an_expired_session_returns_to_sign_in(fake: FakeLedgerClient) -> None:
    fake.fail("GET", f"{LP}/budgets/status", SessionExpired())
    at = _page()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [w.value for w in at.warning] == [SESSION_EXPIRED_MESSAGE]


def test_the_app_has_the_planning_page() -> None:
    prefix = f"/ledgers/{pages.LEDGERS[1]['id']}"
    client = FakeReportClient(
        {
            "/budgets/status": BUDGET_STATUS,
            "/budgets": [],
            "/goals": [],
            "/recurring": [],
            "/payees": [],
        }
    )
    with pages.serving(client):
        at = pages.open_page(pages.signed_in_app(), "planning")

    assert not at.exception
    assert at.title[0].value == "Planning"
    assert len(pages.charts(at)) == 1
    assert f"{prefix}/budgets/status" in [path for path, _ in client.calls]


# --- the chart --------------------------------------------------------------------------------


def test_budget_frame_plots_the_share_used_and_labels_exact_amounts() -> None:
    frame = charts.budget_frame(BUDGET_STATUS, currency="EUR")

    assert frame.to_dict("records") == [
        {
            "name": "Groceries",
            "used": 85.0,
            "alert": 80.0,
            "state": "Warning",
            "used_label": "85.00 %",
            "spent": "340.00 EUR",
            "limit": "400.00 EUR",
            "remaining": "60.00 EUR",
        },
        {
            "name": "Housing",
            "used": 102.88,
            "alert": 90.0,
            "state": "Exceeded",
            "used_label": "102.88 %",
            "spent": "1,234.50 EUR",
            "limit": "1,200.00 EUR",
            "remaining": "-34.50 EUR",
        },
        {
            "name": "Old stuff",
            "used": 20.0,
            "alert": 80.0,
            "state": "OK",
            "used_label": "20.00 %",
            "spent": "10.00 EUR",
            "limit": "50.00 EUR",
            "remaining": "40.00 EUR",
        },
    ]


def test_budget_names_fall_back_to_the_category_list() -> None:
    item = {k: v for k, v in BUDGET_STATUS[0].items() if k != "category_name"}

    assert charts.budget_frame([item], {"c-groceries": "Food"})["name"].tolist() == ["Food"]
    assert charts.budget_frame([item])["name"].tolist() == ["Unknown category"]


def test_budget_bars_are_horizontal_coloured_by_state_with_a_rule_at_one_hundred() -> None:
    chart = charts.budget_bars(BUDGET_STATUS, currency="EUR")

    assert isinstance(chart, alt.LayerChart)
    bars, labels, alerts, limit = chart.to_dict()["layer"]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["x"]["field"] == "used"
    assert bars["encoding"]["y"]["field"] == "name"
    assert bars["encoding"]["color"]["field"] == "state"
    assert bars["encoding"]["color"]["scale"] == {
        "domain": ["OK", "Warning", "Exceeded"],
        "range": ["#2e9e5b", "#f0a020", "#e0575b"],
    }
    assert [t["title"] for t in bars["encoding"]["tooltip"]] == [
        "Category",
        "Spent",
        "Limit",
        "Remaining",
        "Used",
        "State",
    ]
    assert labels["mark"]["type"] == "text"
    assert labels["encoding"]["text"]["field"] == "used_label"
    assert alerts["mark"]["type"] == "tick"
    assert alerts["encoding"]["x"]["field"] == "alert"
    assert limit["mark"]["type"] == "rule"
    assert chart.layer[3].data["limit"].tolist() == [100.0]
    # The axis reaches past the longest bar, and never stops short of 100 %.
    assert bars["encoding"]["x"]["scale"]["domain"][1] == pytest.approx(102.88 * 1.15)
    low = charts.budget_bars(BUDGET_STATUS[2:]).to_dict()["layer"][0]
    assert low["encoding"]["x"]["scale"]["domain"][1] == pytest.approx(115.0)


def test_budget_bars_accept_an_empty_month() -> None:
    spec = charts.budget_bars([]).to_dict()

    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")


# --- pure helpers -----------------------------------------------------------------------------


def test_months_around_today_and_a_budget_s_own() -> None:
    options = plans.month_options(date(2025, 3, 15), "2019-05", None)

    assert options[0] == "2019-05"
    assert options[1] == "2022-03"
    assert options[-1] == "2028-03"
    assert "2025-03" in options
    assert plans.month_label("2025-03") == "March 2025"
    assert plans.month_label(None) == "—"


def test_repeats_in_words() -> None:
    assert plans.every("monthly", 1) == "Monthly"
    assert plans.every("daily", 3) == "Every 3 days"
    assert plans.every("yearly", 2) == "Every 2 years"


# --- budgets that roll over, groups (SPEC §18) --------------------------------------------------


def test_a_rolling_over_budget_shows_carried_and_available(fake: FakeLedgerClient) -> None:
    fake.budget_status[0] |= {
        "rollover": True,
        "category_group": "Daily life",
        "carried": "-40.00",
        "available": "360.00",
        "remaining": "20.00",
    }
    fake.budget_status[1] |= {"category_group": "Daily life"}
    at = _page()

    assert not at.exception
    status = next(f.value for f in at.dataframe if "Carried" in f.value.columns)
    assert status.columns.tolist() == [
        "Category",
        "Limit",
        "Carried",
        "Available",
        "Spent",
        "Remaining",
        "Used",
        "State",
    ]
    assert status.to_dict("records")[0] | {} == {
        "Category": "Groceries",
        "Limit": "400.00 EUR",
        "Carried": "-40.00 EUR",
        "Available": "360.00 EUR",
        "Spent": "340.00 EUR",
        "Remaining": "20.00 EUR",
        "Used": "85.00 %",
        "State": "Warning",
    }
    groups = next(f.value for f in at.dataframe if "Group" in f.value.columns)
    assert groups.to_dict("records") == [
        {
            "Group": "Daily life",
            "Spent": "1,574.50 EUR",
            "Available": "1,560.00 EUR",
            "Left": "-14.50 EUR",
        }
    ]


def test_nothing_available_shows_nothing_left_instead_of_a_percent(fake: FakeLedgerClient) -> None:
    fake.budget_status[0] |= {"rollover": True, "available": "0.00", "percent_used": None}
    at = _page()

    assert not at.exception
    status = next(f.value for f in at.dataframe if "Used" in f.value.columns)
    assert status["Used"].tolist()[0] == "nothing left"


def test_adding_a_budget_that_rolls_over(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="plan_budget_add_category").select("c-groceries")
    at.text_input(key="plan_budget_add_amount").input("200")
    at.checkbox(key="plan_budget_add_rollover").check()
    at.button(key="plan_budget_add_submit").click().run()

    [post] = fake.writes()
    assert post.json["rollover"] is True


def test_switching_rollover_on_sends_only_that(fake: FakeLedgerClient) -> None:
    at = _page()
    at.selectbox(key="plan_budget_pick").select("bu-groceries").run()
    at.checkbox(key="plan_budget_bu-groceries_rollover").check()
    at.button(key="plan_budget_bu-groceries_submit").click().run()

    [patch] = fake.writes()
    assert (patch.method, patch.path, patch.json) == (
        "PATCH",
        f"{LP}/budgets/bu-groceries",
        {"rollover": True},
    )
