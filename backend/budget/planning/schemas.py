import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from budget.common.money import Money, MoneyOut
from budget.money.models import Kind
from budget.money.schemas import Name, Tag, TransactionFields, TransactionFieldsOut, _Named
from budget.planning.models import Frequency, month_text
from budget.planning.selectors import progress_of

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


class RecurringOut(TransactionFieldsOut):
    id: UUID
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


# --- Budgets ------------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def month_parse(value: Any) -> dt.date:
    """Parses "2025-03" as date(2025, 3, 1): a month is stored as its first day."""
    if isinstance(value, dt.date):
        return value.replace(day=1)
    found = _MONTH.match(value.strip()) if isinstance(value, str) else None
    if not found or not 1 <= int(found[2]) <= 12 or int(found[1]) < 1:
        raise ValueError('Expected a month as "YYYY-MM", such as "2025-03".')
    return dt.date(int(found[1]), int(found[2]), 1)


_MONTH_SCHEMA = {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])$", "example": "2025-03"}

# "YYYY-MM" in, a date (the month's first day) in Python…
Month = Annotated[dt.date, BeforeValidator(month_parse), WithJsonSchema(_MONTH_SCHEMA)]
# …and "YYYY-MM" out.
MonthOut = Annotated[
    dt.date,
    PlainSerializer(month_text, return_type=str),
    WithJsonSchema(_MONTH_SCHEMA),
]
AlertPercent = Field(
    80, ge=1, le=100, description="Percent of the limit at which the budget turns `warning`"
)


def _not_a_bool(value: Any) -> Any:
    if isinstance(value, bool):  # pydantic would read true as 1
        raise ValueError("Expected a whole number from 1 to 100.")
    return value


# A whole percent: a JSON number or a numeric string, never true/false.
WholePercent = Annotated[int, BeforeValidator(_not_a_bool)]


ROLLOVER = (
    "What is left of each month's limit (or the overspend, negative) carries into the next "
    "month's, month after month from start_month"
)


class BudgetIn(Schema):
    category: UUID = Field(description="An expense category of the ledger")
    amount: Money = Field(description="The monthly limit, greater than zero")
    alert_percent: WholePercent = AlertPercent
    rollover: bool = Field(False, description=ROLLOVER)
    start_month: Month
    end_month: Month | None = Field(None, description="Inclusive; none: open-ended")


class BudgetPatch(Schema):
    category: UUID | None = None
    amount: Money | None = None
    alert_percent: WholePercent | None = Field(None, ge=1, le=100)
    rollover: bool | None = None
    start_month: Month | None = None
    end_month: Month | None = None


class BudgetOut(Schema):
    id: UUID
    category: UUID = Field(alias="category_id")
    category_name: str = Field(alias="category.name")
    amount: MoneyOut
    alert_percent: int
    rollover: bool
    start_month: MonthOut
    end_month: MonthOut | None
    created_at: dt.datetime
    updated_at: dt.datetime


class BudgetStatusFilters(Schema):
    year: int = Field(ge=1900, le=9999)
    month: int = Field(ge=1, le=12)


class BudgetStatusOut(Schema):
    budget: UUID
    category: UUID
    category_name: str
    category_group: str | None = Field(description="The category's group; null: none")
    rollover: bool
    limit: MoneyOut = Field(description="This month's own limit (the budget's amount)")
    carried: MoneyOut = Field(
        description="With rollover: what was left of the earlier months' limits since "
        "start_month (negative: overspent); 0 without rollover"
    )
    available: MoneyOut = Field(description="limit + carried")
    spent: MoneyOut = Field(description="Expenses of the category in the month")
    remaining: MoneyOut = Field(description="available - spent; negative when exceeded")
    percent_used: MoneyOut | None = Field(
        description="spent / available · 100, two decimals, rounded towards 100 (down up to "
        "what is available, up past it): 100.00 means exactly what is available; null when "
        "nothing is available (available ≤ 0, after overspending with rollover)"
    )
    alert_percent: int
    state: Literal["ok", "warning", "exceeded"] = Field(
        description="warning: percent used ≥ alert_percent; exceeded: spent > available"
    )


# --- Goals --------------------------------------------------------------------------------


class GoalIn(_Named):
    name: Name
    bucket: UUID = Field(description="The bucket whose balance counts as saved")
    target_amount: Money = Field(description="Greater than zero")
    target_date: dt.date | None = None


class GoalPatch(_Named):
    name: Name | None = None
    bucket: UUID | None = None
    target_amount: Money | None = None
    target_date: dt.date | None = None


class GoalOut(Schema):
    id: UUID
    name: str
    bucket: UUID = Field(alias="bucket_id")
    bucket_name: str = Field(alias="bucket.name")
    target_amount: MoneyOut
    target_date: dt.date | None
    saved: MoneyOut = Field(description="The bucket's balance")
    progress_percent: MoneyOut = Field(
        description="saved / target_amount · 100, rounded down to two decimals (100.00 means "
        "reached); 0 when saved is negative; not capped at 100"
    )
    monthly_needed: MoneyOut | None = Field(
        description="What still has to go into the bucket in each month from the current one "
        "through target_date's month, rounded up to the cent; the whole remainder once "
        "target_date is past; null without a target_date"
    )
    on_track: bool = Field(
        description="True when the target is reached, or there is no target_date, or the "
        "target_date is still ahead and the bucket's balance grew this month by at least "
        "this month's share of what was left when the month began (that remainder divided "
        "by the months from this one through target_date's); false once the target_date is "
        "past and the target not reached"
    )
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_progress_percent(goal) -> Decimal:
        return progress_of(goal).progress_percent

    @staticmethod
    def resolve_monthly_needed(goal) -> Decimal | None:
        return progress_of(goal).monthly_needed

    @staticmethod
    def resolve_on_track(goal) -> bool:
        return progress_of(goal).on_track
