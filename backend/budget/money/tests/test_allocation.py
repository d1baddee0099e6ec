import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, connections
from django_q.models import Schedule

from budget.money import services, tasks
from budget.money.models import Allocation, AllocationStatus, Transaction
from budget.money.tests.helpers import income, tx_path

pytestmark = pytest.mark.django_db


def make_income(h, amount="100.00", **extra) -> Transaction:
    body = income(h, amount, **extra)
    body["amount"], body["date"] = Decimal(body["amount"]), date.fromisoformat(body["date"])
    return services.transaction_create(ledger=h.ledger, data=body)


def parts(tx: Transaction) -> dict[str, Decimal]:
    return {
        a.bucket.name: a.amount
        for a in Allocation.objects.filter(transaction=tx).select_related("bucket")
    }


def test_run_endpoint_allocates_every_pending_income(owner_api, household):
    incomes = [make_income(household, f"{n}0.00") for n in range(1, 4)]
    response = owner_api.post(f"/ledgers/{household.ledger.pk}/allocations/run")
    assert response.status_code == 200
    assert response.json() == {"allocated": 3}
    assert {
        t.allocation_status for t in Transaction.objects.filter(pk__in=[i.pk for i in incomes])
    } == {"allocated"}
    assert owner_api.post(f"/ledgers/{household.ledger.pk}/allocations/run").json() == {
        "allocated": 0
    }


def test_run_endpoint_touches_only_its_ledger(owner_api, household, stranger):
    make_income(household)
    other = Transaction.objects.create(
        ledger=stranger.default_ledger,
        kind="income",
        date=date(2025, 1, 1),
        amount=Decimal("5.00"),
        allocation_status=AllocationStatus.PENDING,
        wallet=services.wallet_create(ledger=stranger.default_ledger, name="W", kind="virtual"),
        category=stranger.default_ledger.categories.get(name="Salary"),
    )
    owner_api.post(f"/ledgers/{household.ledger.pk}/allocations/run")
    other.refresh_from_db()
    assert other.allocation_status == "pending"


def test_allocating_twice_allocates_once(household):
    tx = make_income(household, "100.00")
    assert tasks.incomes_allocate_task([str(tx.pk)]) == 1
    assert tasks.incomes_allocate_task([str(tx.pk)]) == 0
    assert Allocation.objects.filter(transaction=tx).count() == 3
    assert parts(tx) == {
        "Bills": Decimal("50.00"),
        "Savings": Decimal("20.00"),
        "Fun": Decimal("10.00"),
    }


def test_sweep_allocates_incomes_whose_task_was_lost(household):
    lost = [make_income(household, "10.00"), make_income(household, "20.00")]  # no on-commit ran
    assert tasks.allocation_sweep() == 2
    for tx in lost:
        tx.refresh_from_db()
        assert tx.allocation_status == "allocated"


def test_sweep_schedule_is_created_by_migrate():
    schedule = Schedule.objects.get(func="budget.money.tasks.allocation_sweep")
    assert schedule.schedule_type == Schedule.MINUTES
    assert schedule.minutes == 5
    assert schedule.repeats == -1


def test_allocated_incomes_keep_their_split_when_percents_change(owner_api, household):
    tx = make_income(household, "100.00")
    services.incomes_allocate(ledger=household.ledger)
    services.bucket_percents_set(
        ledger=household.ledger,
        percents={household.bills.pk: Decimal("0.00"), household.fun.pk: Decimal("70.00")},
    )
    assert parts(tx) == {
        "Bills": Decimal("50.00"),
        "Savings": Decimal("20.00"),
        "Fun": Decimal("10.00"),
    }
    later = make_income(household, "100.00")
    services.incomes_allocate(ledger=household.ledger)
    assert parts(later) == {"Savings": Decimal("20.00"), "Fun": Decimal("70.00")}


def test_archived_buckets_take_no_share(household):
    services.bucket_update(bucket=household.bills, archived=True)
    tx = make_income(household, "100.00")
    services.incomes_allocate(ledger=household.ledger)
    assert parts(tx) == {"Savings": Decimal("20.00"), "Fun": Decimal("10.00")}


def test_zero_percent_bucket_gets_no_row(household):
    services.bucket_update(bucket=household.fun, allocation_percent=Decimal("0.00"))
    tx = make_income(household, "0.03")
    services.incomes_allocate(ledger=household.ledger)
    assert "Fun" not in parts(tx)


def test_income_with_explicit_bucket_is_never_split(household):
    tx = make_income(household, "100.00", bucket=str(household.savings.pk))
    assert services.incomes_allocate(ledger=household.ledger) == 0
    tx.refresh_from_db()
    assert tx.allocation_status == "not_applicable"
    assert not Allocation.objects.exists()


def test_pending_allocation_counts_in_unallocated_until_split(owner_api, household):
    make_income(household, "100.00")
    buckets = {
        b["name"]: b["balance"]
        for b in owner_api.get(f"/ledgers/{household.ledger.pk}/buckets").json()["items"]
    }
    assert buckets["Unallocated"] == "100.00"
    services.incomes_allocate(ledger=household.ledger)
    buckets = {
        b["name"]: b["balance"]
        for b in owner_api.get(f"/ledgers/{household.ledger.pk}/buckets").json()["items"]
    }
    assert buckets == {"Unallocated": "20.00", "Savings": "20.00", "Fun": "10.00", "Bills": "50.00"}


def test_allocation_of_many_incomes_in_batches(household):
    body = income(household, "1.00")
    body["amount"], body["date"] = Decimal("1.00"), date(2025, 1, 1)
    services.transactions_create(
        ledger=household.ledger, items=[dict(body) for _ in range(1200)], bulk=True
    )
    assert services.incomes_allocate(ledger=household.ledger) == 1200
    assert not Transaction.objects.filter(allocation_status="pending").exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_the_same_income_allocate_it_once(household, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are what is tested here: PostgreSQL only")
    monkeypatch.setattr(services, "_allocation_enqueue", lambda ids: None)  # leave it pending
    tx = make_income(household, "100.00")
    barrier = threading.Barrier(4)
    results: list[int] = []

    def worker() -> None:
        try:
            barrier.wait()
            results.append(tasks.incomes_allocate_task([str(tx.pk)]))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [0, 0, 0, 1]
    assert Allocation.objects.filter(transaction=tx).count() == 3
    tx.refresh_from_db()
    assert tx.allocation_status == "allocated"


def test_transaction_list_shows_allocations(owner_api, household):
    tx = make_income(household, "100.00")
    services.incomes_allocate(ledger=household.ledger)
    body = owner_api.get(tx_path(household.ledger, tx.pk)).json()
    assert body["allocations"] == [
        {"bucket": str(household.bills.pk), "bucket_name": "Bills", "amount": "50.00"},
        {"bucket": str(household.savings.pk), "bucket_name": "Savings", "amount": "20.00"},
        {"bucket": str(household.fun.pk), "bucket_name": "Fun", "amount": "10.00"},
    ]
