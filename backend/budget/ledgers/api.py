from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from budget.common.errors import Forbidden, NotFound
from budget.common.pagination import Pages
from budget.ledgers import selectors, services
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Role
from budget.ledgers.schemas import (
    GroupJoined,
    InvitationForMe,
    InvitationOut,
    InvitationSent,
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


@router.post("/{uuid:lid}/members", response={202: InvitationSent})
def member_add(request: HttpRequest, lid: UUID, payload: MemberIn):
    """Invites the email to the ledger (SPEC §16): they become a member when they accept.
    The answer is the same whether or not the address has an account."""
    ledger = ledger_access(request, lid, Role.OWNER)
    services.member_invite(
        ledger=ledger, email=payload.email, role=payload.role, invited_by=request.auth
    )
    email = payload.email.strip().lower()
    detail = (
        f"An invitation was sent to {email}. They become a member once they accept it "
        "(after registering with this address, if they have no account yet)."
    )
    return Status(202, {"email": email, "role": payload.role, "detail": detail})


@router.get("/{uuid:lid}/invitations", response=list[InvitationOut])
@paginate(Pages)
def ledger_invitation_list(request: HttpRequest, lid: UUID):
    return selectors.invitations_of(ledger=ledger_access(request, lid, Role.OWNER))


@router.delete("/{uuid:lid}/invitations/{uuid:invitation_id}", response={204: None})
def ledger_invitation_revoke(request: HttpRequest, lid: UUID, invitation_id: UUID):
    ledger = ledger_access(request, lid, Role.OWNER)
    invitation = selectors.invitations_of(ledger=ledger).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("Invitation not found.")
    services.invitation_revoke(invitation=invitation)
    return Status(204, None)


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


# --- The invitee's side: /invitations ---------------------------------------------------------

invitations = Router(tags=["invitations"])


def _my_invitation(request: HttpRequest, invitation_id: UUID):
    """One of the invitations waiting for the caller; anyone else's is 404."""
    invitation = selectors.invitations_for(user=request.auth).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation


@invitations.get("", response=list[InvitationForMe])
@paginate(Pages)
def invitation_list(request: HttpRequest):
    return selectors.invitations_for(user=request.auth)


@invitations.post("/{uuid:invitation_id}/accept", response=GroupJoined | LedgerOut)
def invitation_accept(request: HttpRequest, invitation_id: UUID):
    invitation = _my_invitation(request, invitation_id)
    return services.invitation_accept(invitation=invitation, user=request.auth)


@invitations.post("/{uuid:invitation_id}/decline", response={204: None})
def invitation_decline(request: HttpRequest, invitation_id: UUID):
    services.invitation_decline(invitation=_my_invitation(request, invitation_id))
    return Status(204, None)
