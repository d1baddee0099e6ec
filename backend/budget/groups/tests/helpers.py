"""Helpers for group tests: a group made through the API, expenses in one call."""

from decimal import Decimal
from typing import Any

from budget.groups.models import Participant
from budget.ledgers.models import Invitation
from budget.ledgers.tests.helpers import verified


def group_create(api, name: str = "Trip", currency: str = "EUR") -> dict:
    response = api.post("/groups", {"name": name, "currency": currency})
    assert response.status_code == 201, response.content
    return response.json()


def guest_add(api, gid, name: str, **extra: Any) -> str:
    response = api.post(f"/groups/{gid}/participants", {"name": name, **extra})
    assert response.status_code == 201, response.content
    return response.json()["id"]


def member_join(api, gid, user, name: str | None = None) -> str:
    """Invites `user` by email as the group's admin `api`, and accepts as them."""
    pid = guest_add(api, gid, name or user.full_name or user.email, email=user.email)
    invitation = Invitation.objects.get(kind="group", group_id=gid, email=user.email)
    verified(user)
    response = api.as_user(user).post(f"/invitations/{invitation.pk}/accept")
    assert response.status_code == 200, response.content
    assert Participant.objects.get(pk=pid).user_id == user.pk
    return pid


def expense(
    payers: dict[str, str], amount: str, parts: list, mode: str = "equal", **extra: Any
) -> dict:
    """`parts`: participant ids (equal) or (participant id, value) pairs."""
    return {
        "title": extra.pop("title", "Dinner"),
        "amount": amount,
        "date": extra.pop("date", "2025-03-01"),
        "paid_by": [{"participant": p, "amount": a} for p, a in payers.items()],
        "split": {
            "mode": mode,
            "parts": [
                {"participant": p} if isinstance(p, str) else {"participant": p[0], "value": p[1]}
                for p in parts
            ],
        },
        **extra,
    }


def expenses_add(owner_api, t, n: int, offset: int = 0) -> None:
    """`n` expenses: Alice pays every third; the rest Bea; split 3 ways by shares 1:2:3 so
    the shares are uneven cents."""
    for i in range(offset, offset + n):
        payer = t["alice"] if i % 3 == 0 else t["bea"]
        amount = f"{10 + i}.{i % 100:02d}"
        body = expense(
            {payer: amount},
            amount,
            [(t["alice"], "1"), (t["bea"], "2"), (t["carl"], "3")],
            mode="shares",
            title=f"Thing {i}",
            date=f"2025-03-{1 + i % 28:02d}",
        )
        expense_post(owner_api, t["gid"], body)


def expense_post(api, gid, body: dict) -> dict:
    response = api.post(f"/groups/{gid}/expenses", body)
    assert response.status_code == 201, response.content
    return response.json()


def balances(api, gid) -> dict[str, str]:
    response = api.get(f"/groups/{gid}/balances")
    assert response.status_code == 200, response.content
    return {row["participant"]: row["balance"] for row in response.json()}


def connect(api, gid, pid, ledger, loan, pay, **extra: Any):
    """PUTs the participant's connection to `ledger` (wallets given as objects)."""
    body = {"ledger": str(ledger.pk), "loan_wallet": str(loan.pk), "pay_wallet": str(pay.pk)}
    return api.put(f"/groups/{gid}/participants/{pid}/ledger", {**body, **extra})


def wallet_balance(wallet) -> Decimal:
    """The wallet's balance in its own currency, as the ledger reports it."""
    from budget.money import selectors

    return selectors.wallets_of(ledger=wallet.ledger).get(pk=wallet.pk).balance


def assert_ledger_invariants(ledger) -> None:
    """Invariant 1 on booked base values (SPEC §14): Σ over wallets of the base amounts of
    their legs = Σ bucket balances; and the rollups match a fresh aggregation."""
    from budget.money import selectors
    from budget.money.models import Transaction
    from budget.money.rollup import rollup_drift

    booked = Decimal(0)
    for tx in Transaction.objects.filter(ledger=ledger):
        if tx.kind == "transfer":
            booked += (tx.base_amount if tx.to_wallet_id else 0) - (
                tx.base_amount if tx.from_wallet_id else 0
            )
        else:
            booked += -tx.base_amount if tx.kind == "expense" else tx.base_amount
    assert booked == sum((b.balance for b in selectors.buckets_of(ledger=ledger)), Decimal(0))
    assert rollup_drift(ledger_id=ledger.pk) == []
