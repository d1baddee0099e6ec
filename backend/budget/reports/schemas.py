import datetime as dt
from decimal import Decimal
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_serializer

from budget.common.money import MoneyOut, Percent, money_str
from budget.money.models import CategoryType, Kind, WalletKind
from budget.planning.schemas import Month, MonthOut


class ReportFilters(Schema):
    wallet: UUID | None = Field(None, description="Only money in this wallet")
    bucket: UUID | None = Field(None, description="Only money of this bucket")


class YearFilters(ReportFilters):
    year: int = Field(ge=1900, le=9999)


class MonthFilters(YearFilters):
    month: int = Field(ge=1, le=12)


class Transfers(Schema):
    transfers_in: MoneyOut | None = Field(
        None,
        description="Transfers into the filtered wallet or bucket (never income); "
        "null without a wallet or bucket filter",
    )
    transfers_out: MoneyOut | None = Field(
        None,
        description="Transfers out of the filtered wallet or bucket (never expense); "
        "null without a wallet or bucket filter",
    )


class Totals(Transfers):
    income: MoneyOut
    expense: MoneyOut
    net: MoneyOut
    adjustments: MoneyOut


class WalletBalance(Schema):
    id: UUID
    name: str
    kind: WalletKind
    currency: str
    archived: bool
    balance: MoneyOut = Field(description="In the wallet's currency")
    balance_base: MoneyOut | None = Field(
        description="In the ledger's currency at the latest rate on or before today; "
        "null without one"
    )

    @field_serializer("balance", when_used="always")
    def balance_out(self, value):
        return money_str(value, self.currency)


class Unconverted(Schema):
    currency: str
    amount: MoneyOut

    @field_serializer("amount", when_used="always")
    def amount_out(self, value):
        return money_str(value, self.currency)


class BucketBalance(Schema):
    id: UUID
    name: str
    is_system: bool
    allocation_percent: Percent | None
    archived: bool
    balance: MoneyOut


class BalancesOut(Schema):
    currency: str
    net_worth: MoneyOut = Field(description="Σ balance_base: the wallets with a rate")
    unconverted: list[Unconverted] = Field(
        description="The balances of wallets without any rate, by currency"
    )
    revaluation: MoneyOut = Field(
        description="Net worth at today's rates minus the booked base value of the "
        "converted wallets: the unrealised exchange gain or loss"
    )
    pending_allocation: MoneyOut
    wallets: list[WalletBalance]
    buckets: list[BucketBalance]


class CategoryTotal(Schema):
    id: UUID
    name: str
    type: CategoryType
    group: str | None = Field(description="The category's group; null: none")
    total: MoneyOut


class GroupTotal(Schema):
    name: str
    type: CategoryType
    total: MoneyOut = Field(description="The sum of its categories' totals")


class GroupByMonth(GroupTotal):
    months: list[MoneyOut] = Field(description="12 amounts, January first")


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
    groups: list[GroupTotal] = Field(description="Subtotals per category group")
    days: list[Day]
    buckets: list[BucketSpent]


class MonthRow(Transfers):
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
    groups: list[GroupByMonth] = Field(description="Subtotals per category group")


class YearRow(Transfers):
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


# --- Insights (SPEC §18) --------------------------------------------------------------------

MAX_NET_WORTH_MONTHS = 240


class NetWorthFilters(ReportFilters):
    from_: Month | None = Field(
        None, alias="from", description="First month, YYYY-MM (default: 11 months before `to`)"
    )
    to: Month | None = Field(None, description="Last month, YYYY-MM (default: this month)")


class ForecastFilters(Schema):
    months: int = Field(12, ge=1, le=60, description="This month and the months - 1 after it")
    include_typical: bool = Field(
        False,
        description="Add the average monthly income and expense of non-recurring "
        "transactions over the last 6 complete months",
    )


class TrendsFilters(ReportFilters):
    months: int = Field(
        12, ge=2, le=60, description="Complete months, ending with the one before this month"
    )


class NetWorthWallet(Schema):
    id: UUID
    name: str
    balance: MoneyOut


class NetWorthPoint(Schema):
    month: MonthOut
    net_worth: MoneyOut = Field(description="The sum of the wallet balances at the month's end")
    wallets: list[NetWorthWallet]
    buckets: list[NetWorthWallet]


class NetWorthOut(Schema):
    currency: str
    points: list[NetWorthPoint] = Field(description="Every month of the range, oldest first")


class ForecastPoint(Schema):
    month: MonthOut
    expected_income: MoneyOut
    expected_expense: MoneyOut
    adjustments: MoneyOut = Field(description="Recurring adjustments, signed")
    balance: MoneyOut = Field(description="The expected net worth at the month's end")


class ForecastLowest(Schema):
    month: MonthOut
    balance: MoneyOut


class ForecastOccurrence(Schema):
    date: dt.date
    recurring: UUID
    kind: Kind
    amount: MoneyOut = Field(description="As the template says: positive but for adjustments")
    description: str


class Typical(Schema):
    income: MoneyOut
    expense: MoneyOut


class ForecastOut(Schema):
    currency: str
    today: dt.date
    typical: Typical | None = Field(description="With include_typical: the monthly averages")
    points: list[ForecastPoint] = Field(
        description="This month (only what is still to come in it) and the months after it"
    )
    lowest: ForecastLowest = Field(description="The month with the lowest balance (the first)")
    occurrences: list[ForecastOccurrence] = Field(
        description="The recurring occurrences behind the points, by date"
    )


class CategoryTrend(Schema):
    id: UUID
    name: str
    group: str | None
    months: list[MoneyOut] = Field(description="One total per month of `months`, oldest first")
    average: MoneyOut = Field(description="The mean of the months before the last")
    last: MoneyOut = Field(description="The last complete month")
    change_percent: MoneyOut | None = Field(
        description="(last - average) / average · 100, two decimals; null when average is 0"
    )
    unusual: bool = Field(
        description="last > mean + 2 population standard deviations of the months before it "
        "(needs at least 3 of them)"
    )


class SavingsRate(Schema):
    month: MonthOut
    income: MoneyOut
    expense: MoneyOut
    savings_rate: Decimal | None = Field(
        description="(income - expense) / income, four decimals as a string; null without income"
    )


class TrendsOut(Schema):
    currency: str
    months: list[MonthOut]
    categories: list[CategoryTrend] = Field(
        description="Expense categories with spending in the months: unusual first, then by "
        "the last month's total"
    )
    savings_rate: list[SavingsRate]
