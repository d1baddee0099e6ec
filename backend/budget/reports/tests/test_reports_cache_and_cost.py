"""Reports cost a fixed number of queries, are cached under the ledger version, and are
never stale; the rollup stays equal to a fresh aggregation under concurrent writers."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings

from budget.ledgers.models import Ledger
from budget.money import services
from budget.money.models import Category, DailyRollup, Rollup
from budget.money.rollup import rollup_drift

pytestmark = pytest.mark.django_db

REPORTS = [
    ("balances", {}),
    ("monthly", {"year": 2024, "month": 12}),
    ("yearly", {"year": 2024}),
    ("historical", {}),
]


def fill(ledger, *, categories: int, months: int) -> None:
    wallet = services.wallet_create(ledger=ledger, name=f"W{categories}-{months}", kind="virtual")
    bucket = services.bucket_create(
        ledger=ledger, name=f"B{categories}-{months}", allocation_percent=Decimal("10")
    )
    cats = [
        services.category_create(ledger=ledger, name=f"C{categories}-{n}", type="expense")
        for n in range(categories)
    ]
    salary = Category.objects.get(ledger=ledger, name="Salary")
    items = []
    for m in range(months):
        day = date(2024 - m // 12, 12 - m % 12, 5)
        items.append(
            {
                "kind": "income",
                "date": day,
                "amount": Decimal("100.00"),
                "wallet": wallet.pk,
                "category": salary.pk,
            }
        )
        items += [
            {
                "kind": "expense",
                "date": day,
                "amount": Decimal("1.25"),
                "wallet": wallet.pk,
                "category": c.pk,
                "bucket": bucket.pk,
            }
            for c in cats
        ]
    services.transactions_create(ledger=ledger, items=items, bulk=True)
    services.incomes_allocate(ledger=ledger)


@pytest.mark.parametrize(("name", "params"), REPORTS)
@override_settings(REPORT_CACHE_SECONDS=0)
def test_report_query_count_does_not_grow(
    owner_api, ledger, name, params, django_assert_max_num_queries
):
    path = f"/ledgers/{ledger.pk}/reports/{name}"
    fill(ledger, categories=2, months=2)
    with django_assert_max_num_queries(8) as small:
        assert owner_api.get(path, params).status_code == 200
    fill(ledger, categories=25, months=40)
    with django_assert_max_num_queries(8) as large:
        assert owner_api.get(path, params).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(("name", "params"), REPORTS)
def test_cached_report_takes_no_report_query(
    owner_api, ledger, name, params, django_assert_max_num_queries
):
    fill(ledger, categories=3, months=3)
    path = f"/ledgers/{ledger.pk}/reports/{name}"
    first = owner_api.get(path, params).json()
    with django_assert_max_num_queries(1):  # user, membership and ledger in one query
        assert owner_api.get(path, params).json() == first


FILTERED = [
    *REPORTS,
    ("net-worth", {"from": "2024-01", "to": "2024-12"}),
    ("trends", {"months": 6}),
]


@pytest.mark.parametrize("by", ["wallet", "bucket"])
@pytest.mark.parametrize(("name", "params"), FILTERED)
def test_cached_filtered_report_is_sent_as_stored_after_one_query(
    owner_api, ledger, name, params, by, django_assert_num_queries
):
    """The wallet or bucket of the filter was looked up when the report was built; the
    cached bytes are sent after the ledger gate's one query, without validating them."""
    fill(ledger, categories=3, months=3)
    scope = (ledger.wallets if by == "wallet" else ledger.buckets).order_by("name").first()
    path = f"/ledgers/{ledger.pk}/reports/{name}"
    query = {**params, by: str(scope.pk)}
    first = owner_api.get(path, query)
    assert first.status_code == 200, first.content
    with django_assert_num_queries(1):  # user, membership and ledger in one query
        again = owner_api.get(path, query)
    assert again.content == first.content
    assert again["Content-Type"] == "application/json"


def test_a_deleted_wallet_is_not_served_from_the_cache(owner_api, ledger):
    fill(ledger, categories=2, months=2)
    empty = services.wallet_create(ledger=ledger, name="Empty", kind="virtual")
    path = f"/ledgers/{ledger.pk}/reports/historical"
    for _ in range(2):  # built, then cached
        assert owner_api.get(path, {"wallet": str(empty.pk)}).status_code == 200
    gone = owner_api.delete(f"/ledgers/{ledger.pk}/wallets/{empty.pk}")
    assert gone.status_code == 204, gone.content
    answer = owner_api.get(path, {"wallet": str(empty.pk)})
    assert answer.status_code == 422
    assert answer.json()["detail"] == "No such wallet in this ledger."


def test_another_ledgers_wallet_or_bucket_is_refused_every_time(owner_api, ledger, make_user):
    other = make_user().default_ledger
    foreign = {
        "wallet": services.wallet_create(ledger=other, name="Theirs", kind="virtual"),
        "bucket": other.buckets.get(is_system=True),
    }
    path = f"/ledgers/{ledger.pk}/reports/balances"
    for by, obj in foreign.items():
        for _ in range(2):  # a refusal is never cached
            answer = owner_api.get(path, {by: str(obj.pk)})
            assert answer.status_code == 422
            assert answer.json()["detail"] == f"No such {by} in this ledger."


def _income(ledger, amount: str, day=date(2024, 5, 10)):
    wallet = ledger.wallets.first() or services.wallet_create(
        ledger=ledger, name="Bank", kind="virtual"
    )
    salary = Category.objects.get(ledger=ledger, name="Salary")
    return services.transaction_create(
        ledger=ledger,
        data={
            "kind": "income",
            "date": day,
            "amount": Decimal(amount),
            "wallet": wallet.pk,
            "category": salary.pk,
        },
    )


@pytest.mark.parametrize("cache_seconds", [600, 0])
def test_a_write_is_visible_in_the_next_report(owner_api, ledger, cache_seconds):
    with override_settings(REPORT_CACHE_SECONDS=cache_seconds):
        path = f"/ledgers/{ledger.pk}/reports/monthly"
        _income(ledger, "10.00")
        assert owner_api.get(path, {"year": 2024, "month": 5}).json()["totals"]["income"] == "10.00"
        tx = _income(ledger, "5.00")
        assert owner_api.get(path, {"year": 2024, "month": 5}).json()["totals"]["income"] == "15.00"
        owner_api.patch(f"/ledgers/{ledger.pk}/transactions/{tx.pk}", {"amount": "6.00"})
        assert owner_api.get(path, {"year": 2024, "month": 5}).json()["totals"]["income"] == "16.00"
        owner_api.delete(f"/ledgers/{ledger.pk}/transactions/{tx.pk}")
        assert owner_api.get(path, {"year": 2024, "month": 5}).json()["totals"]["income"] == "10.00"


def test_allocation_and_renames_invalidate_cached_reports(owner_api, ledger):
    bucket = services.bucket_create(ledger=ledger, name="Savings", allocation_percent=Decimal("50"))
    _income(ledger, "10.00")
    path = f"/ledgers/{ledger.pk}/reports/balances"
    before = {b["name"]: b["balance"] for b in owner_api.get(path).json()["buckets"]}
    assert before == {"Unallocated": "10.00", "Savings": "0.00"}
    services.incomes_allocate(ledger=ledger)  # what the worker does
    after = {b["name"]: b["balance"] for b in owner_api.get(path).json()["buckets"]}
    assert after == {"Unallocated": "5.00", "Savings": "5.00"}
    services.bucket_update(bucket=bucket, name="Rainy day")
    assert "Rainy day" in {b["name"] for b in owner_api.get(path).json()["buckets"]}


def test_ledger_currency_change_invalidates_cached_reports(owner_api, ledger):
    path = f"/ledgers/{ledger.pk}/reports/balances"
    assert owner_api.get(path).json()["currency"] == "EUR"
    response = owner_api.patch(f"/ledgers/{ledger.pk}", {"currency": "USD"})
    assert response.status_code == 200, response.content
    assert owner_api.get(path).json()["currency"] == "USD"


def test_bulk_create_invalidates_cached_reports(owner_api, ledger):
    wallet = services.wallet_create(ledger=ledger, name="Bank", kind="virtual")
    salary = Category.objects.get(ledger=ledger, name="Salary")
    path = f"/ledgers/{ledger.pk}/reports/historical"
    assert owner_api.get(path).json()["years"] == []
    item = {
        "kind": "income",
        "date": "2023-04-01",
        "amount": "1.00",
        "wallet": str(wallet.pk),
        "category": str(salary.pk),
    }
    owner_api.post(f"/ledgers/{ledger.pk}/transactions/bulk", {"items": [item] * 3})
    assert owner_api.get(path).json()["totals"]["income"] == "3.00"


def test_every_money_write_bumps_the_ledger_version(ledger):
    def version():
        return Ledger.objects.values_list("version", flat=True).get(pk=ledger.pk)

    start = version()
    tx = _income(ledger, "1.00")
    assert version() > start
    start = version()
    services.incomes_allocate(ledger=ledger)
    assert version() > start
    start = version()
    services.transaction_delete(tx=tx)
    assert version() > start


def test_rollup_check_finds_and_fixes_drift(ledger, capsys):
    _income(ledger, "10.00")
    call_command("rollup_check")
    Rollup.objects.filter(ledger=ledger).update(amount=Decimal("99.99"))
    with pytest.raises(Exception, match="drifted"):
        call_command("rollup_check")
    assert "rollup keys drifted" in capsys.readouterr().out
    call_command("rollup_check", "--fix")
    assert rollup_drift(ledger_id=ledger.pk) == []


def test_rollup_check_finds_and_fixes_daily_drift(owner_api, ledger, capsys):
    _income(ledger, "10.00")
    DailyRollup.objects.filter(ledger=ledger).update(amount=Decimal("99.99"))
    with pytest.raises(Exception, match="drifted"):
        call_command("rollup_check")
    assert "day 2024-05-10 income" in capsys.readouterr().out
    call_command("rollup_check", "--fix")
    assert rollup_drift(ledger_id=ledger.pk) == []
    days = owner_api.get(f"/ledgers/{ledger.pk}/reports/monthly", {"year": 2024, "month": 5})
    assert days.json()["days"][9] == {"date": "2024-05-10", "income": "10.00", "expense": "0.00"}


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_rollup_exact(ledger, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    monkeypatch.setattr(services, "_allocation_enqueue", lambda ids: None)
    wallet = services.wallet_create(ledger=ledger, name="Bank", kind="virtual")
    services.bucket_create(ledger=ledger, name="Savings", allocation_percent=Decimal("33.33"))
    salary = Category.objects.get(ledger=ledger, name="Salary")
    food = Category.objects.get(ledger=ledger, name="Groceries")
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            barrier.wait()
            made = []
            for i in range(15):
                kind, category = ("income", salary) if (n + i) % 2 else ("expense", food)
                made.append(
                    services.transaction_create(
                        ledger=ledger,
                        data={
                            "kind": kind,
                            "date": date(2024, 1 + i % 3, 1),
                            "amount": Decimal(f"{n + 1}.{i:02d}"),
                            "wallet": wallet.pk,
                            "category": category.pk,
                        },
                    )
                )
                if i % 4 == 0:
                    services.incomes_allocate(ledger=ledger)
                if i % 5 == 0:
                    services.transaction_update(
                        tx=made[0], changes={"amount": Decimal(f"{i + 1}.00")}
                    )
                if i % 7 == 0:
                    services.transaction_delete(tx=made.pop())
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    services.incomes_allocate(ledger=ledger)
    assert rollup_drift(ledger_id=ledger.pk) == []


@pytest.mark.parametrize(("name", "params"), REPORTS[1:])
@override_settings(REPORT_CACHE_SECONDS=0)
def test_a_wallet_report_with_transfers_costs_a_fixed_number_of_queries(
    owner_api, ledger, name, params, django_assert_max_num_queries
):
    """Filtered by a wallet, a report adds one query for its transfers in and out, however
    many there are."""
    home = services.wallet_create(ledger=ledger, name="Home", kind="virtual")
    away = services.wallet_create(ledger=ledger, name="Away", kind="physical")

    def transfers(n: int) -> None:
        services.transactions_create(
            ledger=ledger,
            items=[
                {
                    "kind": "transfer",
                    "date": date(2024 - i % 3, 12 - i % 12, 1 + i % 28),
                    "amount": Decimal("2.50"),
                    "from_wallet": (home, away)[i % 2].pk,
                    "to_wallet": (away, home)[i % 2].pk,
                }
                for i in range(n)
            ],
            bulk=True,
        )

    path = f"/ledgers/{ledger.pk}/reports/{name}"
    query = {**params, "wallet": str(home.pk)}
    transfers(4)
    with django_assert_max_num_queries(9) as small:
        body = owner_api.get(path, query).json()
    assert body["totals"]["transfers_in"] is not None
    transfers(400)
    with django_assert_max_num_queries(9) as large:
        assert owner_api.get(path, query).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
