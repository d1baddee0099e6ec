"""Making occurrences: catch-up, month ends, leap years, end dates, idempotency, the daily
job and two workers at once. Time is frozen with time_machine; "today" is TIME_ZONE's."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections
from django_q.models import Schedule

from budget.money import services as money
from budget.money.models import Transaction
from budget.money.tests.helpers import Household
from budget.planning import services, tasks
from budget.planning.tests.helpers import (
    assert_no_drift,
    occurrence_dates,
    recurring_path,
    rent,
    salary,
)

pytestmark = pytest.mark.django_db


def at(day: date, hour: int = 12):
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=False)


def post(api, user, h: Household, body: dict) -> dict:
    response = api.as_user(user).post(recurring_path(h.ledger), body)
    assert response.status_code == 201, response.content
    return response.json()


def run(api, user, h: Household, template_id) -> dict:
    response = api.as_user(user).post(recurring_path(h.ledger, template_id, "run"))
    assert response.status_code == 200, response.content
    return response.json()


def test_catch_up_after_a_year_of_downtime_makes_every_month_once(api, user, household):
    with at(date(2025, 12, 26)):
        pay = post(api, user, household, salary(household, start_date="2025-01-25"))
        home = post(api, user, household, rent(household, start_date="2024-12-01"))
    assert occurrence_dates(pay["id"]) == [date(2025, m, 25) for m in range(1, 13)]
    assert occurrence_dates(home["id"]) == [date(2024, 12, 1)] + [
        date(2025, m, 1) for m in range(1, 13)
    ]
    assert pay["next_date"] == "2026-01-25"
    assert home["next_date"] == "2026-01-01"
    made = Transaction.objects.filter(recurring_id=pay["id"])
    assert {(t.kind, t.amount, t.description, t.wallet_id) for t in made} == {
        ("income", Decimal("2500.00"), "Salary", household.bank.pk)
    }
    assert {t.allocation_status for t in made} == {"pending"}
    assert_no_drift(household.ledger)

    # Two months without a worker: the next run catches up both, and only those.
    with at(date(2026, 2, 26)):
        assert tasks.recurring_materialise_all() == 4
        assert tasks.recurring_materialise_all() == 0
    assert occurrence_dates(pay["id"])[-2:] == [date(2026, 1, 25), date(2026, 2, 25)]
    assert len(occurrence_dates(home["id"])) == 15
    assert_no_drift(household.ledger)
    money.incomes_allocate(ledger=household.ledger)
    assert_no_drift(household.ledger)


def test_monthly_on_the_31st_in_a_common_year(api, user, household):
    with at(date(2025, 4, 30)):
        body = post(api, user, household, salary(household, start_date="2025-01-31"))
    assert occurrence_dates(body["id"]) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    ]
    assert body["next_date"] == "2025-05-31"


def test_monthly_on_the_31st_in_a_leap_year(api, user, household):
    with at(date(2024, 3, 30)):
        body = post(api, user, household, salary(household, start_date="2024-01-31"))
    assert occurrence_dates(body["id"]) == [date(2024, 1, 31), date(2024, 2, 29)]
    assert body["next_date"] == "2024-03-31"
    with at(date(2024, 3, 31)):
        assert run(api, user, household, body["id"]) == {"created": 1, "next_date": "2024-04-30"}


def test_yearly_on_29_february(api, user, household):
    with at(date(2028, 3, 1)):
        body = post(
            api,
            user,
            household,
            salary(household, frequency="yearly", start_date="2024-02-29"),
        )
    assert occurrence_dates(body["id"]) == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]
    assert body["next_date"] == "2029-02-28"


def test_weekly_every_second_week(api, user, household):
    with at(date(2025, 2, 4)):
        body = post(
            api,
            user,
            household,
            rent(household, frequency="weekly", interval=2, start_date="2025-01-06"),
        )
    assert occurrence_dates(body["id"]) == [date(2025, 1, 6), date(2025, 1, 20), date(2025, 2, 3)]
    assert body["next_date"] == "2025-02-17"


def test_end_date_is_inclusive(api, user, household):
    with at(date(2025, 6, 1)):
        body = post(
            api,
            user,
            household,
            rent(household, start_date="2025-01-10", end_date="2025-03-10"),
        )
    assert occurrence_dates(body["id"]) == [date(2025, 1, 10), date(2025, 2, 10), date(2025, 3, 10)]
    assert body["next_date"] is None
    with at(date(2026, 1, 1)):
        assert run(api, user, household, body["id"]) == {"created": 0, "next_date": None}


def test_today_is_made_and_tomorrow_is_not(api, user, household, settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # 2025-03-01 20:00 UTC is 2 March there
    with at(date(2025, 3, 1), hour=20):
        body = post(
            api, user, household, rent(household, frequency="daily", start_date="2025-02-28")
        )
    assert occurrence_dates(body["id"]) == [date(2025, 2, 28), date(2025, 3, 1), date(2025, 3, 2)]
    assert body["next_date"] == "2025-03-03"


def test_inactive_template_creates_nothing(api, user, household):
    with at(date(2025, 6, 1)):
        body = post(api, user, household, rent(household, start_date="2025-01-01", active=False))
        assert run(api, user, household, body["id"])["created"] == 0
        assert tasks.recurring_materialise_all() == 0
    assert occurrence_dates(body["id"]) == []
    assert body["next_date"] == "2025-01-01"
    with at(date(2025, 6, 2)):
        response = api.as_user(user).patch(
            recurring_path(household.ledger, body["id"]), {"active": True}
        )
        assert response.json()["next_date"] == "2025-01-01"
        assert run(api, user, household, body["id"]) == {"created": 6, "next_date": "2025-07-01"}


def test_running_twice_creates_nothing_new(api, user, household):
    with at(date(2025, 3, 15)):
        body = post(api, user, household, rent(household, start_date="2025-01-01"))
        assert run(api, user, household, body["id"]) == {"created": 0, "next_date": "2025-04-01"}
        assert run(api, user, household, body["id"])["created"] == 0
        assert tasks.recurring_materialise_all() == 0
    assert len(occurrence_dates(body["id"])) == 3


def test_a_deleted_occurrence_is_not_made_again(api, user, household):
    with at(date(2025, 3, 15)):
        body = post(api, user, household, rent(household, start_date="2025-01-01"))
        last = Transaction.objects.get(recurring_id=body["id"], date=date(2025, 3, 1))
        money.transaction_delete(tx=last)
        assert run(api, user, household, body["id"])["created"] == 0
    assert occurrence_dates(body["id"]) == [date(2025, 1, 1), date(2025, 2, 1)]


def test_changes_apply_to_the_coming_occurrences_only(api, user, household):
    with at(date(2025, 2, 15)):
        body = post(api, user, household, rent(household, start_date="2025-01-01"))
        api.as_user(user).patch(
            recurring_path(household.ledger, body["id"]),
            {"amount": "950.00", "description": "Rent (new lease)"},
        )
    with at(date(2025, 4, 1)):
        tasks.recurring_materialise_all()
    made = Transaction.objects.filter(recurring_id=body["id"]).order_by("date")
    assert [(t.date.month, t.amount, t.description) for t in made] == [
        (1, Decimal("900.00"), "Rent"),
        (2, Decimal("900.00"), "Rent"),
        (3, Decimal("950.00"), "Rent (new lease)"),
        (4, Decimal("950.00"), "Rent (new lease)"),
    ]
    assert_no_drift(household.ledger)


def test_deleting_a_template_keeps_its_transactions(api, user, household):
    with at(date(2025, 3, 15)):
        body = post(api, user, household, rent(household, start_date="2025-01-01"))
        response = api.as_user(user).delete(recurring_path(household.ledger, body["id"]))
        assert response.status_code == 204
        tx = api.as_user(user).get(f"/ledgers/{household.ledger.pk}/transactions").json()
    assert tx["count"] == 3
    assert {item["recurring"] for item in tx["items"]} == {None}
    assert Transaction.objects.filter(recurring_date__isnull=False).count() == 3
    assert_no_drift(household.ledger)


def test_transfer_and_adjustment_templates_keep_the_books_balanced(api, user, household):
    with at(date(2025, 5, 20)):
        post(
            api,
            user,
            household,
            {
                "kind": "transfer",
                "amount": "50.00",
                "from_wallet": str(household.bank.pk),
                "to_wallet": str(household.cash.pk),
                "from_bucket": str(household.unallocated.pk),
                "to_bucket": str(household.savings.pk),
                "frequency": "weekly",
                "start_date": "2025-04-01",
            },
        )
        post(
            api,
            user,
            household,
            {
                "kind": "adjustment",
                "amount": "-1.25",
                "wallet": str(household.cash.pk),
                "frequency": "daily",
                "interval": 10,
                "start_date": "2025-04-01",
            },
        )
    assert Transaction.objects.filter(kind="transfer").count() == 8
    assert Transaction.objects.filter(kind="adjustment").count() == 5
    assert_no_drift(household.ledger)


def test_a_template_whose_category_was_archived_is_skipped_by_the_job(api, user, household):
    with at(date(2025, 1, 15)):
        broken = post(api, user, household, rent(household, start_date="2025-01-01"))
        fine = post(api, user, household, salary(household, start_date="2025-01-31"))
    money.category_update(category=household.category("Housing"), archived=True)
    with at(date(2025, 2, 28)):
        assert tasks.recurring_materialise_all() == 2
        response = api.as_user(user).post(recurring_path(household.ledger, broken["id"], "run"))
    body = response.json()
    assert response.status_code == 422, body
    assert body["errors"] == [
        {"field": "category", "message": "The category 'Housing' is archived."}
    ]
    assert body["detail"].startswith("This recurring transaction cannot be made any more")
    assert occurrence_dates(fine["id"]) == [date(2025, 1, 31), date(2025, 2, 28)]
    assert occurrence_dates(broken["id"]) == [date(2025, 1, 1)]


def test_the_daily_job_serves_every_ledger(make_user):
    ledgers = []
    with at(date(2025, 1, 1)):
        for n in range(3):
            ledger = make_user(f"family{n}@example.com").default_ledger
            wallet = money.wallet_create(ledger=ledger, name="Bank", kind="virtual")
            services.recurring_create(
                ledger=ledger,
                kind="expense",
                amount=Decimal("10.00"),
                wallet=wallet.pk,
                category=ledger.categories.get(name="Utilities").pk,
                frequency="monthly",
                interval=1,
                start_date=date(2025, 1, 5 + n),
            )
            ledgers.append(ledger)
    assert not Transaction.objects.exists()
    with at(date(2025, 3, 6)):
        assert tasks.recurring_materialise_all() == 8  # the 5th and 6th: 3 each; the 7th: 2
    assert [Transaction.objects.filter(ledger=ledger).count() for ledger in ledgers] == [3, 3, 2]
    with at(date(2025, 3, 7)):
        assert tasks.recurring_materialise_all() == 1
        assert tasks.recurring_materialise_all() == 0
    for ledger in ledgers:
        assert Transaction.objects.filter(ledger=ledger).count() == 3
        assert_no_drift(ledger)


def test_the_daily_schedule_is_created_by_migrate():
    schedule = Schedule.objects.get(name="recurring transactions")
    assert schedule.func == "budget.planning.tasks.recurring_materialise_all"
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.repeats == -1


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_template_make_each_occurrence_once(household):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested here: PostgreSQL only")
    with at(date(2025, 1, 1)):
        template = services.recurring_create(
            ledger=household.ledger,
            kind="expense",
            amount=Decimal("900.00"),
            wallet=household.bank.pk,
            category=household.category("Housing").pk,
            frequency="daily",
            interval=1,
            start_date=date(2025, 1, 2),
        )
    barrier = threading.Barrier(4)
    results: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(
                services.recurring_materialise(template=template, today=date(2025, 3, 1))[0]
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 59]
    assert len(occurrence_dates(template.pk)) == 59
    assert_no_drift(household.ledger)


def test_the_daily_job_skips_an_occurrence_without_a_rate_and_makes_the_rest(
    api, user, household, caplog
):
    from budget.money.services import wallet_create
    from budget.rates.tests.helpers import own_rate

    h = household
    yen = wallet_create(ledger=h.ledger, name="Tokyo", kind="virtual", currency="JPY")
    own_rate(h.ledger, "JPY", date(2025, 2, 1), "0.0061")
    own_rate(h.ledger, "JPY", date(2025, 4, 1), "0.0062")  # none within 7 days of 1 March
    with at(date(2025, 1, 15)):
        home = post(
            api,
            user,
            h,
            rent(h, wallet=str(yen.pk), amount="90000", start_date="2025-02-01"),
        )
        pay = post(api, user, h, salary(h, start_date="2025-02-25"))
    with at(date(2025, 4, 10)):
        assert tasks.recurring_materialise_all() == 4  # 2 rents and 2 salaries
        assert tasks.recurring_materialise_all() == 0
    assert "no exchange rate for 2025-03-01; skipped" in caplog.text
    assert occurrence_dates(home["id"]) == [date(2025, 2, 1), date(2025, 4, 1)]
    assert occurrence_dates(pay["id"]) == [date(2025, 2, 25), date(2025, 3, 25)]
    made = Transaction.objects.filter(recurring_id=home["id"]).order_by("date")
    assert [(t.amount, t.currency, t.base_amount) for t in made] == [
        (Decimal("90000"), "JPY", Decimal("549.00")),
        (Decimal("90000"), "JPY", Decimal("558.00")),
    ]
    assert_no_drift(h.ledger)
