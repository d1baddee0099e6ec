"""Queueing Django-Q2 tasks from a write: after its database transaction commits, so the
worker sees what the write made, and nothing is queued when it rolls back."""

import functools
from typing import Any

from django.db import transaction
from django_q.brokers import get_broker
from django_q.tasks import async_task


@functools.cache
def _broker():
    """One broker per process: a new Redis connection per task costs more than the task."""
    return get_broker()


def enqueue(func: str, *args: Any, task_name: str) -> None:
    """Queues `func(*args)` now (outside a transaction, or when the caller commits itself)."""
    async_task(func, *args, task_name=task_name, broker=_broker())


def enqueue_on_commit(func: str, *args: Any, task_name: str) -> None:
    """Queues `func(*args)` once the current database transaction commits."""
    transaction.on_commit(lambda: enqueue(func, *args, task_name=task_name))
