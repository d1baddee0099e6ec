"""Django-Q2 tasks: they only load ids and call services."""

from budget.money import services


def incomes_allocate_task(transaction_ids: list[str]) -> int:
    return services.incomes_allocate(ids=transaction_ids)


def allocation_sweep() -> int:
    """Allocates every income still pending, e.g. whose task was lost while no worker ran."""
    return services.incomes_allocate()
