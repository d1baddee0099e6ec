"""Recurring transactions of one ledger: /ledgers/{lid}/recurring/… (SPEC §8)."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Path, Router, Status
from ninja.pagination import paginate

from budget.common.errors import Invalid, NotFound
from budget.common.pagination import Pages
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Ledger, Role
from budget.planning import selectors, services
from budget.planning.models import RecurringTransaction
from budget.planning.schemas import RecurringIn, RecurringOut, RecurringPatch, RunOut

router = Router(tags=["recurring"], auth=LedgerAuth())

_NOT_NULL = (
    "kind",
    "amount",
    "description",
    "notes",
    "tags",
    "frequency",
    "interval",
    "start_date",
    "active",
)


def _one(ledger: Ledger, recurring_id: UUID) -> RecurringTransaction:
    template = selectors.recurring_of(ledger=ledger).filter(pk=recurring_id).first()
    if template is None:
        raise NotFound("Recurring transaction not found.")
    return template


@router.get("", response=list[RecurringOut])
@paginate(Pages)
def recurring_list(request: HttpRequest, lid: Path[UUID]):
    return selectors.recurring_of(ledger=ledger_access(request, lid))


@router.post("", response={201: RecurringOut})
def recurring_create(request: HttpRequest, lid: Path[UUID], payload: RecurringIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    return Status(201, services.recurring_create(ledger=ledger, **payload.dict()))


@router.get("/{uuid:recurring_id}", response=RecurringOut)
def recurring_detail(request: HttpRequest, lid: Path[UUID], recurring_id: UUID):
    return _one(ledger_access(request, lid), recurring_id)


@router.patch("/{uuid:recurring_id}", response=RecurringOut)
def recurring_update(
    request: HttpRequest, lid: Path[UUID], recurring_id: UUID, payload: RecurringPatch
):
    ledger = ledger_access(request, lid, Role.EDITOR)
    template = _one(ledger, recurring_id)
    changes = payload.dict(exclude_unset=True)
    for name in _NOT_NULL:
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be null.", field=name)
    return services.recurring_update(template=template, changes=changes)


@router.delete("/{uuid:recurring_id}", response={204: None})
def recurring_delete(request: HttpRequest, lid: Path[UUID], recurring_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.recurring_delete(template=_one(ledger, recurring_id))
    return Status(204, None)


@router.post("/{uuid:recurring_id}/run", response=RunOut)
def recurring_run(request: HttpRequest, lid: Path[UUID], recurring_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    created, next_date = services.recurring_materialise(template=_one(ledger, recurring_id))
    return {"created": created, "next_date": next_date}
