"""The `seed` and `clear` management commands."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Max, Min, Sum
from django.utils import timezone

from budget.accounts.models import User
from budget.money import selectors
from budget.money.models import (
    Allocation,
    AllocationStatus,
    Bucket,
    Category,
    Kind,
    Rollup,
    Transaction,
    Wallet,
)
from budget.money.services import DEFAULT_CATEGORIES

pytestmark = pytest.mark.django_db

EMAIL = "seed@example.com"


def run(command: str, *args: str) -> str:
    out = StringIO()
    call_command(command, *args, "--email", EMAIL, stdout=out)
    return out.getvalue()


def demo_ledger():
    return User.objects.get(email=EMAIL).default_ledger


@pytest.fixture
def seeded():
    run("seed")
    return demo_ledger()


def test_seed_registers_the_user_and_builds_a_household(seeded):
    assert set(seeded.wallets.values_list("name", "kind")) == {
        ("Checking account", "virtual"),
        ("Savings account", "virtual"),
        ("Cash", "physical"),
        ("Loan to Sam", "loan"),
    }
    percents = dict(seeded.buckets.values_list("name", "allocation_percent"))
    assert percents.pop("Unallocated") is None
    assert sum(percents.values()) == 90
    kinds = set(Transaction.objects.filter(ledger=seeded).values_list("kind", flat=True))
    assert kinds == {Kind.INCOME, Kind.EXPENSE, Kind.TRANSFER, Kind.ADJUSTMENT}
    assert Transaction.objects.filter(ledger=seeded, kind=Kind.TRANSFER, from_bucket__isnull=False)
    assert Transaction.objects.filter(ledger=seeded, to_wallet__kind="loan").exists()
    assert Transaction.objects.filter(ledger=seeded).exclude(tags=[]).exists()


def test_seed_keeps_wallet_and_bucket_totals_equal(seeded):
    wallets = sum(w.balance for w in selectors.wallets_of(ledger=seeded))
    buckets = sum(b.balance for b in selectors.buckets_of(ledger=seeded))
    assert wallets == buckets
    assert wallets > 0


def test_seed_allocates_every_income(seeded):
    incomes = Transaction.objects.filter(ledger=seeded, kind=Kind.INCOME)
    assert incomes.count() >= 24
    assert not incomes.exclude(allocation_status=AllocationStatus.ALLOCATED).exists()
    split = Allocation.objects.filter(transaction__ledger=seeded).aggregate(total=Sum("amount"))
    assert 0 < split["total"] < incomes.aggregate(total=Sum("amount"))["total"]


def test_seed_spans_two_years_ending_today(seeded):
    today = timezone.localdate()
    span = Transaction.objects.filter(ledger=seeded).aggregate(first=Min("date"), last=Max("date"))
    assert today - timedelta(days=731) <= span["first"] <= today - timedelta(days=700)
    assert today - timedelta(days=10) <= span["last"] <= today


def test_seed_plans_budgets_goals_and_next_months_payments(seeded):
    from budget.planning.models import Budget, Goal, RecurringTransaction

    budgets = Budget.objects.filter(ledger=seeded).values_list("category__name", flat=True)
    assert set(budgets) == {"Groceries", "Leisure", "Transport"}
    assert Goal.objects.filter(ledger=seeded).count() == 2
    today = timezone.localdate()
    templates = RecurringTransaction.objects.filter(ledger=seeded)
    assert {t.description for t in templates} == {"Salary ACME GmbH", "Rent", "Internet"}
    # They start next month, so they make nothing the history already holds.
    assert all(t.next_date > today and t.next_date.day in (1, 12, 25) for t in templates)
    assert not Transaction.objects.filter(ledger=seeded, recurring__isnull=False).exists()


def test_seed_twice_adds_nothing(seeded):
    count = Transaction.objects.filter(ledger=seeded).count()
    assert "nothing to do" in run("seed")
    assert Transaction.objects.filter(ledger=seeded).count() == count
    assert Wallet.objects.filter(ledger=seeded).count() == 4


def test_seed_is_deterministic_for_a_seed():
    run("seed", "--seed", "7")
    first = list(
        Transaction.objects.filter(ledger=demo_ledger())
        .order_by("date", "kind", "amount")
        .values_list("date", "kind", "amount", "description")
    )
    run("clear", "--all-demo", "--yes")
    run("seed", "--seed", "7")
    second = list(
        Transaction.objects.filter(ledger=demo_ledger())
        .order_by("date", "kind", "amount")
        .values_list("date", "kind", "amount", "description")
    )
    assert first == second


def test_seed_tops_up_to_exactly_the_requested_count(seeded):
    output = run("seed", "--transactions", "3000")
    assert "3000 transactions" in output
    assert Transaction.objects.filter(ledger=seeded).count() == 3000
    assert not Transaction.objects.filter(
        ledger=seeded, allocation_status=AllocationStatus.PENDING
    ).exists()
    wallets = sum(w.balance for w in selectors.wallets_of(ledger=seeded))
    assert wallets == sum(b.balance for b in selectors.buckets_of(ledger=seeded))
    assert "nothing to do" in run("seed", "--transactions", "3000")


def test_seed_uses_an_existing_users_default_ledger(make_user):
    user = make_user(EMAIL)
    run("seed")
    assert Wallet.objects.filter(ledger=user.default_ledger).count() == 4


def test_clear_leaves_the_ledger_as_new(seeded):
    output = run("clear", "--yes")
    assert "transactions deleted" in output
    assert not Transaction.objects.filter(ledger=seeded).exists()
    assert not Wallet.objects.filter(ledger=seeded).exists()
    assert not Rollup.objects.filter(ledger=seeded).exists()
    assert list(Bucket.objects.filter(ledger=seeded).values_list("name", "is_system")) == [
        ("Unallocated", True)
    ]
    assert sorted(Category.objects.filter(ledger=seeded).values_list("name", flat=True)) == sorted(
        name for names in DEFAULT_CATEGORIES.values() for name in names
    )
    assert User.objects.filter(email=EMAIL).exists()
    run("seed")  # and it can be seeded again
    assert Wallet.objects.filter(ledger=seeded).count() == 4


def test_clear_makes_cached_reports_fresh(seeded, api):
    owner = api.as_user(User.objects.get(email=EMAIL))
    path = f"/ledgers/{seeded.pk}/reports/balances"
    assert owner.get(path).json()["wallets"]  # now cached under the ledger's version
    run("clear", "--yes")
    assert owner.get(path).json()["wallets"] == []


def test_clear_all_demo_deletes_the_user_and_ledger(seeded):
    run("clear", "--all-demo", "--yes")
    assert not User.objects.filter(email=EMAIL).exists()
    assert not type(seeded).objects.filter(pk=seeded.pk).exists()


def test_clear_asks_before_deleting(seeded, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Cancelled"):
        run("clear")
    assert Transaction.objects.filter(ledger=seeded).exists()


@pytest.mark.parametrize("command", ["seed", "clear"])
def test_commands_refuse_in_production(settings, command):
    settings.IS_PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        run(command, "--yes") if command == "clear" else run(command)
    assert not User.objects.filter(email=EMAIL).exists()
