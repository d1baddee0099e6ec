"""Every write about ledgers and their members, and the two rules every write in a ledger
follows: the ledger row lock and the report version."""

import logging
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Count, F, Q

from budget.accounts.models import User
from budget.common import activity
from budget.common.errors import Conflict, Forbidden, NotFound
from budget.ledgers.models import Invitation, InvitationKind, Ledger, Membership, Role
from budget.ledgers.signals import (
    invitation_accepters,
    ledger_created,
    ledger_currency_changing,
)

logger = logging.getLogger(__name__)


def ledger_lock(*, ledger_ids: Iterable[UUID]) -> list[UUID]:
    """Locks the ledgers' rows until the current database transaction ends; returns the
    ids locked. `ledger_ids` may be a query of ids (then a subquery). Writes that must not
    interleave within a ledger (percent sums, allocation, budget overlaps, rollup rebuilds)
    take it first; in id order, so two writers locking several ledgers cannot deadlock.
    FOR NO KEY UPDATE, as the version bump's UPDATE locks: it does not wait for the key
    locks that inserting rows which refer to the ledger takes (an import's 100 000
    transactions hold them until they commit), yet writers still wait for each other."""
    return list(
        Ledger.objects.select_for_update(no_key=True)
        .filter(pk__in=ledger_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def ledger_version_bump(*, ledger_ids: Iterable[UUID]) -> None:
    """Every write that changes what a report shows calls this in its own database
    transaction: cached reports and list counts are keyed by the version, so the next read
    is computed afresh (budget.ledgers.cache). One UPDATE for all the ledgers."""
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
            if "currency" in fields and ledger.currency != before["currency"]:
                ledger_lock(ledger_ids=[ledger.pk])
                ledger_currency_changing.send(
                    sender=Ledger, ledger=ledger, old=before["currency"], new=ledger.currency
                )
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


def member_invite(*, ledger: Ledger, email: str, role: Role, invited_by: User) -> None:
    """Invites `email` to the ledger with `role` (SPEC §16). The answer must not tell
    whether the address has an account, so every path returns nothing: a new address gets
    an invitation, an address invited before has its invitation updated, and a current
    member's address is left alone (the owner sees the members anyway). The invitee is
    mailed once the invitation is committed."""
    email = User.objects.normalize_email(email)
    with transaction.atomic():
        ledger_lock(ledger_ids=[ledger.pk])  # one invitation per address, however many clicks
        if Membership.objects.filter(ledger=ledger, user__email__iexact=email).exists():
            return
        invitation, _ = Invitation.objects.update_or_create(
            kind=InvitationKind.LEDGER,
            ledger=ledger,
            email=email,
            defaults={"role": role, "invited_by": invited_by},
        )
        activity.record(
            ledger_id=ledger.pk,
            action="invite",
            object_type="invitation",
            object_id=invitation.pk,
            summary=email,
            changes={"role": [None, role]},
        )
        inviter = invited_by.full_name or invited_by.email
        transaction.on_commit(lambda: _invitation_mail(email, ledger.name, inviter, role))


def _invitation_mail(email: str, name: str, inviter: str, role: str) -> None:
    """A mail is a courtesy: the invitation waits in the app whether or not it arrives."""
    try:
        send_mail(
            subject=f"{inviter} invited you to the ledger {name}",
            message=(
                f'{inviter} invited you to share the budget ledger "{name}" as {role}.\n\n'
                "Sign in (or register with this email address) and accept the invitation "
                "on the Home page. If you did not expect it, decline it or ignore this mail."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    except Exception:
        logger.exception("The invitation mail to %s was not sent.", email)


def invitation_revoke(*, invitation: Invitation) -> None:
    with transaction.atomic():
        pk = invitation.pk
        invitation.delete()
        if invitation.ledger_id:
            activity.record(
                ledger_id=invitation.ledger_id,
                action="revoke",
                object_type="invitation",
                object_id=pk,
                summary=invitation.email,
            )


def invitation_accept(*, invitation: Invitation, user: User) -> Any:
    """Makes `user` a member with the invited role and removes the invitation. An invitee
    who became a member meanwhile keeps their role. Only a verified address accepts: an
    invitation goes to an email, and whoever registered it unverified may not own it. An
    invitation of another kind (a group) is accepted by the app it belongs to, and answers
    what that app returns."""
    if not user.email_verified:
        raise Forbidden(
            "Verify your email address first (Account → Security): the invitation was sent "
            "to it, and only its owner may accept.",
            code="email_unverified",
        )
    if invitation.kind != InvitationKind.LEDGER:
        with transaction.atomic():
            locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
            if locked is None:
                raise NotFound("Invitation not found.")
            return invitation_accepters[locked.kind](invitation=locked, user=user)
    with transaction.atomic():
        ledger_lock(ledger_ids=[invitation.ledger_id])
        locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
        if locked is None:  # declined or revoked meanwhile
            raise NotFound("Invitation not found.")
        membership, joined = Membership.objects.get_or_create(
            ledger_id=locked.ledger_id, user=user, defaults={"role": locked.role}
        )
        locked.delete()
        if joined:
            _member_logged(membership, "create", user.email, {"role": [None, membership.role]})
    ledger = Ledger.objects.get(pk=membership.ledger_id)
    ledger.role = membership.role
    return ledger


def invitation_decline(*, invitation: Invitation) -> None:
    invitation.delete()


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
