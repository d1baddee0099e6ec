"""Helpers for group tests: a group made through the API, expenses in one call."""

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


def expense_post(api, gid, body: dict) -> dict:
    response = api.post(f"/groups/{gid}/expenses", body)
    assert response.status_code == 201, response.content
    return response.json()


def balances(api, gid) -> dict[str, str]:
    response = api.get(f"/groups/{gid}/balances")
    assert response.status_code == 200, response.content
    return {row["participant"]: row["balance"] for row in response.json()}
