"""Who changed what in a ledger (SPEC §16), told from where it happens.

Every service that writes to a ledger calls `record(...)` inside its database transaction;
the activity app (budget.activity) stores the entry through a receiver of `recorded`, so a
core app names no app above it, and a rolled-back write leaves no entry. The actor is the
request's authenticated user and how they signed in (`acting_request`, set by middleware),
or the one a background task names (`acting_as`), or nobody (the scheduler, a command).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.dispatch import Signal

# Sent with `entry` (an Entry below) inside the writing transaction.
recorded = Signal()


@dataclass(frozen=True)
class Actor:
    user_id: Any  # a user's primary key, or None for the system
    email: str
    via: str  # "password", "api_key:<name>", "worker", "system"


SYSTEM = Actor(user_id=None, email="", via="system")


@dataclass(frozen=True)
class Entry:
    ledger_id: Any
    action: str  # "create", "update", "delete", "import", "restore", …
    object_type: str  # "transaction", "wallet", "budget", "member", "ledger", …
    object_id: Any
    summary: str
    changes: dict[str, list[Any]]
    count: int
    actor: Actor


_request: ContextVar[Any] = ContextVar("activity_request", default=None)
_actor: ContextVar[Actor | None] = ContextVar("activity_actor", default=None)


@contextmanager
def acting_request(request: Any) -> Iterator[None]:
    """While a request is served, its authenticated user is the actor."""
    token = _request.set(request)
    try:
        yield
    finally:
        _request.reset(token)


@contextmanager
def acting_as(user: Any, via: str) -> Iterator[None]:
    """A background task acting for ``user`` (who started an import, say)."""
    actor = SYSTEM if user is None else Actor(user.pk, user.email, via)
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)


def actor() -> Actor:
    """Who is writing now."""
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    request = _request.get()
    user = getattr(request, "auth", None) if request is not None else None
    if user is None or not getattr(user, "pk", None):
        return SYSTEM
    return Actor(user.pk, user.email, getattr(request, "auth_via", "password"))


def plain(value: Any) -> Any:
    """A field's value as JSON keeps it: money and ids as strings, dates in ISO form."""
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field of ``new`` whose value differs from ``old``."""
    changes = {}
    for name, value in new.items():
        before = old.get(name)
        if plain(before) != plain(value):
            changes[name] = [plain(before), plain(value)]
    return changes


def record(
    *,
    ledger_id: Any,
    action: str,
    object_type: str,
    object_id: Any = None,
    summary: str = "",
    changes: Mapping[str, list[Any]] | None = None,
    count: int = 1,
) -> None:
    """Records one entry of the ledger's activity log, in the caller's transaction."""
    entry = Entry(
        ledger_id=ledger_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:255],
        changes=dict(changes or {}),
        count=count,
        actor=actor(),
    )
    recorded.send(sender=Entry, entry=entry)
