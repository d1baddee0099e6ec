"""planning's answers to what money and ledgers announce (connected in `PlanningConfig.ready()`)."""

from typing import Any
from uuid import UUID

from django.utils import timezone

from budget.common.tasks import enqueue_on_commit
from budget.money.models import Kind, Transaction


def budget_check_enqueue(*, ledger_id: UUID, transactions: list[Transaction], **_: Any) -> None:
    """Budgets watch expenses: one task per write checks the months it spent in; a write
    without an expense queues nothing. An expense in an earlier month also changes what a
    rolling-over budget carries into this month, so this month is checked too."""
    spent_in = {tx.date.replace(day=1) for tx in transactions if tx.kind == Kind.EXPENSE}
    this_month = timezone.localdate().replace(day=1)
    if spent_in and min(spent_in) < this_month:
        spent_in.add(this_month)
    months = sorted(month.isoformat() for month in spent_in)
    if months:
        enqueue_on_commit(
            "budget.planning.tasks.budget_alerts_task",
            str(ledger_id),
            months,
            task_name="check budgets",
        )
