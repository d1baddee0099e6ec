from typing import Any

from budget.activity.models import Entry
from budget.common import activity


def entry_store(*, entry: activity.Entry, **_: Any) -> None:
    """Stores what a service recorded: one INSERT, in the service's transaction."""
    Entry.objects.create(
        ledger_id=entry.ledger_id,
        actor_id=entry.actor.user_id,
        actor_email=entry.actor.email,
        via=entry.actor.via,
        action=entry.action,
        object_type=entry.object_type,
        object_id=entry.object_id,
        summary=entry.summary,
        changes=entry.changes,
        count=entry.count,
    )
