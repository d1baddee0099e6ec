"""Connecting a ledger mirrors the group's existing expenses too (issue 17): in bulk, in the
same database transaction, never twice across a disconnect and a reconnect."""

from decimal import Decimal

import pytest
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from budget.groups import services
from budget.groups.models import Participant
from budget.groups.tests.helpers import (
    balances,
    expenses_add,
    group_create,
    guest_add,
)
from budget.money import services as money
from budget.money.models import Transaction
from budget.money.tests.helpers import assert_books_balance

pytestmark = pytest.mark.django_db


def loan_balance(wallet) -> Decimal:
    from budget.money import selectors

    return selectors.wallets_of(ledger=wallet.ledger).get(pk=wallet.pk).balance


@pytest.fixture
def trip(owner_api, household):
    """Alice's group with two guests, not connected yet; a loan wallet waiting."""
    gid = group_create(owner_api)["id"]
    alice = owner_api.get(f"/groups/{gid}").json()["me"]
    bea = guest_add(owner_api, gid, "Bea")
    carl = guest_add(owner_api, gid, "Carl")
    loan = money.wallet_create(ledger=household.ledger, name="Trip friends", kind="loan")
    body = {
        "ledger": str(household.ledger.pk),
        "loan_wallet": str(loan.pk),
        "pay_wallet": str(household.bank.pk),
    }
    return {
        "gid": gid,
        "alice": alice,
        "bea": bea,
        "carl": carl,
        "loan": loan,
        "h": household,
        "path": f"/groups/{gid}/participants/{alice}/ledger",
        "body": body,
    }


def test_connecting_after_30_expenses_mirrors_all_30_with_the_right_shares(owner_api, trip):
    t = trip
    expenses_add(owner_api, t, 30)
    settled = owner_api.post(
        f"/groups/{t['gid']}/settlements",
        {"from": t["bea"], "to": t["alice"], "amount": "7.00", "date": "2025-03-30"},
    )
    assert settled.status_code == 201, settled.content
    assert owner_api.put(t["path"], t["body"]).status_code == 200
    received = Transaction.objects.get(group_expense_id=settled.json()["id"])
    assert (received.kind, received.amount, received.from_wallet_id, received.to_wallet_id) == (
        "transfer",
        Decimal("7.00"),
        t["loan"].pk,
        t["h"].bank.pk,
    )
    shares = Transaction.objects.filter(ledger=t["h"].ledger, kind="expense")
    paid = Transaction.objects.filter(ledger=t["h"].ledger, kind="transfer", to_wallet=t["loan"])
    owed = {
        e["id"]: Decimal(next(o["amount"] for o in e["owed"] if o["participant"] == t["alice"]))
        for e in owner_api.get(f"/groups/{t['gid']}/expenses?page_size=100").json()["items"]
        if not e["is_payment"]
    }
    assert shares.count() == 30
    assert {str(tx.group_expense_id): tx.amount for tx in shares} == owed
    assert all(tx.wallet_id == t["loan"].pk for tx in shares)
    assert paid.count() == 10  # Alice paid every third
    assert all(
        (tx.from_wallet_id, tx.to_wallet_id) == (t["h"].bank.pk, t["loan"].pk) for tx in paid
    )
    assert loan_balance(t["loan"]) == Decimal(balances(owner_api, t["gid"])[t["alice"]])
    assert_books_balance(t["h"].ledger)  # invariant 1
    # Invariant 3: the report's expense is the shares alone; the transfers count as nothing.
    report = owner_api.get(f"/ledgers/{t['h'].ledger.pk}/reports/monthly?year=2025&month=3")
    totals = report.json()["totals"]
    assert Decimal(totals["expense"]) == sum(owed.values()) == sum(tx.amount for tx in shares)
    assert Decimal(totals["income"]) == 0


def _connect_queries(owner_api, t, user) -> int:
    participant = Participant.objects.select_related("group").get(pk=t["alice"])
    with CaptureQueriesContext(db) as queries:
        services.connection_set(
            participant=participant,
            user=user,
            ledger_id=t["h"].ledger.pk,
            loan_wallet_id=t["loan"].pk,
            pay_wallet_id=t["h"].bank.pk,
        )
    return len(queries)


def test_connecting_costs_the_same_queries_for_3_or_24_expenses(owner_api, trip, user):
    t = trip
    expenses_add(owner_api, t, 3)
    few = _connect_queries(owner_api, t, user)
    print(f"connect: {few} queries for 3 expenses")
    assert Transaction.objects.filter(ledger=t["h"].ledger).count() == 3 + 1
    owner_api.delete(t["path"])
    Transaction.objects.filter(ledger=t["h"].ledger).delete()  # start again, unmirrored
    # 24, not more: SQLite's bulk insert takes at most 999 parameters a statement, so past
    # about 38 rows of a transaction's columns it writes in two (PostgreSQL never does).
    expenses_add(owner_api, t, 21, offset=3)
    many = _connect_queries(owner_api, t, user)
    print(f"connect: {many} queries for 24 expenses")
    assert Transaction.objects.filter(ledger=t["h"].ledger).count() == 24 + 8
    assert few == many


def test_disconnect_and_reconnect_mirror_nothing_twice(owner_api, trip):
    t = trip
    expenses_add(owner_api, t, 6)
    assert owner_api.put(t["path"], t["body"]).status_code == 200
    made = set(Transaction.objects.filter(ledger=t["h"].ledger).values_list("pk", flat=True))
    assert len(made) == 6 + 2
    assert owner_api.delete(t["path"]).status_code == 204
    expenses_add(owner_api, t, 3, offset=6)  # while disconnected: not mirrored yet
    assert Transaction.objects.filter(ledger=t["h"].ledger).count() == 8
    assert owner_api.put(t["path"], t["body"]).status_code == 200
    assert owner_api.put(t["path"], t["body"]).status_code == 200  # connecting again: the same
    now = Transaction.objects.filter(ledger=t["h"].ledger)
    assert now.count() == 9 + 3
    assert made <= set(now.values_list("pk", flat=True))  # the old ones adopted, not copied
    assert loan_balance(t["loan"]) == Decimal(balances(owner_api, t["gid"])[t["alice"]])
    assert_books_balance(t["h"].ledger)


def test_a_connection_the_ledger_refuses_mirrors_nothing_and_stays_unmade(owner_api, trip):
    t = trip
    expenses_add(owner_api, t, 3)
    Transaction.objects.all().delete()
    from budget.money.models import Category

    Category.objects.filter(ledger=t["h"].ledger, type="expense").update(archived=True)
    response = owner_api.put(t["path"], t["body"])
    assert response.status_code == 422, response.content
    assert owner_api.get(t["path"]).status_code == 404
    assert Transaction.objects.filter(ledger=t["h"].ledger).count() == 0
