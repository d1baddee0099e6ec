"""Every write about webhooks: the owner's CRUD, recording an event as one delivery per
webhook that wants it (inside the writing transaction, queued after it commits), and an
attempt to deliver one."""

import json
import secrets
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from budget.common.errors import Invalid
from budget.common.raw import ledger_rows
from budget.common.tasks import enqueue, enqueue_on_commit
from budget.ledgers.models import Ledger
from budget.webhooks import sender
from budget.webhooks.addresses import UnsafeUrl, target_resolve
from budget.webhooks.models import Delivery, DeliveryStatus, Webhook

DELIVERY_TASK = "budget.webhooks.tasks.delivery_attempt_task"
# How long an attempt holds its delivery: longer than the request's timeout.
LEASE = timedelta(minutes=2)


def _url_check(url: str) -> str:
    try:
        target_resolve(url)
    except UnsafeUrl as error:
        raise Invalid(str(error), field="url") from error
    return url.strip()


def webhook_create(*, ledger: Ledger, url: str, events: list[str], active: bool = True) -> Webhook:
    """A new webhook with a fresh secret (`whsec_…`), which only this answer shows."""
    return Webhook.objects.create(
        ledger=ledger,
        url=_url_check(url),
        events=events,
        active=active,
        secret=f"whsec_{secrets.token_hex(24)}",
    )


def webhook_update(*, webhook: Webhook, **changes: Any) -> Webhook:
    if "url" in changes:
        changes["url"] = _url_check(changes["url"])
    for name, value in changes.items():
        setattr(webhook, name, value)
    if changes:
        webhook.save(update_fields=[*changes, "updated_at"])
    return webhook


def webhook_delete(*, webhook: Webhook) -> None:
    webhook.delete()  # its deliveries with it; a queued attempt then finds nothing


# --- Events -------------------------------------------------------------------------------


def event_record(
    *, ledger_id: UUID, event: str, data: dict[str, Any] | Callable[[], dict[str, Any]]
) -> list[Delivery]:
    """One delivery per active webhook of the ledger that wants `event`, in the caller's
    database transaction; each is queued once that commits (a lost enqueue is left to the
    retry sweep). One query when the ledger has no webhook: `data` may be a function, made
    only when a webhook wants the event."""
    hooks = [h for h in _active_hooks(ledger_id) if h.wants(event)]
    if not hooks:
        return []
    if callable(data):
        data = data()
    at = timezone.now()
    deliveries = []
    for hook in hooks:
        delivery_id = uuid4()
        payload = {
            "id": str(delivery_id),
            "event": event,
            "ledger": str(ledger_id),
            "at": at.isoformat().replace("+00:00", "Z"),
            "data": data,
        }
        deliveries.append(
            Delivery(
                id=delivery_id,
                ledger_id=hook.ledger_id,
                webhook=hook,
                event=event,
                body=json.dumps(payload, cls=DjangoJSONEncoder, separators=(",", ":")),
                next_attempt_at=at,
            )
        )
    Delivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        enqueue_on_commit(DELIVERY_TASK, str(delivery.pk), task_name="deliver webhook")
    return deliveries


def _active_hooks(ledger_id: UUID) -> list[Webhook]:
    """The ledger's active webhooks (every write of a transaction asks)."""
    return ledger_rows(Webhook, ledger_id, '"active"')


# --- Delivering ---------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: WEBHOOK_RETRY_SECONDS, then four
    times as long each time (30 s, 2 min, 8 min, 32 min, 2 h 8 min by default)."""
    return timedelta(seconds=settings.WEBHOOK_RETRY_SECONDS * 4 ** (attempts - 1))


def delivery_attempt(*, delivery_id: UUID) -> str:
    """Sends the delivery if it is due and nobody else is sending it; records the answer.
    A 2xx answer is success; anything else is retried after `retry_delay` until
    WEBHOOK_MAX_ATTEMPTS attempts failed. Returns the delivery's status, or "skipped"."""
    now = timezone.now()
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    ).update(next_attempt_at=now + LEASE)
    if not claimed:
        return "skipped"
    delivery = Delivery.objects.select_related("webhook").get(pk=delivery_id)
    webhook = delivery.webhook
    code, error = None, ""
    if not webhook.active:
        error = "The webhook was turned off before this was sent."
    else:
        try:
            target = target_resolve(webhook.url)  # again: the name may point elsewhere now
        except UnsafeUrl as unsafe:
            error = str(unsafe)
        else:
            body = delivery.body.encode()
            stamp = int(time.time())
            answer = sender.post(
                target=target,
                body=body,
                headers={
                    sender.SIGNATURE_HEADER: sender.signature(
                        secret=webhook.secret, timestamp=stamp, body=body
                    ),
                    "X-Budget-Event": delivery.event,
                    "X-Budget-Delivery": str(delivery.pk),
                },
            )
            code, error = answer.status, answer.error
    delivery.attempts += 1
    delivery.response_code = code
    delivery.last_error = error
    delivery.last_attempt_at = timezone.now()
    if not error:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS or not webhook.active:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = delivery.last_attempt_at + retry_delay(delivery.attempts)
    delivery.save(
        update_fields=[
            "attempts",
            "response_code",
            "last_error",
            "last_attempt_at",
            "status",
            "next_attempt_at",
        ]
    )
    return delivery.status


def deliveries_sweep() -> dict[str, int]:
    """The scheduled job (every minute): queues every pending delivery that is due — the
    retries, and first attempts whose on-commit task was lost — and forgets deliveries
    older than WEBHOOK_KEEP_DAYS."""
    now = timezone.now()
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        enqueue(DELIVERY_TASK, str(pk), task_name="deliver webhook")
    with transaction.atomic():
        forgotten, _ = Delivery.objects.filter(
            created_at__lt=now - timedelta(days=settings.WEBHOOK_KEEP_DAYS)
        ).delete()
    return {"queued": len(due), "forgotten": forgotten}
