"""A group expense in each connected participant's own ledger (SPEC §15): their share as an
expense from the loan wallet, what they paid as a transfer into it, payments as transfers;
edits and deletes followed in the same database transaction; read-only in the ledger."""

from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.groups.tests.helpers import (
    balances,
    expense,
    expense_post,
    group_create,
    guest_add,
    member_join,
)
from budget.money import services as money
from budget.money.models import Category, Transaction, Wallet
from budget.money.tests.helpers import assert_books_balance

pytestmark = pytest.mark.django_db


def loan_balance(wallet) -> Decimal:
    from budget.money import selectors

    return selectors.wallets_of(ledger=wallet.ledger).get(pk=wallet.pk).balance


@pytest.fixture
def setup(api, owner_api, household, bob):
    """Alice's group with Bob (linked) and Carl (a guest); Alice connected to her ledger."""
    gid = group_create(owner_api)["id"]
    alice = owner_api.get(f"/groups/{gid}").json()["me"]
    bob_pid = member_join(owner_api, gid, bob)
    carl = guest_add(owner_api, gid, "Carl")
    loan = money.wallet_create(ledger=household.ledger, name="Trip friends", kind="loan")
    response = owner_api.put(
        f"/groups/{gid}/participants/{alice}/ledger",
        {
            "ledger": str(household.ledger.pk),
            "loan_wallet": str(loan.pk),
            "pay_wallet": str(household.bank.pk),
        },
    )
    assert response.status_code == 200, response.content
    return {"gid": gid, "alice": alice, "bob": bob_pid, "carl": carl, "loan": loan, "h": household}


def mirrored(ledger):
    return list(
        Transaction.objects.filter(ledger=ledger, group_expense__isnull=False).order_by("kind")
    )


def test_share_is_an_expense_and_what_was_paid_a_transfer(owner_api, setup):
    s = setup
    made = expense_post(
        owner_api,
        s["gid"],
        expense({s["alice"]: "90.00"}, "90.00", [s["alice"], s["bob"], s["carl"]]),
    )
    share, paid = mirrored(s["h"].ledger)
    assert (share.kind, share.amount, share.wallet_id) == (
        "expense",
        Decimal("30.00"),
        s["loan"].pk,
    )
    assert share.category.name == "Other expenses"
    assert share.description == "Dinner"
    assert (paid.kind, paid.amount, paid.from_wallet_id, paid.to_wallet_id) == (
        "transfer",
        Decimal("90.00"),
        s["h"].bank.pk,
        s["loan"].pk,
    )
    assert {str(share.group_expense_id), str(paid.group_expense_id)} == {made["id"]}
    assert loan_balance(s["loan"]) == Decimal(balances(owner_api, s["gid"])[s["alice"]])
    assert_books_balance(s["h"].ledger)
    out = owner_api.get(f"/ledgers/{s['h'].ledger.pk}/transactions/{share.pk}").json()
    assert out["group_expense"] == made["id"]


def test_category_by_the_expense_category_name_or_the_connection(owner_api, setup):
    s = setup
    body = expense({s["bob"]: "10.00"}, "10.00", [s["alice"], s["bob"]], category_name="groceries")
    expense_post(owner_api, s["gid"], body)
    (share,) = mirrored(s["h"].ledger)
    assert share.category.name == "Groceries"
    leisure = Category.objects.get(ledger=s["h"].ledger, name="Leisure")
    owner_api.put(
        f"/groups/{s['gid']}/participants/{s['alice']}/ledger",
        {
            "ledger": str(s["h"].ledger.pk),
            "loan_wallet": str(s["loan"].pk),
            "pay_wallet": str(s["h"].bank.pk),
            "category": str(leisure.pk),
        },
    )
    made = expense_post(owner_api, s["gid"], body)
    newest = Transaction.objects.filter(group_expense_id=made["id"]).get()
    assert newest.category == leisure
    assert len(mirrored(s["h"].ledger)) == 2  # the first one adopted, not mirrored twice


def test_edits_and_deletes_are_followed(owner_api, setup):
    s = setup
    made = expense_post(
        owner_api, s["gid"], expense({s["alice"]: "40.00"}, "40.00", [s["alice"], s["bob"]])
    )
    path = f"/groups/{s['gid']}/expenses/{made['id']}"
    before = {tx.kind: tx.pk for tx in mirrored(s["h"].ledger)}
    owner_api.patch(
        path,
        {
            "amount": "60.00",
            "paid_by": [{"participant": s["alice"], "amount": "60.00"}],
            "title": "Lunch",
        },
    )
    share, paid = mirrored(s["h"].ledger)
    assert {share.kind: share.pk, paid.kind: paid.pk} == before  # the same rows, changed
    assert (share.amount, paid.amount, share.description) == (
        Decimal("30.00"),
        Decimal("60.00"),
        "Lunch",
    )
    # Bob pays it all now: Alice only owes her share.
    owner_api.patch(path, {"paid_by": [{"participant": s["bob"], "amount": "60.00"}]})
    assert [tx.kind for tx in mirrored(s["h"].ledger)] == ["expense"]
    assert loan_balance(s["loan"]) == Decimal("-30.00")
    assert owner_api.delete(path).status_code == 204
    assert mirrored(s["h"].ledger) == []
    assert loan_balance(s["loan"]) == 0
    assert_books_balance(s["h"].ledger)


def test_mirrored_transactions_are_read_only_in_the_ledger(owner_api, setup):
    s = setup
    expense_post(
        owner_api, s["gid"], expense({s["alice"]: "10.00"}, "10.00", [s["alice"], s["bob"]])
    )
    share = mirrored(s["h"].ledger)[0]
    path = f"/ledgers/{s['h'].ledger.pk}/transactions/{share.pk}"
    assert_error(owner_api.patch(path, {"amount": "1.00"}), 409, "mirrored_transaction")
    assert_error(owner_api.delete(path), 409, "mirrored_transaction")
    bulk = owner_api.patch(
        f"/ledgers/{s['h'].ledger.pk}/transactions/bulk",
        {"ids": [str(share.pk)], "changes": {"description": "x"}},
    )
    assert_error(bulk, 409, "mirrored_transaction")
    assert Transaction.objects.get(pk=share.pk).amount == Decimal("5.00")


def test_a_payment_is_a_transfer_for_the_payer_and_the_receiver(api, owner_api, setup, bob):
    s = setup
    bob_ledger = bob.default_ledger
    bob_bank = money.wallet_create(ledger=bob_ledger, name="Bank", kind="virtual")
    bob_loan = money.wallet_create(ledger=bob_ledger, name="Alice & co", kind="loan")
    as_bob = api.as_user(bob)
    connected = as_bob.put(
        f"/groups/{s['gid']}/participants/{s['bob']}/ledger",
        {
            "ledger": str(bob_ledger.pk),
            "loan_wallet": str(bob_loan.pk),
            "pay_wallet": str(bob_bank.pk),
        },
    )
    assert connected.status_code == 200, connected.content
    expense_post(
        owner_api, s["gid"], expense({s["alice"]: "50.00"}, "50.00", [s["alice"], s["bob"]])
    )
    paid = as_bob.post(
        f"/groups/{s['gid']}/settlements",
        {"from": s["bob"], "to": s["alice"], "amount": "25.00", "date": "2025-03-05"},
    )
    assert paid.status_code == 201, paid.content
    bob_made = [tx for tx in mirrored(bob_ledger) if str(tx.group_expense_id) == paid.json()["id"]]
    alice_made = [
        tx for tx in mirrored(s["h"].ledger) if str(tx.group_expense_id) == paid.json()["id"]
    ]
    assert [(t.kind, t.from_wallet_id, t.to_wallet_id) for t in bob_made] == [
        ("transfer", bob_bank.pk, bob_loan.pk)
    ]
    assert [(t.kind, t.from_wallet_id, t.to_wallet_id) for t in alice_made] == [
        ("transfer", s["loan"].pk, s["h"].bank.pk)
    ]
    assert loan_balance(bob_loan) == loan_balance(s["loan"]) == 0
    assert_books_balance(bob_ledger)


def test_connecting_is_for_oneself_into_a_ledger_one_edits(api, owner_api, setup, bob, stranger):
    s = setup
    path = f"/groups/{s['gid']}/participants/{s['bob']}/ledger"
    body = {
        "ledger": str(s["h"].ledger.pk),
        "loan_wallet": str(s["loan"].pk),
        "pay_wallet": str(s["h"].bank.pk),
    }
    assert_error(owner_api.put(path, body), 403)  # Alice cannot connect Bob
    assert_error(api.as_user(bob).put(path, body), 422, field="ledger")  # not Bob's ledger
    own = f"/groups/{s['gid']}/participants/{s['alice']}/ledger"
    wrong = {**body, "loan_wallet": str(s["h"].cash.pk), "pay_wallet": str(s["loan"].pk)}
    error = assert_error(owner_api.put(own, wrong), 422)
    assert {e["field"] for e in error["errors"]} == {"loan_wallet", "pay_wallet"}
    assert_error(api.as_user(stranger).put(own, body), 404)
    assert owner_api.get(own).json()["loan_wallet"] == str(s["loan"].pk)


def test_disconnecting_keeps_what_was_made_and_stops_mirroring(owner_api, setup):
    s = setup
    expense_post(
        owner_api, s["gid"], expense({s["alice"]: "10.00"}, "10.00", [s["alice"], s["bob"]])
    )
    own = f"/groups/{s['gid']}/participants/{s['alice']}/ledger"
    assert owner_api.delete(own).status_code == 204
    assert_error(owner_api.get(own), 404)
    kept = Transaction.objects.filter(ledger=s["h"].ledger, wallet=s["loan"])
    assert kept.count() == 1
    tx = kept.get()
    assert tx.group_expense_id is not None  # where it came from; no longer held
    path = f"/ledgers/{s['h'].ledger.pk}/transactions/{tx.pk}"
    assert owner_api.patch(path, {"description": "mine now"}).status_code == 200
    expense_post(
        owner_api, s["gid"], expense({s["alice"]: "10.00"}, "10.00", [s["alice"], s["bob"]])
    )
    assert Transaction.objects.filter(ledger=s["h"].ledger).count() == 2


def test_a_write_the_ledger_refuses_writes_nothing_in_the_group(owner_api, setup):
    s = setup
    Wallet.objects.filter(pk=s["loan"].pk).update(archived=True)
    response = owner_api.post(
        f"/groups/{s['gid']}/expenses",
        expense({s["alice"]: "10.00"}, "10.00", [s["alice"], s["bob"]]),
    )
    assert_error(response, 422)
    assert owner_api.get(f"/groups/{s['gid']}/expenses").json()["count"] == 0
    assert set(balances(owner_api, s["gid"]).values()) == {"0.00"}


def test_an_expense_from_while_disconnected_is_mirrored_on_reconnect(owner_api, setup):
    s = setup
    own = f"/groups/{s['gid']}/participants/{s['alice']}/ledger"
    body = {
        "ledger": str(s["h"].ledger.pk),
        "loan_wallet": str(s["loan"].pk),
        "pay_wallet": str(s["h"].bank.pk),
    }
    owner_api.delete(own)
    made = expense_post(
        owner_api, s["gid"], expense({s["alice"]: "10.00"}, "10.00", [s["alice"], s["bob"]])
    )
    assert mirrored(s["h"].ledger) == []
    assert owner_api.put(own, body).status_code == 200
    assert [(t.kind, t.amount) for t in mirrored(s["h"].ledger)] == [
        ("expense", Decimal("5.00")),
        ("transfer", Decimal("10.00")),
    ]
    owner_api.patch(f"/groups/{s['gid']}/expenses/{made['id']}", {"title": "Later"})
    assert {t.description for t in mirrored(s["h"].ledger)} == {"Later"}
    assert loan_balance(s["loan"]) == Decimal(balances(owner_api, s["gid"])[s["alice"]])
