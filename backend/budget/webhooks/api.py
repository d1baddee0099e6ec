"""A ledger's webhooks (SPEC §16), its owners' only: /ledgers/{lid}/webhooks/… ."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Path, Router, Status
from ninja.pagination import paginate

from budget.common.errors import Invalid, NotFound
from budget.common.pagination import Pages
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Role
from budget.webhooks import selectors, services
from budget.webhooks.schemas import (
    DeliveryOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)

router = Router(tags=["webhooks"], auth=LedgerAuth())


def _webhook(request: HttpRequest, lid: UUID, webhook_id: UUID):
    ledger = ledger_access(request, lid, Role.OWNER)
    webhook = selectors.webhooks_of(ledger=ledger).filter(pk=webhook_id).first()
    if webhook is None:
        raise NotFound("Webhook not found.")
    return webhook


@router.get("", response=list[WebhookOut])
@paginate(Pages)
def webhook_list(request: HttpRequest, lid: Path[UUID]):
    return selectors.webhooks_of(ledger=ledger_access(request, lid, Role.OWNER))


@router.post("", response={201: WebhookCreated})
def webhook_create(request: HttpRequest, lid: Path[UUID], payload: WebhookIn):
    ledger = ledger_access(request, lid, Role.OWNER)
    return Status(201, services.webhook_create(ledger=ledger, **payload.dict()))


@router.get("/{uuid:webhook_id}", response=WebhookOut)
def webhook_detail(request: HttpRequest, lid: Path[UUID], webhook_id: UUID):
    return _webhook(request, lid, webhook_id)


@router.patch("/{uuid:webhook_id}", response=WebhookOut)
def webhook_update(request: HttpRequest, lid: Path[UUID], webhook_id: UUID, payload: WebhookPatch):
    webhook = _webhook(request, lid, webhook_id)
    changes = payload.dict(exclude_unset=True)
    for name in ("url", "events", "active"):
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be null.", field=name)
    return services.webhook_update(webhook=webhook, **changes)


@router.delete("/{uuid:webhook_id}", response={204: None})
def webhook_delete(request: HttpRequest, lid: Path[UUID], webhook_id: UUID):
    services.webhook_delete(webhook=_webhook(request, lid, webhook_id))
    return Status(204, None)


@router.get("/{uuid:webhook_id}/deliveries", response=list[DeliveryOut])
@paginate(Pages)
def webhook_deliveries(request: HttpRequest, lid: Path[UUID], webhook_id: UUID):
    return selectors.deliveries_of(webhook=_webhook(request, lid, webhook_id))
