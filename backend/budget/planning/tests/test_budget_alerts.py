"""Budget alerts: crossing alert_percent, and crossing 100 %, notifies every owner and editor
once per budget, month and threshold — from the task queued on commit by expense writes,
and from the daily check (SPEC §8)."""

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection, connections
from django.utils import timezone
from django_q.models import Schedule, Task
from tests.helpers import assert_ledger_of_parent

from budget.common.schedules import schedules_apply
from budget.ledgers.models import Membership
from budget.ledgers.services import ledger_create
from budget.money import services as money
from budget.money.models import Transaction
from budget.money.tests.helpers import Household, expense, income, post_ok, transfer, tx_path
from budget.notifications.models import Notification
from budget.planning import services, tasks
from budget.planning.models import Budget, BudgetAlert
from budget.planning.tests.helpers import spend

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)
TASK = "budget.planning.tasks.budget_alerts_task"


@pytest.fixture(autouse=True)
def _in_march_2025():
    """Alerts are news for this month and the last only: the tests live in March 2025."""
    with time_machine.travel(datetime(2025, 3, 15, 12, tzinfo=UTC)):
        yield


@pytest.fixture
def family(household, make_user):
    """The household's owner (alice), an editor, a second owner and a viewer."""
    editor = make_user("eddie@example.com")
    owner2 = make_user("olga@example.com")
    viewer = make_user("vera@example.com")
    Membership.objects.create(ledger=household.ledger, user=editor, role="editor")
    Membership.objects.create(ledger=household.ledger, user=owner2, role="owner")
    Membership.objects.create(ledger=household.ledger, user=viewer, role="viewer")
    return {"editor": editor, "owner2": owner2, "viewer": viewer}


def budget(h: Household, amount: str = "100.00", **extra) -> Budget:
    return services.budget_create(
        ledger=h.ledger,
        category=extra.pop("category", h.groceries.pk),
        amount=Decimal(amount),
        start_month=extra.pop("start_month", date(2025, 1, 1)),
        **extra,
    )


def test_months_before_last_month_are_history_and_send_nothing(household, family):
    h = household
    budget(h, start_month=date(2024, 1, 1))
    spend(h, "150.00", date(2025, 1, 10))  # January: two months back
    spend(h, "85.00", date(2025, 2, 10))  # February: last month, still news
    assert check(h, date(2025, 1, 1), date(2025, 2, 1)) == 1
    assert {n.data["month"] for n in Notification.objects.all()} == {"2025-02"}


def check(h: Household, *months: date) -> int:
    return services.budget_alerts_check(ledger_id=h.ledger.pk, months=list(months or [MARCH]))


def sent(**filters) -> list[tuple[str, str]]:
    """(recipient email, kind) of every notification, sorted."""
    return sorted(
        Notification.objects.filter(**filters).values_list("user__email", "kind"),
    )


def everyone(kind: str) -> list[tuple[str, str]]:
    """The owners and the editor of the family, not the viewer."""
    emails = ["alice@example.com", "eddie@example.com", "olga@example.com"]
    return [(email, kind) for email in emails]


# --- The check --------------------------------------------------------------------------------


def test_reaching_alert_percent_warns_every_owner_and_editor_but_no_viewer(household, family):
    h = household
    budget(h)
    spend(h, "79.99", date(2025, 3, 5))
    assert check(h) == 0
    spend(h, "0.01", date(2025, 3, 6))
    assert check(h) == 1
    assert sent() == everyone("budget_warning")
    notification = Notification.objects.filter(user=family["editor"]).get()
    assert notification.ledger_id == h.ledger.pk
    assert notification.title == "Budget warning: Groceries at 80.00 %"
    assert "80.00 of 100.00 EUR spent on Groceries in March 2025" in notification.message
    assert notification.data == {
        "budget": str(Budget.objects.get().pk),
        "category": str(h.groceries.pk),
        "category_name": "Groceries",
        "month": "2025-03",
        "threshold": "warning",
        "limit": "100.00",
        "carried": "0.00",
        "available": "100.00",
        "spent": "80.00",
        "percent_used": "80.00",
    }


def test_each_threshold_is_sent_once_per_budget_and_month(household, family):
    h = household
    budget(h)
    spend(h, "85.00", date(2025, 3, 5))
    assert check(h) == 1
    assert check(h) == 0  # the same check again
    spend(h, "15.00", date(2025, 3, 6))  # exactly 100 %: still a warning
    assert check(h) == 0
    spend(h, "0.01", date(2025, 3, 7))  # over 100 %
    assert check(h) == 1
    assert check(h) == 0
    assert sent(user=family["editor"]) == [
        ("eddie@example.com", "budget_exceeded"),
        ("eddie@example.com", "budget_warning"),
    ]
    exceeded = Notification.objects.get(user=family["editor"], kind="budget_exceeded")
    assert exceeded.title == "Budget exceeded: Groceries"
    assert "over the budget of 100.00 EUR by 0.01 EUR" in exceeded.message
    # Falling back under the limit and crossing it again in the same month sends nothing.
    money.transaction_delete(tx=Transaction.objects.get(amount=Decimal("0.01")))
    spend(h, "5.00", date(2025, 3, 8))
    assert check(h) == 0
    assert BudgetAlert.objects.count() == 2


def test_jumping_past_both_thresholds_sends_only_exceeded(household, family):
    h = household
    budget(h)
    spend(h, "120.00", date(2025, 3, 5))
    assert check(h) == 1
    assert sent() == everyone("budget_exceeded")
    assert set(BudgetAlert.objects.values_list("threshold", flat=True)) == {"warning", "exceeded"}


def test_every_month_and_budget_is_its_own(household, family):
    h = household
    budget(h)
    budget(h, "50.00", category=h.category("Leisure").pk)
    spend(h, "90.00", date(2025, 2, 5))
    spend(h, "90.00", date(2025, 3, 5))
    spend(h, "60.00", date(2025, 3, 5), category="Leisure")
    assert check(h, date(2025, 2, 1), MARCH) == 3
    by_month = sorted(
        (n.data["month"], n.data["category_name"], n.kind)
        for n in Notification.objects.filter(user=family["editor"])
    )
    assert by_month == [
        ("2025-02", "Groceries", "budget_warning"),
        ("2025-03", "Groceries", "budget_warning"),
        ("2025-03", "Leisure", "budget_exceeded"),
    ]


def test_budgets_not_active_that_month_are_not_checked(household, family):
    h = household
    budget(h, start_month=date(2025, 4, 1))
    spend(h, "500.00", date(2025, 3, 5))
    assert check(h) == 0
    assert not Notification.objects.exists()


def test_deleting_a_budget_keeps_its_notifications(household, family):
    h = household
    b = budget(h)
    spend(h, "500.00", date(2025, 3, 5))
    check(h)
    services.budget_delete(budget=b)
    assert not BudgetAlert.objects.exists()
    assert Notification.objects.count() == 3


def test_a_budget_moved_to_another_category_alerts_for_that_category(household, family):
    """The alerts already sent were about the old category's spending: the new one's
    crossing is news, in the same months too."""
    h = household
    b = budget(h)
    spend(h, "90.00", date(2025, 3, 5))
    spend(h, "95.00", date(2025, 3, 5), category="Leisure")
    assert check(h) == 1
    services.budget_update(budget=b, changes={"category": h.category("Leisure").pk})
    assert check(h) == 1
    assert sorted(
        n.data["category_name"] for n in Notification.objects.filter(user=family["editor"])
    ) == ["Groceries", "Leisure"]
    services.budget_update(budget=b, changes={"amount": Decimal("96.00")})  # same category
    assert check(h) == 0


def test_a_deleted_ledger_is_nothing_to_check(household):
    ledger_id = household.ledger.pk
    household.ledger.delete()
    assert services.budget_alerts_check(ledger_id=ledger_id, months=[MARCH]) == 0


def test_mail_goes_to_opted_in_owners_and_editors_only(
    household, family, mailoutbox, django_capture_on_commit_callbacks
):
    h = household
    for user in (family["editor"], family["viewer"]):
        user.email_notifications = True
        user.email_verified_at = timezone.now()  # alerts are mailed to verified addresses only
        user.save()
    budget(h)
    spend(h, "85.00", date(2025, 3, 5))
    with django_capture_on_commit_callbacks(execute=True):
        check(h)
    assert [m.to for m in mailoutbox] == [["eddie@example.com"]]
    assert mailoutbox[0].subject == "Budget warning: Groceries at 85.00 %"


# --- Queued on commit by expense writes -------------------------------------------------------


def budget_tasks() -> list[tuple]:
    """The budget checks the writes queued (run at once: the test settings' sync mode)."""
    return [t.args for t in Task.objects.filter(func=TASK).order_by("started")]


def test_posting_an_expense_queues_one_check_that_notifies(
    owner_api, household, family, django_capture_on_commit_callbacks
):
    h = household
    budget(h)
    with django_capture_on_commit_callbacks(execute=True):
        post_ok(owner_api, h.ledger, expense(h, "40.00"))
    assert budget_tasks() == [(str(h.ledger.pk), ["2025-03-01"])]
    assert not Notification.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        post_ok(owner_api, h.ledger, expense(h, "45.00"))
    assert sent() == everyone("budget_warning")


def test_changing_an_expense_queues_a_check(
    owner_api, household, family, django_capture_on_commit_callbacks
):
    h = household
    budget(h)
    tx = post_ok(owner_api, h.ledger, expense(h, "10.00"))
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.patch(tx_path(h.ledger, tx["id"]), {"amount": "150.00"})
    assert response.status_code == 200
    assert sent() == everyone("budget_exceeded")


def test_moving_an_expense_to_a_budgeted_category_queues_a_check(
    owner_api, household, family, django_capture_on_commit_callbacks
):
    h = household
    budget(h)
    tx = post_ok(owner_api, h.ledger, expense(h, "90.00", category=str(h.category("Health").pk)))
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.patch(tx_path(h.ledger, tx["id"]), {"category": str(h.groceries.pk)})
    assert sent() == everyone("budget_warning")


def test_writes_without_an_expense_queue_no_check(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    budget(h)
    with django_capture_on_commit_callbacks(execute=True):
        post_ok(owner_api, h.ledger, income(h, "100.00", bucket=str(h.savings.pk)))
        post_ok(owner_api, h.ledger, transfer(h))
        tx = post_ok(owner_api, h.ledger, income(h, "5.00", bucket=str(h.savings.pk)))
        owner_api.patch(tx_path(h.ledger, tx["id"]), {"amount": "6.00"})
    assert budget_tasks() == []


def test_a_budget_created_or_lowered_is_checked_at_once_for_the_current_month(
    api, user, household, family, django_capture_on_commit_callbacks
):
    """Not only at the next daily check: the family hears of it when the limit is set."""
    h = household
    spend(h, "90.00", date(2025, 2, 10))  # a month before: not news now
    spend(h, "90.00", MARCH)
    path = f"/ledgers/{h.ledger.pk}/budgets"
    body = {"category": str(h.groceries.pk), "amount": "100.00", "start_month": "2025-01"}
    with time_machine.travel(datetime(2025, 3, 20, 12, tzinfo=UTC), tick=False):
        owner_api = api.as_user(user)  # a token of that day
        with django_capture_on_commit_callbacks(execute=True):
            created = owner_api.post(path, body).json()
        assert sent() == everyone("budget_warning")
        assert budget_tasks() == [(str(h.ledger.pk), ["2025-03-01"])]
        with django_capture_on_commit_callbacks(execute=True):
            owner_api.patch(f"{path}/{created['id']}", {"amount": "80.00"})
        assert sent(kind="budget_exceeded") == everyone("budget_exceeded")
        # A budget that only starts next month has nothing to say yet.
        leisure = {**body, "category": str(h.category("Leisure").pk), "start_month": "2025-04"}
        with django_capture_on_commit_callbacks(execute=True):
            assert owner_api.post(path, leisure).status_code == 201
    assert len(budget_tasks()) == 2


def test_a_bulk_write_queues_one_check_for_all_its_months(
    owner_api, household, family, django_capture_on_commit_callbacks
):
    h = household
    budget(h)
    items = [
        expense(h, "90.00", date="2025-02-10"),
        expense(h, "10.00", date="2025-03-10"),
        expense(h, "85.00", date="2025-03-11"),
        income(h, "10.00"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(f"/ledgers/{h.ledger.pk}/transactions/bulk", {"items": items})
    assert response.status_code == 201, response.content
    assert budget_tasks() == [(str(h.ledger.pk), ["2025-02-01", "2025-03-01"])]
    assert sorted(n.data["month"] for n in Notification.objects.filter(user=family["editor"])) == [
        "2025-02",
        "2025-03",
    ]


def test_recurring_expenses_are_checked_too(household, family, django_capture_on_commit_callbacks):
    h = household
    budget(h, "1000.00")
    with (
        time_machine.travel(datetime(2025, 3, 20, 12, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.recurring_create(
            ledger=h.ledger,
            kind="expense",
            amount=Decimal("100.00"),
            wallet=h.bank.pk,
            category=h.groceries.pk,
            frequency="daily",
            interval=1,
            start_date=date(2025, 3, 1),
        )
    assert len(budget_tasks()) == 1
    assert sent() == everyone("budget_exceeded")  # 2000.00 of 1000.00


# --- The daily check --------------------------------------------------------------------------


def test_the_daily_check_covers_the_current_month_of_every_ledger(household, family, make_user):
    h = household
    budget(h)
    other = make_user("zed@example.com").default_ledger
    services.budget_create(
        ledger=other,
        category=other.categories.get(name="Housing").pk,
        amount=Decimal("10.00"),
        start_month=date(2025, 1, 1),
    )
    wallet = money.wallet_create(ledger=other, name="Bank", kind="virtual")
    spend(h, "500.00", date(2025, 2, 5))  # last month: not the daily check's business
    spend(h, "85.00", date(2025, 3, 5))
    money.transaction_create(
        ledger=other,
        data={
            "kind": "expense",
            "date": date(2025, 3, 9),
            "amount": Decimal("10.01"),
            "wallet": wallet.pk,
            "category": other.categories.get(name="Housing").pk,
        },
    )
    with time_machine.travel(datetime(2025, 3, 31, 23, tzinfo=UTC), tick=False):
        assert tasks.budget_alerts_daily() == 2
        assert tasks.budget_alerts_daily() == 0
    assert sent(ledger=h.ledger) == everyone("budget_warning")
    assert sent(ledger=other) == [("zed@example.com", "budget_exceeded")]
    assert {n.data["month"] for n in Notification.objects.all()} == {"2025-03"}


def test_the_daily_check_writes_each_alert_in_its_budgets_ledger(household, make_user):
    """README "Distributing by ledger": an alert row carries its budget's ledger_id."""
    h = household
    budget(h)
    other = make_user("zed@example.com").default_ledger
    housing = other.categories.get(name="Housing")
    services.budget_create(
        ledger=other, category=housing.pk, amount=Decimal("10.00"), start_month=MARCH
    )
    wallet = money.wallet_create(ledger=other, name="Bank", kind="virtual")
    spend(h, "150.00", date(2025, 3, 5))
    money.transaction_create(
        ledger=other,
        data={
            "kind": "expense",
            "date": date(2025, 3, 9),
            "amount": Decimal("10.01"),
            "wallet": wallet.pk,
            "category": housing.pk,
        },
    )

    with time_machine.travel(datetime(2025, 3, 31, 23, tzinfo=UTC), tick=False):
        assert tasks.budget_alerts_daily() == 2

    # Both thresholds in each ledger (the warning recorded with the exceeded alert).
    pairs = assert_ledger_of_parent(BudgetAlert, "budget", at_least=4)
    assert len(pairs) == 4
    assert {own for own, _ in pairs} == {h.ledger.pk, other.pk}


def test_the_daily_schedule_is_created_by_migrate():
    schedule = Schedule.objects.get(name="budget alerts")
    assert schedule.func == "budget.planning.tasks.budget_alerts_daily"
    assert schedule.schedule_type == Schedule.DAILY
    assert schedule.repeats == -1
    assert schedule.next_run is not None


def test_the_schedule_migration_is_idempotent():
    Schedule.objects.filter(name="budget alerts").update(func="old.path", next_run=None)
    schedules_apply()
    schedules_apply()
    schedule = Schedule.objects.get(name="budget alerts")
    assert schedule.func == "budget.planning.tasks.budget_alerts_daily"


# --- Two workers at once ----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_workers_checking_at_once_send_each_alert_once(household, family):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent inserts on one unique key are what is tested: PostgreSQL only")
    h = household
    budget(h)
    budget(h, "50.00", category=h.category("Leisure").pk)
    spend(h, "90.00", date(2025, 3, 5))
    spend(h, "75.00", date(2025, 3, 5), category="Leisure")
    Notification.objects.all().delete()  # the on-commit checks of the expenses above
    BudgetAlert.objects.all().delete()
    barrier = threading.Barrier(4)
    results: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(check(h))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(results) == 2
    assert BudgetAlert.objects.count() == 3  # Groceries warning; Leisure warning + exceeded
    assert sent(user=family["editor"]) == [
        ("eddie@example.com", "budget_exceeded"),
        ("eddie@example.com", "budget_warning"),
    ]
    assert Notification.objects.count() == 6


@pytest.mark.parametrize(
    ("currency", "limit", "spent", "text", "data"),
    [
        ("KWD", "1.250", "1.001", "1.001 of 1.250 KWD", ("1.250", "1.001", "0.000")),
        ("JPY", "1250", "1001", "1001 of 1250 JPY", ("1250", "1001", "0")),
    ],
)
def test_an_alert_writes_amounts_with_the_ledger_currency_s_decimals(
    user, currency, limit, spent, text, data
):
    """SPEC §14: "1.001 of 1.250 KWD", never the rounded "1.00 of 1.25"."""
    ledger = ledger_create(name="Abroad", owner=user, currency=currency)
    wallet = money.wallet_create(ledger=ledger, name="Cash", kind="physical")
    groceries = ledger.categories.get(name="Groceries")
    services.budget_create(
        ledger=ledger, category=groceries.pk, amount=Decimal(limit), start_month=MARCH
    )
    money.transaction_create(
        ledger=ledger,
        data={
            "kind": "expense",
            "date": date(2025, 3, 5),
            "amount": Decimal(spent),
            "wallet": wallet.pk,
            "category": groceries.pk,
        },
    )
    assert services.budget_alerts_check(ledger_id=ledger.pk, months=[MARCH]) == 1
    notification = Notification.objects.get(ledger=ledger)
    assert f"{text} spent on Groceries in March 2025" in notification.message
    assert (
        notification.data["limit"],
        notification.data["spent"],
        notification.data["carried"],
    ) == data
