"""The catch-up bound: a template never makes more than RECURRING_MAX_CATCH_UP occurrences at
once. Creating or changing one that would is refused; the daily job after a long downtime
makes that many per template and run, and the next runs go on."""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from tests.helpers import assert_error

from budget.money.models import Transaction
from budget.planning import tasks
from budget.planning.models import RecurringTransaction
from budget.planning.tests.helpers import assert_no_drift, occurrence_dates, recurring_path, rent

pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)


@pytest.fixture
def today():
    with time_machine.travel(datetime(2025, 6, 30, 12, tzinfo=UTC), tick=False):
        yield TODAY


def daily(h, start: date, **extra) -> dict:
    return rent(h, frequency="daily", amount="1.00", start_date=start.isoformat(), **extra)


def test_the_default_bound_refuses_a_daily_template_from_1900(api, user, household, today):
    response = api.as_user(user).post(
        recurring_path(household.ledger), daily(household, date(1900, 1, 1))
    )
    body = assert_error(response, 422, field="start_date")
    assert [e["field"] for e in body["errors"]] == ["start_date"]
    assert "more than 3660 transactions" in body["errors"][0]["message"]
    assert not RecurringTransaction.objects.exists()
    assert not Transaction.objects.exists()


def test_exactly_the_bound_is_made_and_one_more_is_refused(api, user, household, today, settings):
    settings.RECURRING_MAX_CATCH_UP = 10
    client = api.as_user(user)
    too_many = daily(household, TODAY - timedelta(days=10))  # 11 days up to today
    assert_error(client.post(recurring_path(household.ledger), too_many), 422, field="start_date")
    fits = client.post(
        recurring_path(household.ledger), daily(household, TODAY - timedelta(days=9))
    )
    assert fits.status_code == 201, fits.content
    assert len(occurrence_dates(fits.json()["id"])) == 10
    assert fits.json()["next_date"] == "2025-07-01"


def test_the_bound_counts_occurrences_not_days(api, user, household, today, settings):
    settings.RECURRING_MAX_CATCH_UP = 10
    weekly = rent(household, frequency="weekly", start_date="2025-04-21")  # 11 Mondays
    response = api.as_user(user).post(recurring_path(household.ledger), weekly)
    assert_error(response, 422, field="start_date")
    weekly["end_date"] = "2025-06-23"  # the end date counts too: 10 Mondays
    response = api.as_user(user).post(recurring_path(household.ledger), weekly)
    assert response.status_code == 201, response.content


def test_an_inactive_template_catches_up_nothing_so_it_may_start_long_ago(
    api, user, household, today, settings
):
    settings.RECURRING_MAX_CATCH_UP = 10
    client = api.as_user(user)
    body = daily(household, date(2025, 1, 1), active=False)
    response = client.post(recurring_path(household.ledger), body)
    assert response.status_code == 201, response.content
    template = response.json()["id"]
    # …but turning it on would catch up 181 days at once.
    response = client.patch(recurring_path(household.ledger, template), {"active": True})
    assert_error(response, 422, field="start_date")
    response = client.patch(
        recurring_path(household.ledger, template), {"active": True, "start_date": "2025-06-25"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["next_date"] == "2025-06-25"


def test_patching_the_start_further_back_is_refused(api, user, household, today, settings):
    settings.RECURRING_MAX_CATCH_UP = 10
    client = api.as_user(user)
    body = client.post(recurring_path(household.ledger), daily(household, date(2025, 7, 10)))
    path = recurring_path(household.ledger, body.json()["id"])
    assert_error(client.patch(path, {"start_date": "2025-06-01"}), 422, field="start_date")
    assert client.patch(path, {"start_date": "2025-06-21"}).status_code == 200  # 10 days
    # Occurrences already made are not made again, so a start moved back before them
    # has nothing to catch up.
    assert client.post(f"{path}/run").json() == {"created": 10, "next_date": "2025-07-01"}
    response = client.patch(path, {"start_date": "2020-01-01"})
    assert response.status_code == 200, response.content
    assert response.json()["next_date"] == "2025-07-01"


def test_the_daily_job_stops_at_the_bound_and_goes_on_the_next_runs(
    api, user, household, settings, caplog
):
    settings.RECURRING_MAX_CATCH_UP = 10
    with time_machine.travel(datetime(2025, 1, 1, 12, tzinfo=UTC), tick=False):
        body = api.as_user(user).post(
            recurring_path(household.ledger), daily(household, date(2025, 1, 1))
        )
    assert body.status_code == 201, body.content
    template = body.json()["id"]
    # 24 days without a worker: 24 occurrences are due.
    with time_machine.travel(datetime(2025, 1, 25, 12, tzinfo=UTC), tick=False):
        with caplog.at_level(logging.WARNING, logger="budget.planning.services"):
            assert tasks.recurring_materialise_all() == 10
        assert "the most one run makes (RECURRING_MAX_CATCH_UP)" in caplog.text
        assert RecurringTransaction.objects.get(pk=template).next_date == date(2025, 1, 12)
        assert tasks.recurring_materialise_all() == 10
        assert tasks.recurring_materialise_all() == 4
        assert tasks.recurring_materialise_all() == 0
    assert occurrence_dates(template) == [date(2025, 1, d) for d in range(1, 26)]
    assert_no_drift(household.ledger)


def test_run_also_stops_at_the_bound(api, user, household, settings):
    settings.RECURRING_MAX_CATCH_UP = 5
    with time_machine.travel(datetime(2025, 1, 1, 12, tzinfo=UTC), tick=False):
        client = api.as_user(user)
        template = client.post(recurring_path(household.ledger), daily(household, date(2025, 1, 1)))
        template = template.json()["id"]
    with time_machine.travel(datetime(2025, 1, 9, 12, tzinfo=UTC), tick=False):
        client = api.as_user(user)
        path = recurring_path(household.ledger, template, "run")
        assert client.post(path).json() == {"created": 5, "next_date": "2025-01-07"}
        assert client.post(path).json() == {"created": 3, "next_date": "2025-01-10"}
