from django.db.models import F, QuerySet

from budget.accounts.models import User
from budget.ledgers.models import Invitation, InvitationKind, Ledger, Membership


def ledgers_of(*, user: User) -> QuerySet[Ledger]:
    """The user's ledgers, each annotated with the user's `role`."""
    return (
        Ledger.objects.filter(memberships__user=user)
        .annotate(role=F("memberships__role"))
        .order_by("created_at", "id")
    )


def members_of(*, ledger: Ledger) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(ledger=ledger).select_related("user").order_by("created_at", "id")
    )


def invitations_of(*, ledger: Ledger) -> QuerySet[Invitation]:
    """The ledger's pending invitations, for its owners."""
    return Invitation.objects.filter(kind=InvitationKind.LEDGER, ledger=ledger).order_by(
        "created_at", "id"
    )


def invitations_for(*, user: User) -> QuerySet[Invitation]:
    """The invitations waiting for the user's email address (to ledgers and to groups),
    newest first, with what the invitee is shown of the ledger or group and of who invited
    them."""
    return (
        Invitation.objects.filter(email=user.email.lower())
        .select_related("ledger", "group", "invited_by")
        .order_by("-created_at", "id")
    )
