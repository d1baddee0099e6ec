"""The four reports, aggregated by the database.

Totals, categories, months and years come from the monthly rollup (a few hundred rows per
ledger and year, whatever the number of transactions); the monthly report's `days` from the
daily rollup. Each report runs a fixed number of queries. Python only reshapes the
grouped rows (at most categories by months) into the report's form.

Filtered by a wallet or a bucket, a report also tells the transfers into and out of it
(`transfers_in`, `transfers_out`; null unfiltered, where every transfer is both). They come
from the transactions, one GROUP BY over the filter's indexes (ledger, from/to wallet,
date): the rollup sums a month's legs of one key, so a wallet's transfers in and out of the
same category and bucket would cancel out there. They never count as income or expense.
"""

import calendar
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from django.db.models import (
    Expression,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import ExtractMonth, ExtractYear
from django.utils import timezone

from budget.common.money import ZERO, money_from_units
from budget.ledgers.models import Ledger
from budget.money import selectors as money
from budget.money.conversion import convert
from budget.money.models import (
    NONE_ID,
    AllocationStatus,
    Bucket,
    Category,
    DailyRollup,
    Kind,
    Rollup,
    Transaction,
    Wallet,
)

REPORTED = (Kind.INCOME, Kind.EXPENSE, Kind.ADJUSTMENT)


@dataclass(frozen=True)
class Scope:
    """A report's optional filters, already checked to belong to the ledger."""

    wallet: Wallet | None = None
    bucket: Bucket | None = None

    def rollup(self, ledger: Ledger) -> QuerySet[Rollup]:
        rows = Rollup.objects.filter(ledger=ledger, count__gt=0)
        if self.wallet:
            rows = rows.filter(wallet_id=self.wallet.pk)
        if self.bucket:
            rows = rows.filter(bucket_id=self.bucket.pk)
        return rows


def _totals(income: Decimal, expense: Decimal, adjustments: Decimal | None = None) -> dict:
    totals = {"income": income, "expense": expense, "net": income - expense}
    if adjustments is not None:
        totals["adjustments"] = adjustments
    return totals


NO_TRANSFERS = {"transfers_in": None, "transfers_out": None}
_ZERO_TRANSFERS = {"transfers_in": ZERO, "transfers_out": ZERO}


def _transfers(
    *,
    ledger: Ledger,
    scope: Scope,
    first: date | None = None,
    last: date | None = None,
    period: Expression | None = None,
) -> tuple[dict, dict]:
    """Transfers into and out of the scope's wallet and/or bucket between `first` and `last`
    (each optional): the totals `{transfers_in, transfers_out}`, and the same per `period`
    (an expression of the date, such as its month). One query; `NO_TRANSFERS` (and no
    query) without a wallet or bucket filter."""
    if not (scope.wallet or scope.bucket):
        return NO_TRANSFERS, defaultdict(lambda: NO_TRANSFERS)
    into, out_of = Q(), Q()
    if scope.wallet:
        into &= Q(to_wallet_id=scope.wallet.pk)
        out_of &= Q(from_wallet_id=scope.wallet.pk)
    if scope.bucket:
        into &= Q(to_bucket_id=scope.bucket.pk)
        out_of &= Q(from_bucket_id=scope.bucket.pk)
    rows = Transaction.objects.filter(into | out_of, ledger=ledger, kind=Kind.TRANSFER)
    if first:
        rows = rows.filter(date__gte=first)
    if last:
        rows = rows.filter(date__lte=last)
    sums = {
        "transfers_in": Sum("amount", filter=into),
        "transfers_out": Sum("amount", filter=out_of),
    }
    if period is None:
        grouped = [{"period": None, **rows.aggregate(**sums)}]
    else:
        grouped = rows.annotate(period=period).values("period").annotate(**sums).order_by()
    zero = _ZERO_TRANSFERS
    per_period: dict = defaultdict(lambda: zero)
    totals = dict(zero)
    for row in grouped:
        amounts = {name: row[name] or ZERO for name in zero}
        per_period[row["period"]] = amounts
        for name in zero:
            totals[name] += amounts[name]
    return totals, per_period


def _signed(kind: str, amount: Decimal) -> Decimal:
    """Report amounts are positive: an expense's movements are negative in the rollup."""
    return -amount if kind == Kind.EXPENSE else amount


def _category_names(ids: set[UUID]) -> dict[UUID, dict]:
    return {
        c["id"]: {**c, "group": c["group"] or None}
        for c in Category.objects.filter(pk__in=ids).values("id", "name", "type", "group")
    }


def _groups(categories: list[dict], with_months: bool = False) -> list[dict]:
    """Subtotals per category group (SPEC §18), from the report's category rows: one row per
    group name and type (an income group and an expense group of one name stay apart).
    Categories without a group are in none. Sorted like the categories: total descending."""
    groups: dict[tuple[str, str], dict] = {}
    for category in categories:
        if not category["group"]:
            continue
        key = (category["group"], category["type"])
        row = groups.setdefault(
            key,
            {
                "name": category["group"],
                "type": category["type"],
                "total": ZERO,
                **({"months": [ZERO] * 12} if with_months else {}),
            },
        )
        row["total"] += category["total"]
        if with_months:
            row["months"] = [a + b for a, b in zip(row["months"], category["months"], strict=True)]
    return sorted(groups.values(), key=lambda g: (-g["total"], g["name"].lower(), g["type"]))


def _by_category(rows: QuerySet, period: str):
    """Grouped rollup rows: (category, kind, period) → amount. One query (+1 for names)."""
    grouped = (
        rows.filter(kind__in=REPORTED)
        .values("category_id", "kind", period)
        .annotate(total=Sum("base_amount"))  # in the base currency (SPEC §14)
        .order_by()
    )
    return [
        (r["category_id"], r["kind"], r[period], _signed(r["kind"], r["total"])) for r in grouped
    ]


def _categories(grouped, names: dict[UUID, dict], periods) -> list[dict]:
    """Category rows sorted by total, with a per-period breakdown built by `periods`."""
    per_category: dict[UUID, dict] = defaultdict(lambda: defaultdict(Decimal))
    for category_id, kind, period, amount in grouped:
        if kind != Kind.ADJUSTMENT and category_id != NONE_ID:
            per_category[category_id][period] += amount
    result = []
    for category_id, amounts in per_category.items():
        info = names[category_id]
        total = sum(amounts.values(), ZERO)
        result.append({**info, "total": total, **periods(amounts)})
    result.sort(key=lambda c: (-c["total"], c["name"].lower()))
    return result


def _fold(grouped, key) -> tuple[dict, dict]:
    """Totals by kind, and by (period, kind)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    per_period: dict = defaultdict(lambda: defaultdict(Decimal))
    for _category, kind, period, amount in grouped:
        totals[kind] += amount
        per_period[key(period)][kind] += amount
    return totals, per_period


def _report_totals(totals: dict) -> dict:
    return _totals(
        totals.get(Kind.INCOME, ZERO),
        totals.get(Kind.EXPENSE, ZERO),
        totals.get(Kind.ADJUSTMENT, ZERO),
    )


# --- Balances -----------------------------------------------------------------------------


def balances(*, ledger: Ledger, scope: Scope) -> dict:
    wallets = money.wallets_of(ledger=ledger, balance=False)
    buckets = money.buckets_of(ledger=ledger, balance=False)
    if scope.wallet:
        wallets = wallets.filter(pk=scope.wallet.pk)
    if scope.bucket:
        buckets = buckets.filter(pk=scope.bucket.pk)
    wallets, buckets = list(wallets), list(buckets)
    booked = _balances_set(ledger=ledger, scope=scope, wallets=wallets, buckets=buckets)
    pending = Transaction.objects.filter(ledger=ledger, allocation_status=AllocationStatus.PENDING)
    if scope.wallet:
        pending = pending.filter(wallet_id=scope.wallet.pk)
    if scope.bucket and not scope.bucket.is_system:
        pending = pending.none()
    worth = _wallets_worth(ledger=ledger, wallets=wallets, booked=booked)
    return {
        "currency": ledger.currency,
        **worth,
        "pending_allocation": pending.aggregate(total=Sum("base_amount"))["total"] or ZERO,
        "wallets": [
            {
                "id": w.pk,
                "name": w.name,
                "kind": w.kind,
                "currency": w.currency,
                "archived": w.archived,
                "balance": w.balance,
                "balance_base": w.balance_base,
            }
            for w in wallets
        ],
        "buckets": [
            {
                "id": b.pk,
                "name": b.name,
                "is_system": b.is_system,
                "allocation_percent": b.allocation_percent,
                "archived": b.archived,
                "balance": b.balance,
            }
            for b in buckets
        ],
    }


def _balances_set(*, ledger: Ledger, scope: Scope, wallets: list, buckets: list) -> dict:
    """Sets `balance` on each of `wallets` (in its currency; with a bucket filter, only
    that bucket's money) and `buckets` (in the base currency; with a wallet filter, only
    the money held in that wallet), from one pass over the rollup summed per wallet and
    bucket; answers each wallet's booked base value within the scope (`_wallets_worth`)."""
    in_wallet: dict[UUID, int] = defaultdict(int)
    in_bucket: dict[UUID, int] = defaultdict(int)
    booked: dict[UUID, int] = defaultdict(int)
    wallet_id = scope.wallet.pk if scope.wallet else None
    bucket_id = scope.bucket.pk if scope.bucket else None
    for wallet, bucket, amount, base, booked_base in money.rollup_by_wallet_and_bucket(
        ledger=ledger
    ):
        if bucket_id is None or bucket == bucket_id:
            in_wallet[wallet] += amount
            if wallet_id is None or wallet == wallet_id:
                booked[wallet] += booked_base or 0
        if wallet_id is None or wallet == wallet_id:
            in_bucket[bucket] += base
    for w in wallets:
        w.balance = money_from_units(in_wallet.get(w.pk, 0))
    for b in buckets:
        b.balance = money_from_units(in_bucket.get(b.pk, 0))
    return {pk: money_from_units(units) for pk, units in booked.items()}


def _wallets_worth(*, ledger: Ledger, wallets: list, booked: dict) -> dict:
    """SPEC §14: each wallet's `balance_base` (its balance at the latest rate on or before
    today, whatever its age; None without one; a base wallet's own balance), the net worth
    (their sum), the balances without a rate by currency, and the revaluation: net worth
    minus the booked base value (`booked`, by wallet) of the wallets that were converted.
    A query only when some wallet is in another currency (the rates)."""
    base = ledger.currency
    foreign = sorted({w.currency for w in wallets if w.currency != base})
    rates = {}
    if foreign:
        from budget.rates.lookup import rates_latest

        rates = rates_latest(
            ledger_id=ledger.pk, base=base, currencies=foreign, on=timezone.localdate()
        )
    unconverted: dict[str, Decimal] = defaultdict(lambda: ZERO)
    converted_ids = []
    for wallet in wallets:
        if wallet.currency == base:
            wallet.balance_base = wallet.balance
        elif rates.get(wallet.currency) is None:
            wallet.balance_base = None
            unconverted[wallet.currency] += wallet.balance
        else:
            wallet.balance_base = convert(wallet.balance, rates[wallet.currency], base)
            converted_ids.append(wallet.pk)
    net_worth = sum((w.balance_base for w in wallets if w.balance_base is not None), ZERO)
    revaluation = ZERO
    if converted_ids:
        booked_value = sum((booked.get(pk, ZERO) for pk in converted_ids), ZERO)
        converted = sum((w.balance_base for w in wallets if w.pk in converted_ids), ZERO)
        revaluation = converted - booked_value
    return {
        "net_worth": net_worth,
        "unconverted": [
            {"currency": code, "amount": amount} for code, amount in sorted(unconverted.items())
        ],
        "revaluation": revaluation,
    }


# --- Monthly ------------------------------------------------------------------------------


def _days(*, ledger: Ledger, scope: Scope, year: int, month: int) -> list[dict]:
    """Every day of the month with its income and expense, from the daily rollup (at most
    days by wallets by buckets by 2 rows, whatever the number of transactions)."""
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    rows = DailyRollup.objects.filter(ledger=ledger, date__range=(first, last))
    if scope.wallet:
        rows = rows.filter(wallet_id=scope.wallet.pk)
    if scope.bucket:
        rows = rows.filter(bucket_id=scope.bucket.pk)
    sums: dict[date, dict] = defaultdict(lambda: {"income": ZERO, "expense": ZERO})
    for row in rows.values("date", "kind").annotate(total=Sum("amount")).order_by():
        if row["kind"] == Kind.INCOME:
            sums[row["date"]]["income"] += row["total"]
        else:  # an expense leg is negative: money left
            sums[row["date"]]["expense"] -= row["total"]
    return [
        {"date": day, **sums.get(day, {"income": ZERO, "expense": ZERO})}
        for day in (date(year, month, d) for d in range(1, last.day + 1))
    ]


def monthly(*, ledger: Ledger, scope: Scope, year: int, month: int) -> dict:
    rows = scope.rollup(ledger).filter(month=date(year, month, 1))
    grouped = _by_category(rows, "month")
    names = _category_names({c for c, kind, _, _ in grouped if kind != Kind.ADJUSTMENT})
    totals, _ = _fold(grouped, key=lambda m: m)
    movements = (
        rows.filter(kind=Kind.EXPENSE)
        .values("bucket_id")
        .annotate(total=Sum("base_amount"))  # negative: money left the bucket
        .filter(total__lt=0)
        .order_by()
    )
    spent = {r["bucket_id"]: -r["total"] for r in movements}
    buckets = [
        {"id": b.pk, "name": b.name, "spent": spent[b.pk]}
        for b in Bucket.objects.filter(pk__in=list(spent))
    ]
    buckets.sort(key=lambda b: (-b["spent"], b["name"].lower()))
    first = date(year, month, 1)
    last = date(year, month, calendar.monthrange(year, month)[1])
    transfers, _ = _transfers(ledger=ledger, scope=scope, first=first, last=last)
    return {
        "period": {"year": year, "month": month},
        "totals": {**_report_totals(totals), **transfers},
        "categories": (categories := _categories(grouped, names, periods=lambda amounts: {})),
        "groups": _groups(categories),
        "days": _days(ledger=ledger, scope=scope, year=year, month=month),
        "buckets": buckets,
    }


# --- Yearly -------------------------------------------------------------------------------


def yearly(*, ledger: Ledger, scope: Scope, year: int) -> dict:
    rows = scope.rollup(ledger).filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))
    grouped = _by_category(rows, "month")
    names = _category_names({c for c, kind, _, _ in grouped if kind != Kind.ADJUSTMENT})
    totals, per_month = _fold(grouped, key=lambda m: m.month)
    transfers, transfers_per_month = _transfers(
        ledger=ledger,
        scope=scope,
        first=date(year, 1, 1),
        last=date(year, 12, 31),
        period=ExtractMonth("date"),
    )
    months = [
        {
            "month": number,
            **_totals(
                per_month[number].get(Kind.INCOME, ZERO), per_month[number].get(Kind.EXPENSE, ZERO)
            ),
            **transfers_per_month[number],
        }
        for number in range(1, 13)
    ]

    def by_month(amounts: dict) -> dict:
        totals_by_month = defaultdict(Decimal)
        for month_start, amount in amounts.items():
            totals_by_month[month_start.month] += amount
        return {"months": [totals_by_month.get(n, ZERO) for n in range(1, 13)]}

    return {
        "period": {"year": year},
        "totals": {**_report_totals(totals), **transfers},
        "months": months,
        "categories": (categories := _categories(grouped, names, periods=by_month)),
        "groups": _groups(categories, with_months=True),
    }


# --- Historical ---------------------------------------------------------------------------


def historical(*, ledger: Ledger, scope: Scope) -> dict:
    rows = scope.rollup(ledger).annotate(year=ExtractYear("month"))
    span = rows.aggregate(first=Min("month"), last=Max("month"))
    if span["first"] is None:
        return {
            "period": {"from_year": None, "to_year": None},
            "totals": {
                **_totals(ZERO, ZERO, ZERO),
                **(NO_TRANSFERS if not (scope.wallet or scope.bucket) else _ZERO_TRANSFERS),
            },
            "years": [],
            "categories": [],
        }
    grouped = _by_category(rows, "year")
    names = _category_names({c for c, kind, _, _ in grouped if kind != Kind.ADJUSTMENT})
    totals, per_year = _fold(grouped, key=lambda y: y)
    first, last = span["first"].year, span["last"].year
    transfers, transfers_per_year = _transfers(
        ledger=ledger, scope=scope, period=ExtractYear("date")
    )
    years = [
        {
            "year": year,
            **_totals(
                per_year[year].get(Kind.INCOME, ZERO), per_year[year].get(Kind.EXPENSE, ZERO)
            ),
            **transfers_per_year[year],
        }
        for year in range(first, last + 1)
    ]

    def by_year(amounts: dict) -> dict:
        return {"years": [{"year": y, "total": amounts[y]} for y in sorted(amounts)]}

    return {
        "period": {"from_year": first, "to_year": last},
        "totals": {**_report_totals(totals), **transfers},
        "years": years,
        "categories": _categories(grouped, names, periods=by_year),
    }
