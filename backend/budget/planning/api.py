"""Planning of one ledger (SPEC §8): /ledgers/{lid}/recurring/…, /ledgers/{lid}/budgets/…
and /ledgers/{lid}/goals/…"""

from datetime import date
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from budget.common.errors import Invalid, NotFound
from budget.common.pagination import Pages
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Ledger, Role
from budget.planning import selectors, services
from budget.planning.models import Budget, Goal, RecurringTransaction
from budget.planning.schemas import (
    BudgetIn,
    BudgetOut,
    BudgetPatch,
    BudgetStatusFilters,
    BudgetStatusOut,
    GoalIn,
    GoalOut,
    GoalPatch,
    RecurringIn,
    RecurringOut,
    RecurringPatch,
    RunOut,
)

recurring = Router(tags=["recurring"], auth=LedgerAuth())
budgets = Router(tags=["budgets"], auth=LedgerAuth())
goals = Router(tags=["goals"], auth=LedgerAuth())


def _not_null(changes: dict, names: tuple[str, ...]) -> dict:
    for name in names:
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be null.", field=name)
    return changes


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


@recurring.get("", response=list[RecurringOut])
@paginate(Pages)
def recurring_list(request: HttpRequest, lid: Path[UUID]):
    return selectors.recurring_of(ledger=ledger_access(request, lid))


@recurring.post("", response={201: RecurringOut})
def recurring_create(request: HttpRequest, lid: Path[UUID], payload: RecurringIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    return Status(201, services.recurring_create(ledger=ledger, **payload.dict()))


@recurring.get("/{uuid:recurring_id}", response=RecurringOut)
def recurring_detail(request: HttpRequest, lid: Path[UUID], recurring_id: UUID):
    return _one(ledger_access(request, lid), recurring_id)


@recurring.patch("/{uuid:recurring_id}", response=RecurringOut)
def recurring_update(
    request: HttpRequest, lid: Path[UUID], recurring_id: UUID, payload: RecurringPatch
):
    ledger = ledger_access(request, lid, Role.EDITOR)
    template = _one(ledger, recurring_id)
    changes = _not_null(payload.dict(exclude_unset=True), _NOT_NULL)
    return services.recurring_update(template=template, changes=changes)


@recurring.delete("/{uuid:recurring_id}", response={204: None})
def recurring_delete(request: HttpRequest, lid: Path[UUID], recurring_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.recurring_delete(template=_one(ledger, recurring_id))
    return Status(204, None)


@recurring.post("/{uuid:recurring_id}/run", response=RunOut)
def recurring_run(request: HttpRequest, lid: Path[UUID], recurring_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    created, next_date = services.recurring_materialise(template=_one(ledger, recurring_id))
    return {"created": created, "next_date": next_date}


# --- Budgets ------------------------------------------------------------------------------


def _budget(ledger: Ledger, budget_id: UUID) -> Budget:
    budget = selectors.budgets_of(ledger=ledger).filter(pk=budget_id).first()
    if budget is None:
        raise NotFound("Budget not found.")
    return budget


@budgets.get("", response=list[BudgetOut])
@paginate(Pages)
def budget_list(request: HttpRequest, lid: Path[UUID]):
    """Sorted by category name, then start month."""
    return selectors.budgets_of(ledger=ledger_access(request, lid))


@budgets.post("", response={201: BudgetOut})
def budget_create(request: HttpRequest, lid: Path[UUID], payload: BudgetIn):
    """409 `budget_overlap` when another budget of the category covers one of its months."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    budget = services.budget_create(ledger=ledger, **payload.dict())
    return Status(201, _budget(ledger, budget.pk))


@budgets.get("/status", response=list[BudgetStatusOut])
def budget_status(request: HttpRequest, lid: Path[UUID], filters: Query[BudgetStatusFilters]):
    """Every budget active in the month, with what was spent: a list, not paginated."""
    ledger = ledger_access(request, lid)
    return selectors.budget_status(ledger=ledger, month=date(filters.year, filters.month, 1))


@budgets.get("/{uuid:budget_id}", response=BudgetOut)
def budget_detail(request: HttpRequest, lid: Path[UUID], budget_id: UUID):
    return _budget(ledger_access(request, lid), budget_id)


@budgets.patch("/{uuid:budget_id}", response=BudgetOut)
def budget_update(request: HttpRequest, lid: Path[UUID], budget_id: UUID, payload: BudgetPatch):
    ledger = ledger_access(request, lid, Role.EDITOR)
    budget = _budget(ledger, budget_id)
    changes = _not_null(
        payload.dict(exclude_unset=True),
        ("category", "amount", "alert_percent", "rollover", "start_month"),
    )
    return services.budget_update(budget=budget, changes=changes)


@budgets.delete("/{uuid:budget_id}", response={204: None})
def budget_delete(request: HttpRequest, lid: Path[UUID], budget_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.budget_delete(budget=_budget(ledger, budget_id))
    return Status(204, None)


# --- Goals --------------------------------------------------------------------------------


def _goals(ledger: Ledger):
    return selectors.goals_of(ledger=ledger, today=timezone.localdate())


def _goal(ledger: Ledger, goal_id: UUID) -> Goal:
    goal = _goals(ledger).filter(pk=goal_id).first()
    if goal is None:
        raise NotFound("Goal not found.")
    return goal


@goals.get("", response=list[GoalOut])
@paginate(Pages)
def goal_list(request: HttpRequest, lid: Path[UUID]):
    return _goals(ledger_access(request, lid))


@goals.post("", response={201: GoalOut})
def goal_create(request: HttpRequest, lid: Path[UUID], payload: GoalIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    goal = services.goal_create(ledger=ledger, **payload.dict())
    return Status(201, _goal(ledger, goal.pk))


@goals.get("/{uuid:goal_id}", response=GoalOut)
def goal_detail(request: HttpRequest, lid: Path[UUID], goal_id: UUID):
    return _goal(ledger_access(request, lid), goal_id)


@goals.patch("/{uuid:goal_id}", response=GoalOut)
def goal_update(request: HttpRequest, lid: Path[UUID], goal_id: UUID, payload: GoalPatch):
    ledger = ledger_access(request, lid, Role.EDITOR)
    goal = _goal(ledger, goal_id)
    changes = _not_null(payload.dict(exclude_unset=True), ("name", "bucket", "target_amount"))
    services.goal_update(goal=goal, changes=changes)
    return _goal(ledger, goal_id)


@goals.delete("/{uuid:goal_id}", response={204: None})
def goal_delete(request: HttpRequest, lid: Path[UUID], goal_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.goal_delete(goal=_goal(ledger, goal_id))
    return Status(204, None)
