"""Insights (SPEC §18): net worth over time, a cash-flow forecast and spending trends.

All three read the rollup (a few rows per month, wallet, bucket and category), so their cost
follows the months asked for, never the length of the history: each runs a fixed number of
queries, and Python only folds the grouped rows into months.
"""

import calendar
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.db.models import Case, DateField, F, Min, Sum, Value, When

from budget.common.money import CENT, ZERO
from budget.ledgers.models import Ledger
from budget.money.models import NONE_ID, Bucket, Category, Kind, Rollup, Transaction, Wallet
from budget.planning.models import RecurringTransaction
from budget.planning.schedule import occurrences
from budget.reports.selectors import Scope

TYPICAL_MONTHS = 6  # include_typical: the average of this many complete months
UNUSUAL_MIN_MONTHS = 3  # earlier months needed before a month can be called unusual


def add_months(month: date, count: int) -> date:
    """The first of the month `count` months after `month` (a first of month)."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_from(first: date, last: date) -> list[date]:
    """Every first of month from `first` through `last`."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, n) for n in range(max(count, 0))]


def _month_end(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# --- Net worth ----------------------------------------------------------------------------


def _balances_by_month(rows, column: str, first: date) -> dict[date, dict[UUID, Decimal]]:
    """Movements per (month, wallet or bucket) in one grouped query; everything before `first`
    folded into the month before it, so the opening balance costs one row per wallet."""
    opening = add_months(first, -1)
    period = Case(
        When(month__lt=first, then=Value(opening)), default=F("month"), output_field=DateField()
    )
    grouped = (
        rows.exclude(**{column: NONE_ID})
        .annotate(period=period)
        .values("period", column)
        .annotate(total=Sum("base_amount"))
        .order_by()
    )
    by_month: dict[date, dict[UUID, Decimal]] = defaultdict(dict)
    for row in grouped:
        by_month[row["period"]][row[column]] = row["total"]
    return by_month


def net_worth(*, ledger: Ledger, scope: Scope, first: date, last: date) -> dict:
    """Balances at each month's end from `first` through `last` (firsts of months): the
    running sum of the rollup's movements per wallet and per bucket. Four queries."""
    rows = scope.rollup(ledger).filter(month__lte=last)
    wallets = Wallet.objects.filter(ledger=ledger).order_by("created_at", "pk")
    buckets = Bucket.objects.filter(ledger=ledger).order_by("-is_system", "created_at", "pk")
    if scope.wallet:
        wallets = wallets.filter(pk=scope.wallet.pk)
    if scope.bucket:
        buckets = buckets.filter(pk=scope.bucket.pk)
    wallets = list(wallets.values("id", "name"))
    buckets = list(buckets.values("id", "name"))
    wallet_moves = _balances_by_month(rows, "wallet_id", first)
    bucket_moves = _balances_by_month(rows, "bucket_id", first)
    opening = add_months(first, -1)
    wallet_balance = {w["id"]: wallet_moves[opening].get(w["id"], ZERO) for w in wallets}
    bucket_balance = {b["id"]: bucket_moves[opening].get(b["id"], ZERO) for b in buckets}
    points = []
    for month in months_from(first, last):
        for wallet in wallets:
            wallet_balance[wallet["id"]] += wallet_moves[month].get(wallet["id"], ZERO)
        for bucket in buckets:
            bucket_balance[bucket["id"]] += bucket_moves[month].get(bucket["id"], ZERO)
        points.append(
            {
                "month": month,
                "net_worth": sum(wallet_balance.values(), ZERO),
                "wallets": [
                    {"id": w["id"], "name": w["name"], "balance": wallet_balance[w["id"]]}
                    for w in wallets
                ],
                "buckets": [
                    {"id": b["id"], "name": b["name"], "balance": bucket_balance[b["id"]]}
                    for b in buckets
                ],
            }
        )
    return {"currency": ledger.currency, "points": points}


# --- Forecast -----------------------------------------------------------------------------

# Kinds whose occurrences change the balance; a transfer moves money between two wallets of
# the ledger and leaves the total as it is.
FORECAST_KINDS = (Kind.INCOME, Kind.EXPENSE, Kind.ADJUSTMENT)


def _typical(*, ledger: Ledger, this_month: date) -> tuple[Decimal, Decimal]:
    """The average monthly income and expense of transactions not made by a recurring
    template over the last TYPICAL_MONTHS complete months (fewer when the ledger's history is
    shorter: a month before its first transaction does not count). Two queries."""
    first = add_months(this_month, -TYPICAL_MONTHS)
    started = Rollup.objects.filter(ledger=ledger, count__gt=0).aggregate(first=Min("month"))
    if started["first"] is None or started["first"] >= this_month:
        return ZERO, ZERO
    counted = len(months_from(max(first, started["first"]), add_months(this_month, -1)))
    totals = dict(
        Transaction.objects.filter(
            ledger=ledger,
            date__gte=first,
            date__lt=this_month,
            kind__in=(Kind.INCOME, Kind.EXPENSE),
            recurring__isnull=True,
        )
        .values("kind")
        .annotate(total=Sum("base_amount"))
        .order_by()
        .values_list("kind", "total")
    )
    return (
        _cents(totals.get(Kind.INCOME, ZERO) / counted),
        _cents(totals.get(Kind.EXPENSE, ZERO) / counted),
    )


def forecast(*, ledger: Ledger, today: date, months: int, include_typical: bool) -> dict:
    """The balance (net worth) at the end of this month and the `months - 1` after it.

    It starts from today's net worth and adds every occurrence of the active recurring
    templates still to come up to the last month's end, made with the very schedule that
    materialises them (`planning.schedule.occurrences` after the template's last made date):
    an occurrence due up to today that the daily job has not made yet counts in this month.
    With `include_typical`, each month also gets the typical income and expense of what is
    not recurring; this month only the share of its days still to come.
    """
    this_month = today.replace(day=1)
    month_list = [add_months(this_month, n) for n in range(months)]
    horizon = _month_end(month_list[-1])
    balance = (
        Rollup.objects.filter(ledger=ledger).aggregate(total=Sum("base_amount"))["total"] or ZERO
    )
    templates = RecurringTransaction.objects.filter(
        ledger=ledger, active=True, kind__in=FORECAST_KINDS, next_date__isnull=False
    ).order_by("pk")
    found = []
    for template in templates:
        end = min(template.end_date or horizon, horizon)
        for day in occurrences(
            start=template.start_date,
            frequency=template.frequency,
            interval=template.interval,
            end=end,
            after=template.last_date,
        ):
            found.append(
                {
                    "date": day,
                    "recurring": template.pk,
                    "kind": template.kind,
                    "amount": template.amount,
                    "description": template.description,
                }
            )
    found.sort(key=lambda o: (o["date"], o["description"].lower(), str(o["recurring"])))
    income_typical = expense_typical = ZERO
    if include_typical:
        income_typical, expense_typical = _typical(ledger=ledger, this_month=this_month)
    sums: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for item in found:
        sums[max(item["date"].replace(day=1), this_month)][item["kind"]] += item["amount"]
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    points = []
    for month in month_list:
        share = Decimal(1)
        if month == this_month:
            share = Decimal(days_in_month - today.day) / days_in_month
        income = sums[month][Kind.INCOME] + _cents(income_typical * share)
        expense = sums[month][Kind.EXPENSE] + _cents(expense_typical * share)
        balance += income - expense + sums[month][Kind.ADJUSTMENT]
        points.append(
            {
                "month": month,
                "expected_income": income,
                "expected_expense": expense,
                "adjustments": sums[month][Kind.ADJUSTMENT],
                "balance": balance,
            }
        )
    lowest = min(points, key=lambda p: p["balance"])
    return {
        "currency": ledger.currency,
        "today": today,
        "typical": {"income": income_typical, "expense": expense_typical}
        if include_typical
        else None,
        "points": points,
        "lowest": {"month": lowest["month"], "balance": lowest["balance"]},
        "occurrences": found,
    }


# --- Trends -------------------------------------------------------------------------------


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, ZERO) / len(values)


def population_sd(values: list[Decimal]) -> Decimal:
    """The population standard deviation: the square root of the mean squared distance
    from the mean (dividing by n, not n - 1)."""
    mean = _mean(values)
    return (sum(((v - mean) ** 2 for v in values), ZERO) / len(values)).sqrt()


def is_unusual(before: list[Decimal], last: Decimal) -> bool:
    """`last` is above the mean + 2 population standard deviations of `before` (SPEC §18).

    The population standard deviation (divided by n) of the months before, not the sample
    one (n - 1): those months are the whole baseline compared with, not a sample of some
    larger set. With fewer than
    UNUSUAL_MIN_MONTHS earlier months nothing is unusual (one or two months say nothing of a
    habit)."""
    if len(before) < UNUSUAL_MIN_MONTHS:
        return False
    return last > _mean(before) + 2 * population_sd(before)


def change_percent(baseline: Decimal, last: Decimal) -> Decimal | None:
    """(last - baseline) / baseline · 100 to two decimals; None when the baseline is zero."""
    if not baseline:
        return None
    return _cents((last - baseline) * 100 / baseline)


def savings_rate(income: Decimal, expense: Decimal) -> Decimal | None:
    """(income - expense) / income to four decimals (0.2500 = a quarter saved); None without
    income."""
    if income <= 0:
        return None
    return ((income - expense) / income).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def trends(*, ledger: Ledger, scope: Scope, today: date, months: int) -> dict:
    """The `months` complete months ending with the last one (the month before today's):
    per expense category its monthly totals and how the last compares with the months
    before it; per month the savings rate. Two queries."""
    last = add_months(today.replace(day=1), -1)
    month_list = months_from(add_months(last, -(months - 1)), last)
    grouped = (
        scope.rollup(ledger)
        .filter(
            month__gte=month_list[0],
            month__lte=last,
            kind__in=(Kind.INCOME, Kind.EXPENSE),
        )
        .values("category_id", "kind", "month")
        .annotate(total=Sum("base_amount"))
        .order_by()
    )
    per_category: dict[UUID, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    per_month: dict[date, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row in grouped:
        amount = -row["total"] if row["kind"] == Kind.EXPENSE else row["total"]
        per_month[row["month"]][row["kind"]] += amount
        if row["kind"] == Kind.EXPENSE and row["category_id"] != NONE_ID:
            per_category[row["category_id"]][row["month"]] += amount
    names = {
        c["id"]: c
        for c in Category.objects.filter(pk__in=list(per_category)).values("id", "name", "group")
    }
    categories = []
    for category_id, amounts in per_category.items():
        totals = [amounts.get(m, ZERO) for m in month_list]
        if not any(totals):
            continue
        before, final = totals[:-1], totals[-1]
        baseline = _cents(_mean(before)) if before else ZERO
        info = names[category_id]
        categories.append(
            {
                "id": category_id,
                "name": info["name"],
                "group": info["group"] or None,
                "months": totals,
                "average": baseline,
                "last": final,
                "change_percent": change_percent(baseline, final),
                "unusual": is_unusual(before, final),
            }
        )
    categories.sort(key=lambda c: (not c["unusual"], -c["last"], c["name"].lower()))
    return {
        "currency": ledger.currency,
        "months": month_list,
        "categories": categories,
        "savings_rate": [
            {
                "month": month,
                "income": per_month[month][Kind.INCOME],
                "expense": per_month[month][Kind.EXPENSE],
                "savings_rate": savings_rate(
                    per_month[month][Kind.INCOME], per_month[month][Kind.EXPENSE]
                ),
            }
            for month in month_list
        ],
    }
