"""Whether the services the API uses answer: "ok" or "unavailable" each."""

from django.core.cache import cache
from django.db import connection
from django.db.utils import DatabaseError

from budget.common.tasks import broker


def _database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return False
    return True


def _cache() -> bool:
    # Only the Redis cache can be away; the local-memory one of the embedded default cannot.
    ping = getattr(cache, "ping", None)
    return ping() if ping else True


def _broker_up(database: bool) -> bool:
    from django_q.conf import Conf

    if Conf.ORM:  # the embedded default: the queue is a database table
        return database
    try:
        return bool(broker().ping())
    except Exception:  # each broker raises its own connection errors
        return False


def services_state() -> dict[str, str]:
    database = _database()
    state = {"database": database, "cache": _cache(), "broker": _broker_up(database)}
    return {name: "ok" if up else "unavailable" for name, up in state.items()}
