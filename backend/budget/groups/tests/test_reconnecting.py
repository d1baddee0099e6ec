"""Connecting again (issue 15): what the participant's earlier connections made in the ledger
is adopted — moved to the new wallets and brought up to date with the expenses as they are
now, deleted expenses' copies removed — never copied twice; what they made in another
ledger stays there as ordinary transactions. In one database transaction, in a fixed
number of queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from tests.helpers import assert_error

from budget.groups import services
from budget.groups.models import Participant
from budget.groups.tests.helpers import (
    assert_ledger_invariants,
    balances,
    connect,
    expense,
    expense_post,
    expenses_add,
    group_create,
    guest_add,
    wallet_balance,
)
from budget.ledgers.services import ledger_create
from budget.money import services as money
from budget.money.models import Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def trip(owner_api, household):
    """Alice's group with two guests; her ledger with two loan wallets, not connected yet."""
    gid = group_create(owner_api)["id"]
    return {
        "gid": gid,
        "alice": owner_api.get(f"/groups/{gid}").json()["me"],
        "bea": guest_add(owner_api, gid, "Bea"),
        "carl": guest_add(owner_api, gid, "Carl"),
        "h": household,
        "loan": money.wallet_create(ledger=household.ledger, name="Trip", kind="loan"),
        "loan2": money.wallet_create(ledger=household.ledger, name="Trip too", kind="loan"),
    }


def connected(owner_api, t, loan, pay, ledger=None) -> None:
    response = connect(owner_api, t["gid"], t["alice"], ledger or t["h"].ledger, loan, pay)
    assert response.status_code == 200, response.content


def disconnect(owner_api, t) -> None:
    path = f"/groups/{t['gid']}/participants/{t['alice']}/ledger"
    assert owner_api.delete(path).status_code == 204


def mirrors(ledger):
    return Transaction.objects.filter(ledger=ledger, group_expense__isnull=False)


def touching(ledger, wallet) -> int:
    return (
        Transaction.objects.filter(ledger=ledger, wallet=wallet).count()
        + Transaction.objects.filter(ledger=ledger, from_wallet=wallet).count()
        + Transaction.objects.filter(ledger=ledger, to_wallet=wallet).count()
    )


def in_step(owner_api, t, ledger, loan) -> None:
    """The loan wallet is the group balance and the ledger's books hold."""
    assert wallet_balance(loan) == Decimal(balances(owner_api, t["gid"])[t["alice"]])
    assert_ledger_invariants(ledger)


def test_another_loan_wallet_takes_over_the_copies_instead_of_duplicating(owner_api, trip):
    t = trip
    connected(owner_api, t, t["loan"], t["h"].bank)
    expenses_add(owner_api, t, 6)
    before = set(mirrors(t["h"].ledger).values_list("pk", flat=True))
    assert len(before) == 6 + 2
    disconnect(owner_api, t)
    connected(owner_api, t, t["loan2"], t["h"].cash)  # other loan and pay wallets
    assert set(mirrors(t["h"].ledger).values_list("pk", flat=True)) == before  # moved
    assert touching(t["h"].ledger, t["loan"]) == touching(t["h"].ledger, t["h"].bank) == 0
    assert touching(t["h"].ledger, t["loan2"]) == 8
    assert wallet_balance(t["loan"]) == 0
    in_step(owner_api, t, t["h"].ledger, t["loan2"])
    # Connecting straight over a live connection does the same, and the new wallets hold.
    connected(owner_api, t, t["loan"], t["h"].bank)
    assert touching(t["h"].ledger, t["loan"]) == 8
    share = mirrors(t["h"].ledger).filter(kind="expense").first()
    patch = owner_api.patch(f"/ledgers/{t['h'].ledger.pk}/transactions/{share.pk}", {"notes": "x"})
    assert_error(patch, 409, "mirrored_transaction")
    in_step(owner_api, t, t["h"].ledger, t["loan"])


def test_another_ledger_gets_its_own_copies_and_the_first_keeps_its_own(owner_api, trip, user):
    t = trip
    first = t["h"].ledger
    second = ledger_create(name="Travel", owner=user)
    loan = money.wallet_create(ledger=second, name="Trip", kind="loan")
    bank = money.wallet_create(ledger=second, name="Bank", kind="virtual")
    connected(owner_api, t, t["loan"], t["h"].bank)
    expenses_add(owner_api, t, 3)
    kept = set(mirrors(first).values_list("pk", flat=True))
    connected(owner_api, t, loan, bank, ledger=second)
    assert mirrors(second).count() == 3 + 1
    assert set(mirrors(first).values_list("pk", flat=True)) == kept  # stay, ordinary now
    share = mirrors(first).filter(kind="expense").first()
    path = f"/ledgers/{first.pk}/transactions/{share.pk}"
    assert owner_api.patch(path, {"notes": "mine"}).status_code == 200
    expenses_add(owner_api, t, 1, offset=3)
    assert (mirrors(first).count(), mirrors(second).count()) == (4, 6)
    # Back to the first ledger: its copies are taken back and the new expense added there.
    connected(owner_api, t, t["loan"], t["h"].bank)
    assert mirrors(first).count() == 6
    assert kept <= set(mirrors(first).values_list("pk", flat=True))
    assert Transaction.objects.get(pk=share.pk).notes == "mine"  # what it mirrors is refreshed
    assert mirrors(second).count() == 6
    in_step(owner_api, t, first, t["loan"])
    assert_ledger_invariants(second)


def test_reconnecting_brings_every_copy_up_to_date_with_the_group(owner_api, trip):
    t = trip
    connected(owner_api, t, t["loan"], t["h"].bank)
    everyone = [t["alice"], t["bea"], t["carl"]]
    made = [
        expense_post(owner_api, t["gid"], expense({t["alice"]: "30.00"}, "30.00", everyone)),
        expense_post(owner_api, t["gid"], expense({t["alice"]: "12.00"}, "12.00", everyone)),
        expense_post(owner_api, t["gid"], expense({t["bea"]: "9.00"}, "9.00", everyone)),
        expense_post(owner_api, t["gid"], expense({t["bea"]: "6.00"}, "6.00", everyone)),
    ]
    changed, deleted, left, edited = (e["id"] for e in made)
    ids = dict(mirrors(t["h"].ledger).filter(group_expense_id=changed).values_list("kind", "pk"))
    disconnect(owner_api, t)
    # While disconnected: an expense changes, one is deleted, one no longer involves Alice,
    # one is added, and Alice edits a copy in her ledger.
    group = f"/groups/{t['gid']}/expenses"
    patch = owner_api.patch(
        f"{group}/{changed}",
        {
            "title": "Hotel",
            "date": "2025-03-20",
            "category_name": "Groceries",
            "amount": "60.00",
            "paid_by": [{"participant": t["alice"], "amount": "60.00"}],
        },
    )
    assert patch.status_code == 200, patch.content
    assert owner_api.delete(f"{group}/{deleted}").status_code == 204
    without_alice = {"split": {"mode": "equal", "parts": [{"participant": t["bea"]}]}}
    assert owner_api.patch(f"{group}/{left}", without_alice).status_code == 200
    added = expense_post(owner_api, t["gid"], expense({t["alice"]: "3.00"}, "3.00", everyone))
    copy = mirrors(t["h"].ledger).get(group_expense_id=edited)
    tx_path = f"/ledgers/{t['h'].ledger.pk}/transactions/{copy.pk}"
    assert owner_api.patch(tx_path, {"amount": "1.00", "description": "x"}).status_code == 200
    stale = (
        mirrors(t["h"].ledger).count()
        + Transaction.objects.filter(ledger=t["h"].ledger, group_expense__isnull=True).count()
    )
    # The copies of the changed, left and edited expenses, and the deleted one's two, unlinked.
    assert stale == 2 + 1 + 1 + 2
    connected(owner_api, t, t["loan"], t["h"].bank)
    now = {(str(tx.group_expense_id), tx.kind): tx for tx in mirrors(t["h"].ledger)}
    assert set(now) == {
        (changed, "expense"),
        (changed, "transfer"),
        (edited, "expense"),
        (added["id"], "expense"),
        (added["id"], "transfer"),
    }
    share, paid = now[(changed, "expense")], now[(changed, "transfer")]
    assert {share.kind: share.pk, paid.kind: paid.pk} == ids  # adopted, not copied
    assert (share.amount, share.date, share.description, share.category.name) == (
        Decimal("20.00"),
        date(2025, 3, 20),
        "Hotel",
        "Groceries",
    )
    assert (paid.amount, paid.date) == (Decimal("60.00"), date(2025, 3, 20))
    assert (now[(edited, "expense")].amount, now[(edited, "expense")].description) == (
        Decimal("2.00"),
        "Dinner",
    )
    assert not Transaction.objects.filter(ledger=t["h"].ledger, group_expense__isnull=True)
    in_step(owner_api, t, t["h"].ledger, t["loan"])


def _reconnect(t, user, loan) -> None:
    services.connection_set(
        participant=Participant.objects.select_related("group").get(pk=t["alice"]),
        user=user,
        ledger_id=t["h"].ledger.pk,
        loan_wallet_id=loan.pk,
        pay_wallet_id=t["h"].cash.pk,
    )


def _stale(owner_api, t, n: int, offset: int) -> None:
    """`n` expenses mirrored, then while disconnected one changed, one deleted, one added."""
    connected(owner_api, t, t["loan"], t["h"].bank)
    expenses_add(owner_api, t, n, offset=offset)
    disconnect(owner_api, t)
    group = f"/groups/{t['gid']}/expenses"
    first, second = (e["id"] for e in owner_api.get(f"{group}?page_size=100").json()["items"][-2:])
    assert owner_api.patch(f"{group}/{first}", {"title": "Changed"}).status_code == 200
    assert owner_api.delete(f"{group}/{second}").status_code == 204
    expenses_add(owner_api, t, 1, offset=offset + n)


def test_reconnecting_costs_the_same_queries_for_3_or_24_expenses(
    owner_api, trip, user, django_assert_max_num_queries
):
    t = trip
    _stale(owner_api, t, 3, offset=0)
    with CaptureQueriesContext(db) as queries:
        _reconnect(t, user, t["loan2"])
    few = len(queries)
    print(f"reconnect: {few} queries for 3 expenses")
    in_step(owner_api, t, t["h"].ledger, t["loan2"])
    for e in owner_api.get(f"/groups/{t['gid']}/expenses?page_size=100").json()["items"]:
        owner_api.delete(f"/groups/{t['gid']}/expenses/{e['id']}")  # and their copies
    assert not Transaction.objects.filter(ledger=t["h"].ledger).exists()
    disconnect(owner_api, t)
    # 24, not more: SQLite's bulk insert takes at most 999 parameters a statement, so past
    # about 38 rows of a transaction's columns it writes in two (PostgreSQL never does).
    _stale(owner_api, t, 24, offset=3)
    with django_assert_max_num_queries(few) as queries:
        _reconnect(t, user, t["loan2"])
    print(f"reconnect: {len(queries)} queries for 24 expenses")
    assert touching(t["h"].ledger, t["loan2"]) == mirrors(t["h"].ledger).count() >= 24
    assert touching(t["h"].ledger, t["loan"]) == 0
    in_step(owner_api, t, t["h"].ledger, t["loan2"])


def test_the_migration_names_the_participant_of_what_live_connections_hold(owner_api, trip):
    from importlib import import_module

    from django.apps import apps

    t = trip
    connected(owner_api, t, t["loan"], t["h"].bank)
    expenses_add(owner_api, t, 3)
    ordinary = money.transaction_create(
        ledger=t["h"].ledger,
        data={
            "kind": "transfer",
            "date": date(2025, 3, 1),
            "amount": Decimal("5.00"),
            "from_wallet": t["h"].bank.pk,
            "to_wallet": t["loan"].pk,
        },
    )
    mirrors(t["h"].ledger).update(group_participant=None)  # as written before the column
    migration = import_module("budget.groups.migrations.0004_mirrors_name_their_participant")
    migration.participants_fill(apps, None)
    named = set(mirrors(t["h"].ledger).values_list("group_participant_id", flat=True))
    assert named == {Participant.objects.get(pk=t["alice"]).pk}
    assert Transaction.objects.get(pk=ordinary.pk).group_participant_id is None
