import datetime as dt
from uuid import UUID

from ninja import Field, Schema

from budget.common.money import MoneyOut, Percent
from budget.money.models import CategoryType, WalletKind


class ReportFilters(Schema):
    wallet: UUID | None = Field(None, description="Only money in this wallet")
    bucket: UUID | None = Field(None, description="Only money of this bucket")


class YearFilters(ReportFilters):
    year: int = Field(ge=1900, le=9999)


class MonthFilters(YearFilters):
    month: int = Field(ge=1, le=12)


class Totals(Schema):
    income: MoneyOut
    expense: MoneyOut
    net: MoneyOut
    adjustments: MoneyOut


class WalletBalance(Schema):
    id: UUID
    name: str
    kind: WalletKind
    archived: bool
    balance: MoneyOut


class BucketBalance(Schema):
    id: UUID
    name: str
    is_system: bool
    allocation_percent: Percent | None
    archived: bool
    balance: MoneyOut


class BalancesOut(Schema):
    currency: str
    net_worth: MoneyOut
    pending_allocation: MoneyOut
    wallets: list[WalletBalance]
    buckets: list[BucketBalance]


class CategoryTotal(Schema):
    id: UUID
    name: str
    type: CategoryType
    total: MoneyOut


class Day(Schema):
    date: dt.date
    income: MoneyOut
    expense: MoneyOut


class BucketSpent(Schema):
    id: UUID
    name: str
    spent: MoneyOut


class MonthPeriod(Schema):
    year: int
    month: int


class MonthlyOut(Schema):
    period: MonthPeriod
    totals: Totals
    categories: list[CategoryTotal]
    days: list[Day]
    buckets: list[BucketSpent]


class MonthRow(Schema):
    month: int
    income: MoneyOut
    expense: MoneyOut
    net: MoneyOut


class CategoryByMonth(CategoryTotal):
    months: list[MoneyOut] = Field(description="12 amounts, January first")


class YearPeriod(Schema):
    year: int


class YearlyOut(Schema):
    period: YearPeriod
    totals: Totals
    months: list[MonthRow]
    categories: list[CategoryByMonth]


class YearRow(Schema):
    year: int
    income: MoneyOut
    expense: MoneyOut
    net: MoneyOut


class YearTotal(Schema):
    year: int
    total: MoneyOut


class CategoryByYear(CategoryTotal):
    years: list[YearTotal]


class HistoricalPeriod(Schema):
    from_year: int | None
    to_year: int | None


class HistoricalOut(Schema):
    period: HistoricalPeriod
    totals: Totals
    years: list[YearRow]
    categories: list[CategoryByYear]
