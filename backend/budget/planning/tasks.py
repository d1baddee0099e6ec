"""Django-Q2 tasks: they only load ids and call services."""

import logging
from datetime import date
from uuid import UUID

from django.utils import timezone

from budget.common.errors import Invalid
from budget.planning import selectors, services
from budget.planning.models import RecurringTransaction

logger = logging.getLogger(__name__)


def recurring_materialise_all() -> int:
    """The daily job: makes every occurrence due up to today, for every active template.
    Safe to run twice; a template that cannot be made (e.g. its wallet was archived) is
    logged and does not stop the others."""
    today = timezone.localdate()
    created = 0
    for pk in selectors.recurring_due_ids(today=today):
        try:
            created += services.recurring_materialise(
                template=RecurringTransaction(pk=pk), today=today, skip_missing_rates=True
            )[0]
        except Invalid as error:
            logger.warning("Recurring transaction %s was not made: %s", pk, error.errors)
    return created


def budget_alerts_task(ledger_id: str, months: list[str]) -> int:
    """Queued on commit by every write that creates or changes expenses
    (`budget.money.services`): checks the ledger's budgets in the months it spent in."""
    return services.budget_alerts_check(
        ledger_id=UUID(ledger_id), months=[date.fromisoformat(m) for m in months]
    )


def budget_alerts_daily() -> int:
    """The daily job: checks the current month's budgets of every ledger. Catches what no
    on-commit task did (a worker that was down, a task that failed)."""
    return services.budget_alerts_check_all()
