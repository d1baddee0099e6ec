"""/groups (SPEC §15): thin endpoints — `group_access` → one service or selector."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from budget.common.errors import Forbidden, NotFound
from budget.common.pagination import Pages
from budget.groups import selectors, services
from budget.groups.schemas import (
    ActivityOut,
    BalanceOut,
    ConnectionIn,
    ConnectionOut,
    ExpenseIn,
    ExpenseOut,
    ExpensePatch,
    GroupIn,
    GroupOut,
    GroupPatch,
    ParticipantIn,
    ParticipantOut,
    ParticipantPatch,
    SettlementIn,
    SettleUpOut,
)

router = Router(tags=["groups"])


def _group_out(request: HttpRequest, gid: UUID):
    return selectors.groups_of(user=request.auth).get(pk=gid)


@router.get("", response=list[GroupOut])
@paginate(Pages)
def group_list(request: HttpRequest):
    return selectors.groups_of(user=request.auth)


@router.post("", response={201: GroupOut})
def group_create(request: HttpRequest, payload: GroupIn):
    group = services.group_create(name=payload.name, currency=payload.currency, user=request.auth)
    return Status(201, _group_out(request, group.pk))


@router.get("/{uuid:gid}", response=GroupOut)
def group_get(request: HttpRequest, gid: UUID):
    selectors.group_access(user=request.auth, gid=gid)
    return _group_out(request, gid)


@router.patch("/{uuid:gid}", response=GroupOut)
def group_update(request: HttpRequest, gid: UUID, payload: GroupPatch):
    group = selectors.group_admin_access(user=request.auth, gid=gid)
    services.group_update(group=group, **payload.dict(exclude_unset=True, exclude_none=True))
    return _group_out(request, gid)


@router.delete("/{uuid:gid}", response={204: None})
def group_delete(request: HttpRequest, gid: UUID):
    group = selectors.group_admin_access(user=request.auth, gid=gid)
    services.group_delete(group=group)
    return Status(204, None)


# --- Participants -------------------------------------------------------------------------


@router.get("/{uuid:gid}/participants", response=list[ParticipantOut])
@paginate(Pages)
def participant_list(request: HttpRequest, gid: UUID):
    return selectors.participants_of(group=selectors.group_access(user=request.auth, gid=gid))


@router.post("/{uuid:gid}/participants", response={201: ParticipantOut})
def participant_create(request: HttpRequest, gid: UUID, payload: ParticipantIn):
    group = selectors.group_admin_access(user=request.auth, gid=gid)
    participant = services.participant_create(
        group=group,
        name=payload.name,
        email=payload.email,
        admin=payload.admin,
        payment_link=payload.payment_link or "",
        invited_by=request.auth,
    )
    return Status(201, participant)


@router.get("/{uuid:gid}/participants/{uuid:pid}", response=ParticipantOut)
def participant_get(request: HttpRequest, gid: UUID, pid: UUID):
    group = selectors.group_access(user=request.auth, gid=gid)
    return selectors.participant_get(group=group, pid=pid)


@router.patch("/{uuid:gid}/participants/{uuid:pid}", response=ParticipantOut)
def participant_update(request: HttpRequest, gid: UUID, pid: UUID, payload: ParticipantPatch):
    """The creator and admins change anyone; a linked participant changes their own name
    and payment link. Only the creator makes or unmakes admins."""
    group = selectors.group_access(user=request.auth, gid=gid)
    participant = selectors.participant_get(group=group, pid=pid)
    changes = payload.dict(exclude_unset=True)
    changes = {k: v for k, v in changes.items() if v is not None or k == "payment_link"}
    if "payment_link" in changes:
        changes["payment_link"] = changes["payment_link"] or ""
    is_creator = group.created_by_id == request.auth.pk
    if "admin" in changes and not is_creator:
        raise Forbidden("Only the group's creator makes or unmakes admins.")
    if participant.pk != group.me.pk and not (group.me.admin or is_creator):
        raise Forbidden("Only the group's creator or an admin can change other participants.")
    return services.participant_update(participant=participant, **changes)


@router.delete("/{uuid:gid}/participants/{uuid:pid}", response={204: None})
def participant_delete(request: HttpRequest, gid: UUID, pid: UUID):
    group = selectors.group_admin_access(user=request.auth, gid=gid)
    services.participant_delete(participant=selectors.participant_get(group=group, pid=pid))
    return Status(204, None)


def _own_participant(request: HttpRequest, gid: UUID, pid: UUID):
    group = selectors.group_access(user=request.auth, gid=gid)
    participant = selectors.participant_get(group=group, pid=pid)
    if participant.user_id != request.auth.pk:
        raise Forbidden("Only the participant themselves connects the group to their ledger.")
    return participant


@router.get("/{uuid:gid}/participants/{uuid:pid}/ledger", response=ConnectionOut)
def connection_get(request: HttpRequest, gid: UUID, pid: UUID):
    connection = selectors.connection_of(participant=_own_participant(request, gid, pid))
    if connection is None:
        raise NotFound("This participant's share is not connected to a ledger.")
    return connection


@router.put("/{uuid:gid}/participants/{uuid:pid}/ledger", response=ConnectionOut)
def connection_set(request: HttpRequest, gid: UUID, pid: UUID, payload: ConnectionIn):
    return services.connection_set(
        participant=_own_participant(request, gid, pid),
        user=request.auth,
        ledger_id=payload.ledger,
        loan_wallet_id=payload.loan_wallet,
        pay_wallet_id=payload.pay_wallet,
        category_id=payload.category,
    )


@router.delete("/{uuid:gid}/participants/{uuid:pid}/ledger", response={204: None})
def connection_delete(request: HttpRequest, gid: UUID, pid: UUID):
    connection = selectors.connection_of(participant=_own_participant(request, gid, pid))
    if connection is None:
        raise NotFound("This participant's share is not connected to a ledger.")
    services.connection_delete(connection=connection)
    return Status(204, None)


# --- Expenses, balances, settle-up --------------------------------------------------------


@router.get("/{uuid:gid}/expenses", response=list[ExpenseOut])
@paginate(Pages)
def expense_list(request: HttpRequest, gid: UUID):
    return selectors.expenses_of(group=selectors.group_access(user=request.auth, gid=gid))


def _one(group, expense_id: UUID):
    expense = selectors.expenses_of(group=group).filter(pk=expense_id).first()
    if expense is None:
        raise NotFound("Expense not found.")
    return expense


@router.post("/{uuid:gid}/expenses", response={201: ExpenseOut})
def expense_create(request: HttpRequest, gid: UUID, payload: ExpenseIn):
    group = selectors.group_access(user=request.auth, gid=gid)
    expense = services.expense_create(group=group, data=payload.dict(), user=request.auth)
    return Status(201, _one(group, expense.pk))


@router.get("/{uuid:gid}/expenses/{uuid:expense_id}", response=ExpenseOut)
def expense_get(request: HttpRequest, gid: UUID, expense_id: UUID):
    return _one(selectors.group_access(user=request.auth, gid=gid), expense_id)


@router.patch("/{uuid:gid}/expenses/{uuid:expense_id}", response=ExpenseOut)
def expense_update(request: HttpRequest, gid: UUID, expense_id: UUID, payload: ExpensePatch):
    group = selectors.group_access(user=request.auth, gid=gid)
    expense = _one(group, expense_id)
    # null clears the optional texts; for anything else it means "unchanged"
    changes = {
        k: v
        for k, v in payload.dict(exclude_unset=True).items()
        if v is not None or k in ("category_name", "notes")
    }
    services.expense_update(expense=expense, changes=changes, user=request.auth)
    return _one(group, expense_id)


@router.delete("/{uuid:gid}/expenses/{uuid:expense_id}", response={204: None})
def expense_delete(request: HttpRequest, gid: UUID, expense_id: UUID):
    group = selectors.group_access(user=request.auth, gid=gid)
    services.expense_delete(expense=_one(group, expense_id), user=request.auth)
    return Status(204, None)


@router.post("/{uuid:gid}/settlements", response={201: ExpenseOut})
def settlement_create(request: HttpRequest, gid: UUID, payload: SettlementIn):
    group = selectors.group_access(user=request.auth, gid=gid)
    expense = services.settlement_create(
        group=group,
        payer=payload.from_participant,
        receiver=payload.to,
        amount=payload.amount,
        date=payload.date,
        user=request.auth,
    )
    return Status(201, _one(group, expense.pk))


@router.get("/{uuid:gid}/balances", response=list[BalanceOut])
def group_balances(request: HttpRequest, gid: UUID):
    return selectors.balances_of(group=selectors.group_access(user=request.auth, gid=gid))


@router.get("/{uuid:gid}/settle-up", response=SettleUpOut, by_alias=True)
def group_settle_up(request: HttpRequest, gid: UUID):
    group = selectors.group_access(user=request.auth, gid=gid)
    return {"transfers": selectors.settle_up_of(group=group)}


@router.get("/{uuid:gid}/activity", response=list[ActivityOut])
@paginate(Pages)
def group_activity_list(request: HttpRequest, gid: UUID):
    return selectors.activity_of(group=selectors.group_access(user=request.auth, gid=gid))
