import datetime as dt
from uuid import UUID

from ninja import Field, Schema

from budget.common.money import Money
from budget.money.models import Kind
from budget.money.schemas import Tag, TransactionFields
from budget.planning.models import Frequency

Interval = Field(1, ge=1, le=1000)


class RecurringIn(TransactionFields):
    kind: Kind
    amount: Money
    frequency: Frequency
    interval: int = Interval
    start_date: dt.date
    end_date: dt.date | None = None
    active: bool = True


class RecurringPatch(TransactionFields):
    kind: Kind | None = None
    amount: Money | None = None
    description: str | None = Field(None, max_length=255)
    notes: str | None = Field(None, max_length=2000)
    tags: list[Tag] | None = Field(None, max_length=20)
    frequency: Frequency | None = None
    interval: int | None = Field(None, ge=1, le=1000)
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    active: bool | None = None


class RecurringOut(Schema):
    id: UUID
    kind: Kind
    amount: Money
    description: str
    notes: str
    tags: list[str]
    category: UUID | None = Field(alias="category_id")
    wallet: UUID | None = Field(alias="wallet_id")
    bucket: UUID | None = Field(alias="bucket_id")
    from_wallet: UUID | None = Field(alias="from_wallet_id")
    to_wallet: UUID | None = Field(alias="to_wallet_id")
    from_bucket: UUID | None = Field(alias="from_bucket_id")
    to_bucket: UUID | None = Field(alias="to_bucket_id")
    frequency: Frequency
    interval: int
    start_date: dt.date
    end_date: dt.date | None
    active: bool
    next_date: dt.date | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RunOut(Schema):
    created: int
    next_date: dt.date | None
