"""Every write about ledgers and their members, and the two rules every write in a ledger
follows: the ledger row lock and the report version."""

from collections.abc import Iterable
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q

from budget.accounts.models import User
from budget.common import activity
from budget.common.errors import Conflict, Invalid, NotFound
from budget.ledgers.models import Ledger, Membership, Role
from budget.ledgers.signals import ledger_created


def ledger_lock(*, ledger_ids: Iterable[UUID]) -> list[UUID]:
    """Locks the ledgers' rows until the current database transaction ends; returns the
    ids locked. `ledger_ids` may be a query of ids (then a subquery). Writes that must not
    interleave within a ledger (percent sums, allocation, budget overlaps, rollup rebuilds)
    take it first; in id order, so two writers locking several ledgers cannot deadlock."""
    return list(
        Ledger.objects.select_for_update()
        .filter(pk__in=ledger_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def ledger_version_bump(*, ledger_ids: Iterable[UUID]) -> None:
    """Every write that changes what a report shows calls this in its own database
    transaction: cached reports and list counts are keyed by the version, so the next read
    is computed afresh (budget.reports.cache). One UPDATE for all the ledgers."""
    Ledger.objects.filter(pk__in=set(ledger_ids)).update(version=F("version") + 1)


def ledger_create(*, name: str, owner: User, currency: str = "EUR") -> Ledger:
    with transaction.atomic():
        ledger = Ledger.objects.create(name=name[:100], currency=currency)
        Membership.objects.create(ledger=ledger, user=owner, role=Role.OWNER)
        # The system bucket and default categories every ledger starts with (budget.money).
        ledger_created.send(sender=Ledger, ledger=ledger)
        activity.record(
            ledger_id=ledger.pk,
            action="create",
            object_type="ledger",
            object_id=ledger.pk,
            summary=ledger.name,
        )
    ledger.role = Role.OWNER
    return ledger


def ledger_update(
    *, ledger: Ledger, name: str | None = None, currency: str | None = None
) -> Ledger:
    fields = []
    before = {"name": ledger.name, "currency": ledger.currency}
    if name is not None:
        ledger.name = name
        fields.append("name")
    if currency is not None:
        ledger.currency = currency
        fields.append("currency")
    if fields:
        with transaction.atomic():
            ledger.save(update_fields=fields)
            ledger_version_bump(ledger_ids=[ledger.pk])  # reports show name and currency
            activity.record(
                ledger_id=ledger.pk,
                action="update",
                object_type="ledger",
                object_id=ledger.pk,
                summary=ledger.name,
                changes=activity.diff(before, {f: getattr(ledger, f) for f in fields}),
            )
    return ledger


def ledger_delete(*, ledger: Ledger) -> None:
    ledger.delete()


def ledgers_of_leaving_user_release(*, user: User) -> None:
    """Called while `user` is being deleted: refuses while they are the last owner of a
    ledger that others still use, and deletes every ledger they were the only member of."""
    # Lock the user's ledgers so a concurrent membership change cannot strand one.
    mine = Ledger.objects.filter(memberships__user=user).values_list("pk", flat=True)
    ledger_ids = ledger_lock(ledger_ids=mine)
    ledgers = Ledger.objects.filter(pk__in=ledger_ids).annotate(
        members=Count("memberships"),
        owners=Count("memberships", filter=Q(memberships__role=Role.OWNER)),
        mine=Count("memberships", filter=Q(memberships__user=user, memberships__role=Role.OWNER)),
    )
    stranded = [
        ledger.name
        for ledger in ledgers
        if ledger.mine and ledger.owners == 1 and ledger.members > 1
    ]
    if stranded:
        raise Conflict(
            "You are the last owner of "
            + ", ".join(f"'{name}'" for name in stranded)
            + ", which other members still use. Make someone else an owner first.",
            code="last_owner",
        )
    Ledger.objects.filter(pk__in=[ledger.pk for ledger in ledgers if ledger.members == 1]).delete()


def _owners_locked(ledger: Ledger) -> list[Membership]:
    return list(Membership.objects.select_for_update().filter(ledger=ledger, role=Role.OWNER))


def member_add(*, ledger: Ledger, email: str, role: Role) -> Membership:
    user = User.objects.filter(email__iexact=email.strip()).first()
    if user is None:
        raise Invalid("No account uses this email. Ask them to register first.", field="email")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(ledger=ledger, user=user, role=role)
            _member_logged(membership, "create", user.email, {"role": [None, role]})
            return membership
    except IntegrityError as error:
        raise Conflict(
            f"{user.email} is already a member of this ledger.", code="already_member"
        ) from error


def _member_logged(membership: Membership, action: str, email: str, changes=None) -> None:
    activity.record(
        ledger_id=membership.ledger_id,
        action=action,
        object_type="member",
        object_id=membership.user_id,
        summary=email,
        changes=changes,
    )


def _membership(ledger: Ledger, user_id: UUID) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(ledger=ledger, user_id=user_id)
        .first()
    )
    if membership is None:
        raise NotFound("That user is not a member of this ledger.")
    return membership


def member_update(*, ledger: Ledger, user_id: UUID, role: Role) -> Membership:
    with transaction.atomic():
        owners = _owners_locked(ledger)
        membership = _membership(ledger, user_id)
        if membership.role == Role.OWNER and role != Role.OWNER and len(owners) == 1:
            raise Conflict(
                "A ledger needs an owner: make someone else an owner first.", code="last_owner"
            )
        changes = activity.diff({"role": membership.role}, {"role": role})
        membership.role = role
        membership.save(update_fields=["role"])
        if changes:
            _member_logged(membership, "update", membership.user.email, changes)
    return membership


def member_remove(*, ledger: Ledger, user_id: UUID) -> None:
    with transaction.atomic():
        owners = _owners_locked(ledger)
        membership = _membership(ledger, user_id)
        if membership.role == Role.OWNER and len(owners) == 1:
            raise Conflict(
                "The last owner cannot leave: make someone else an owner, or delete the ledger.",
                code="last_owner",
            )
        membership.delete()
        _member_logged(membership, "delete", membership.user.email)
        User.objects.filter(pk=user_id, default_ledger=ledger).update(default_ledger=None)
