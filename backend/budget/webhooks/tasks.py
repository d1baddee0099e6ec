"""Django-Q2 tasks: they only load ids and call services."""

from uuid import UUID

from budget.webhooks import services


def delivery_attempt_task(delivery_id: str) -> str:
    """Queued after the commit that recorded an event, and by the sweep for retries."""
    return services.delivery_attempt(delivery_id=UUID(delivery_id))


def deliveries_sweep() -> dict[str, int]:
    """Scheduled every minute: queues due retries, forgets old deliveries."""
    return services.deliveries_sweep()
