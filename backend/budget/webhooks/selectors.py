from django.db.models import QuerySet

from budget.ledgers.models import Ledger
from budget.webhooks.models import Delivery, Webhook


def webhooks_of(*, ledger: Ledger) -> QuerySet[Webhook]:
    return Webhook.objects.filter(ledger=ledger).order_by("created_at", "id")


def deliveries_of(*, webhook: Webhook) -> QuerySet[Delivery]:
    """Newest first; the body stays out (it can be large). By ledger and webhook: the
    index (ledger, webhook, -created_at) serves it."""
    return (
        Delivery.objects.filter(ledger_id=webhook.ledger_id, webhook=webhook)
        .defer("body")
        .order_by("-created_at", "-id")
    )
