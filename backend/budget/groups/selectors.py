"""Every read about groups (SPEC §15). Balances read the participants' running totals:
one query whatever the number of expenses."""

from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import F, Prefetch, QuerySet

from budget.accounts.models import User
from budget.common.currencies import amount_str, places
from budget.common.errors import Forbidden, NotFound
from budget.common.money import base_currency_set
from budget.groups.models import Activity, Connection, Expense, Group, Participant, Payer, Share
from budget.groups.splitting import settle_up


def groups_of(*, user: User) -> QuerySet[Group]:
    """The groups the user is a linked participant of, each with the user's `me_paid`,
    `me_owed` (their balance), `me_admin` and `me_participant`."""
    return (
        Group.objects.filter(participants__user=user)
        .annotate(
            me_participant=F("participants__id"),
            me_paid=F("participants__paid"),
            me_owed=F("participants__owed"),
            me_admin=F("participants__admin"),
        )
        .order_by("created_at", "id")
    )


def group_access(*, user: User, gid: UUID) -> Group:
    """The group `gid` if the user is linked to it (else 404, whether or not it exists).
    The caller's participant is attached as `group.me`."""
    me = Participant.objects.select_related("group").filter(group_id=gid, user=user).first()
    if me is None:
        raise NotFound("Group not found.")
    group = me.group
    group.me = me
    base_currency_set(group.currency)  # the group's amounts are written with its decimals
    return group


def group_admin_access(*, user: User, gid: UUID) -> Group:
    """`group_access` for its creator and admins only (else 403)."""
    group = group_access(user=user, gid=gid)
    if not (group.me.admin or group.created_by_id == user.pk):
        raise Forbidden("Only the group's creator or an admin can do this.")
    return group


def participants_of(*, group: Group) -> QuerySet[Participant]:
    return group.participants.order_by("created_at", "id")


def participant_get(*, group: Group, pid: UUID) -> Participant:
    participant = group.participants.filter(pk=pid).first()
    if participant is None:
        raise NotFound("Participant not found.")
    participant.group = group
    return participant


def connection_of(*, participant: Participant) -> Connection | None:
    return Connection.objects.filter(participant=participant).first()


def expenses_of(*, group: Group) -> QuerySet[Expense]:
    """Newest first, with payers and shares in two queries per page."""
    return (
        Expense.objects.filter(group=group)
        .prefetch_related(
            Prefetch("payers", queryset=Payer.objects.order_by("position")),
            Prefetch("shares", queryset=Share.objects.order_by("position")),
        )
        .order_by("-date", "-created_at", "id")
    )


def balances_of(*, group: Group) -> list[dict[str, Any]]:
    """`[{participant, name, paid, owed, balance}]` in participant order; Σ balance = 0."""
    rows = participants_of(group=group).values_list("pk", "name", "paid", "owed")
    return [
        {"participant": pk, "name": name, "paid": paid, "owed": owed, "balance": paid - owed}
        for pk, name, paid, owed in rows
    ]


def settle_up_of(*, group: Group) -> list[dict[str, Any]]:
    """The suggested transfers (SPEC §15), each with `pay_url` when the receiver stored a
    payment link."""
    rows = list(
        participants_of(group=group).values_list("pk", "name", "paid", "owed", "payment_link")
    )
    names = {pk: name for pk, name, *_ in rows}
    links = {pk: link for pk, *_, link in rows}
    transfers = settle_up(
        [(pk, paid - owed) for pk, _, paid, owed, _ in rows], places(group.currency)
    )
    return [
        {
            "from_participant": payer,
            "from_name": names[payer],
            "to": receiver,
            "to_name": names[receiver],
            "amount": amount,
            "pay_url": f"{links[receiver]}{amount_str(amount, group.currency)}"
            if links[receiver]
            else None,
        }
        for payer, receiver, amount in transfers
    ]


def activity_of(*, group: Group) -> QuerySet[Activity]:
    return group.activity.select_related("actor").order_by("-at", "-id")


def balance_zero(balances: list[dict[str, Any]]) -> bool:
    return sum((b["balance"] for b in balances), Decimal(0)) == 0
