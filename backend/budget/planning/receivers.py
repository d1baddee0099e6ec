"""planning's answers to what money and ledgers announce (connected in `PlanningConfig.ready()`)."""

from typing import Any
from uuid import UUID

from budget.common.tasks import enqueue_on_commit
from budget.money.models import Kind, Transaction


def budget_check_enqueue(*, ledger_id: UUID, transactions: list[Transaction], **_: Any) -> None:
    """Budgets watch expenses: one task per write checks the months it spent in; a write
    without an expense queues nothing."""
    months = sorted(
        {tx.date.replace(day=1).isoformat() for tx in transactions if tx.kind == Kind.EXPENSE}
    )
    if months:
        enqueue_on_commit(
            "budget.planning.tasks.budget_alerts_task",
            str(ledger_id),
            months,
            task_name="check budgets",
        )
