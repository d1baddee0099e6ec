"""Queueing Django-Q2 tasks from a write: after its database transaction commits, so the
worker sees what the write made, and nothing is queued when it rolls back."""

import functools
import logging
import time
from typing import Any

from django.db import transaction
from django_q.brokers import get_broker
from django_q.tasks import async_task

logger = logging.getLogger(__name__)

BROKER_REST_SECONDS = 5.0
_broker_resting_until = 0.0  # time.monotonic() before which on-commit enqueues are skipped


@functools.cache
def broker():
    """One broker per process: a new Redis connection per task costs more than the task."""
    return get_broker()


def enqueue(func: str, *args: Any, task_name: str) -> None:
    """Queues `func(*args)` now (outside a transaction, or when the caller commits itself)."""
    async_task(func, *args, task_name=task_name, broker=broker())


def _enqueue_committed(func: str, *args: Any, task_name: str) -> None:
    """The write is committed: a broker that cannot take its task must not turn it into an
    error (a retry would write it twice). Every queued job has a sweep that finds what a
    lost task left undone: pending incomes (`allocation sweep`), the current month's budgets
    (`budget alerts`, daily), running imports without a worker (`import sweep`). After a
    failure the broker is left alone for a few seconds, so a hung Redis costs one timeout
    rather than one per write."""
    global _broker_resting_until
    if time.monotonic() < _broker_resting_until:
        logger.warning("Broker resting: task '%s' left to its sweep.", task_name)
        return
    try:
        enqueue(func, *args, task_name=task_name)
    except Exception as error:  # each broker raises its own errors (Redis, database…)
        _broker_resting_until = time.monotonic() + BROKER_REST_SECONDS
        logger.warning(
            "Could not queue task '%s' (%s: %s); its sweep will do the work later.",
            task_name,
            type(error).__name__,
            error,
        )


def enqueue_on_commit(func: str, *args: Any, task_name: str) -> None:
    """Queues `func(*args)` once the current database transaction commits."""
    transaction.on_commit(lambda: _enqueue_committed(func, *args, task_name=task_name))
