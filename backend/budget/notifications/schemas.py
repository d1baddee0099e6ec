import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from budget.notifications.models import NotificationKind


class NotificationFilters(Schema):
    unread: bool | None = Field(
        None, description="true: only unread notifications; false: only read ones"
    )


class NotificationOut(Schema):
    id: UUID
    ledger: UUID | None = Field(alias="ledger_id")
    kind: NotificationKind
    title: str
    message: str
    data: dict[str, Any] = Field(
        description="Details for the kind; budget alerts: budget, category, month, "
        "threshold, limit, spent, percent_used; recurring_skipped: template, description, "
        "date, currency, base_currency"
    )
    created_at: dt.datetime
    read_at: dt.datetime | None


class ReadAllOut(Schema):
    read: int = Field(description="How many notifications were marked read")
