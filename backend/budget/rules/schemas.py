import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from budget.money.schemas import Name, TransactionOut, _Named
from budget.rules.models import Match

Position = Field(None, ge=0, le=1_000_000)


class ConditionIn(Schema):
    field: str = Field(
        description="description, payee_name, notes (is, contains, starts_with, ends_with, "
        "matches); amount (eq, gt, gte, lt, lte, between); kind, wallet, category, payee "
        "(is, is_not); external_id (is)."
    )
    op: str
    value: Any = Field(
        None,
        description="Text (a pattern of at most 500 characters for matches, RE2 syntax), an "
        "amount, [low, high] for between, a kind, or an id.",
    )


class ActionIn(Schema):
    field: str = Field(
        description="category, bucket, payee (ids); payee_name, description, notes (text); "
        "tags (a list, added to the transaction's)."
    )
    value: Any = None


class _RuleBody(_Named):
    active: bool = True
    position: int | None = Field(
        None, ge=0, le=1_000_000, description="Order of application; default: after the last."
    )
    match: Match = Match.ALL
    conditions: list[ConditionIn] = Field(min_length=1, max_length=50)
    actions: list[ActionIn] = Field(min_length=1, max_length=50)
    stop: bool = False


class RuleIn(_RuleBody):
    name: Name


class RulePatch(_Named):
    name: Name | None = None
    active: bool | None = None
    position: int | None = Field(None, ge=0, le=1_000_000)
    match: Match | None = None
    conditions: list[ConditionIn] | None = Field(None, min_length=1, max_length=50)
    actions: list[ActionIn] | None = Field(None, min_length=1, max_length=50)
    stop: bool | None = None


class RuleOut(Schema):
    id: UUID
    name: str
    active: bool
    position: int
    match: Match
    conditions: list[dict[str, Any]]
    actions: list[dict[str, Any]]
    stop: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class ApplyIn(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    dry_run: bool = True
    overwrite: bool = False


class ApplyOut(Schema):
    matched: int
    changed: int
    transactions: list[UUID] = Field(
        description="The first 100 transactions changed (or that would be)."
    )


class PreviewIn(_RuleBody):
    name: Name | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


class PreviewOut(Schema):
    matched: int
    transactions: list[TransactionOut] = Field(description="The first 20 matched, newest first.")
