from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from budget.common.errors import Forbidden
from budget.common.pagination import Pages
from budget.ledgers import selectors, services
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Role
from budget.ledgers.schemas import (
    LedgerIn,
    LedgerOut,
    LedgerPatch,
    MemberIn,
    MemberOut,
    MemberPatch,
)

router = Router(tags=["ledgers"], auth=LedgerAuth())


def _with_role(ledger):
    ledger.role = ledger.membership.role
    return ledger


@router.get("", response=list[LedgerOut])
@paginate(Pages)
def ledger_list(request: HttpRequest):
    return selectors.ledgers_of(user=request.auth)


@router.post("", response={201: LedgerOut})
def ledger_create(request: HttpRequest, payload: LedgerIn):
    ledger = services.ledger_create(
        name=payload.name, currency=payload.currency, owner=request.auth
    )
    return Status(201, ledger)


@router.get("/{uuid:lid}", response=LedgerOut)
def ledger_detail(request: HttpRequest, lid: UUID):
    return _with_role(ledger_access(request, lid))


@router.patch("/{uuid:lid}", response=LedgerOut)
def ledger_update(request: HttpRequest, lid: UUID, payload: LedgerPatch):
    ledger = ledger_access(request, lid, Role.OWNER)
    return _with_role(services.ledger_update(ledger=ledger, **payload.dict(exclude_unset=True)))


@router.delete("/{uuid:lid}", response={204: None})
def ledger_delete(request: HttpRequest, lid: UUID):
    services.ledger_delete(ledger=ledger_access(request, lid, Role.OWNER))
    return Status(204, None)


@router.get("/{uuid:lid}/members", response=list[MemberOut])
@paginate(Pages)
def member_list(request: HttpRequest, lid: UUID):
    return selectors.members_of(ledger=ledger_access(request, lid))


@router.post("/{uuid:lid}/members", response={201: MemberOut})
def member_add(request: HttpRequest, lid: UUID, payload: MemberIn):
    ledger = ledger_access(request, lid, Role.OWNER)
    return Status(201, services.member_add(ledger=ledger, email=payload.email, role=payload.role))


@router.patch("/{uuid:lid}/members/{uuid:user_id}", response=MemberOut)
def member_update(request: HttpRequest, lid: UUID, user_id: UUID, payload: MemberPatch):
    ledger = ledger_access(request, lid, Role.OWNER)
    return services.member_update(ledger=ledger, user_id=user_id, role=payload.role)


@router.delete("/{uuid:lid}/members/{uuid:user_id}", response={204: None})
def member_remove(request: HttpRequest, lid: UUID, user_id: UUID):
    ledger = ledger_access(request, lid)
    if user_id != request.auth.pk and ledger.membership.role != Role.OWNER:
        raise Forbidden("Only an owner can remove other members; you can remove yourself.")
    services.member_remove(ledger=ledger, user_id=user_id)
    return Status(204, None)
