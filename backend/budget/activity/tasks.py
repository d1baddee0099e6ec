from budget.activity.services import entries_prune


def activity_prune() -> int:
    """Daily (budget.common.schedules): the activity log keeps ACTIVITY_KEEP_DAYS."""
    return entries_prune()
