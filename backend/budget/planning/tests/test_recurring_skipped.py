"""SPEC §14 and the daily recurring job: an occurrence in another currency without an
exchange rate of its date is skipped, and the ledger's owners and editors are told which
template, date and currency, and what to do — once per template and date."""

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db.models import Q

from budget.ledgers.models import Membership
from budget.money import services as money
from budget.money.services import wallet_create
from budget.notifications.models import Notification
from budget.planning import tasks
from budget.planning.models import RecurringTransaction
from budget.planning.tests.helpers import occurrence_dates, recurring_path, rent, salary
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db

MESSAGE = (
    "Alice Adams's budget: the recurring expense 'Tokyo flat' (90000 JPY) due on 2025-03-01 "
    "was not made: there is no JPY→EUR exchange rate for that date or the 7 days before. It "
    "will not be made later by itself: add it under Transactions with its amount in EUR "
    "(what your bank charged), or add the rate first. So that the next occurrences are made, "
    "add JPY rates in Setup → Rates."
)


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False)


@pytest.fixture
def yen_rent(api, user, household, make_user):
    """A monthly rent from a JPY wallet from 1 February, and a salary in EUR; JPY rates of
    1 February and 1 April only (none within 7 days of 1 March). An editor and a viewer
    share the ledger."""
    h = household
    for email, role in (("ed@example.com", "editor"), ("vi@example.com", "viewer")):
        Membership.objects.create(ledger=h.ledger, user=make_user(email), role=role)
    yen = wallet_create(ledger=h.ledger, name="Tokyo", kind="virtual", currency="JPY")
    own_rate(h.ledger, "JPY", date(2025, 2, 1), "0.0061")
    own_rate(h.ledger, "JPY", date(2025, 4, 1), "0.0062")
    with at(date(2025, 1, 15)):
        owner = api.as_user(user)
        body = rent(
            h, wallet=str(yen.pk), amount="90000", start_date="2025-02-01", description="Tokyo flat"
        )
        home = owner.post(recurring_path(h.ledger), body)
        pay = owner.post(recurring_path(h.ledger), salary(h, start_date="2025-02-25"))
    assert (home.status_code, pay.status_code) == (201, 201)
    return h, home.json()


def test_the_owners_and_editors_are_told_of_a_skipped_occurrence(api, user, yen_rent):
    h, home = yen_rent
    with at(date(2025, 4, 10)):
        assert tasks.recurring_materialise_all() == 4  # 2 rents and 2 salaries
    assert occurrence_dates(home["id"]) == [date(2025, 2, 1), date(2025, 4, 1)]
    told = Notification.objects.filter(kind="recurring_skipped").order_by("user__email")
    assert [(n.user.email, n.ledger_id) for n in told] == [
        ("alice@example.com", h.ledger.pk),
        ("ed@example.com", h.ledger.pk),
    ]
    response = api.as_user(user).get("/notifications")
    assert response.status_code == 200
    [item] = response.json()["items"]
    assert item["kind"] == "recurring_skipped"
    assert item["title"] == "Recurring transaction not made: Tokyo flat"
    assert item["message"] == MESSAGE
    assert item["data"] == {
        "template": home["id"],
        "description": "Tokyo flat",
        "date": "2025-03-01",
        "currency": "JPY",
        "base_currency": "EUR",
    }


def test_the_job_run_again_tells_nothing_new_and_a_late_rate_makes_nothing(yen_rent):
    h, home = yen_rent
    with at(date(2025, 4, 10)):
        tasks.recurring_materialise_all()
        assert tasks.recurring_materialise_all() == 0
    assert Notification.objects.filter(kind="recurring_skipped").count() == 2
    # What the message says: a rate that arrives later does not bring the occurrence.
    own_rate(h.ledger, "JPY", date(2025, 3, 1), "0.0061")
    with at(date(2025, 4, 11)):
        assert tasks.recurring_materialise_all() == 0
    assert occurrence_dates(home["id"]) == [date(2025, 2, 1), date(2025, 4, 1)]


def test_a_date_already_told_of_is_not_told_again(yen_rent):
    """Should the job meet a skipped date again (here: the template's occurrences and
    schedule wiped behind its back), its owners and editors are not told twice."""
    h, home = yen_rent
    with at(date(2025, 4, 10)):
        tasks.recurring_materialise_all()
    money.transactions_delete(ledger=h.ledger, filters=Q(recurring_id=home["id"]))
    RecurringTransaction.objects.filter(pk=home["id"]).update(
        last_date=None, next_date=date(2025, 2, 1)
    )
    with at(date(2025, 4, 10)):
        assert tasks.recurring_materialise_all() == 2
    assert occurrence_dates(home["id"]) == [date(2025, 2, 1), date(2025, 4, 1)]
    assert Notification.objects.filter(kind="recurring_skipped").count() == 2


def test_each_skipped_date_is_told_once_and_the_rest_is_made(yen_rent):
    _, home = yen_rent
    with at(date(2025, 3, 20)):  # 1 March skipped (no rate), nothing else due for the rent
        tasks.recurring_materialise_all()
    with at(date(2025, 6, 10)):  # 1 May and 1 June: no rate within 7 days either
        tasks.recurring_materialise_all()
    told = Notification.objects.filter(kind="recurring_skipped", user__email="ed@example.com")
    assert sorted(n.data["date"] for n in told) == ["2025-03-01", "2025-05-01", "2025-06-01"]
    assert occurrence_dates(home["id"]) == [date(2025, 2, 1), date(2025, 4, 1)]


def test_the_activity_log_names_a_template_s_amount_in_its_currency(owner_api, yen_rent):
    h, home = yen_rent
    entries = owner_api.get(
        f"/ledgers/{h.ledger.pk}/activity", {"object_type": "recurring", "object_id": home["id"]}
    ).json()["items"]
    assert [e["summary"] for e in entries] == ["expense 90000 Tokyo flat"]
