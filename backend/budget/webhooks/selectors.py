from django.db.models import QuerySet

from budget.ledgers.models import Ledger
from budget.webhooks.models import Delivery, Webhook


def webhooks_of(*, ledger: Ledger) -> QuerySet[Webhook]:
    return Webhook.objects.filter(ledger=ledger).order_by("created_at", "id")


def deliveries_of(*, webhook: Webhook) -> QuerySet[Delivery]:
    """Newest first; the body stays out (it can be large)."""
    return Delivery.objects.filter(webhook=webhook).defer("body").order_by("-created_at", "-id")
