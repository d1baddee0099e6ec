from django.db.models import F, QuerySet

from budget.accounts.models import User
from budget.ledgers.models import Ledger, Membership


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
