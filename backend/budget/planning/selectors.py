"""Reads of recurring transactions, budgets and goals.

Budget spending and goal balances come from the money rollup (`money_rollup`): a few rows
per category or bucket and month, whatever the number of transactions.
"""

import math
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from uuid import UUID

from django.db.models import DateField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from budget.common.money import CENT, ZERO, MoneyField
from budget.ledgers.models import Ledger
from budget.money import selectors as money
from budget.money.models import Kind, Rollup
from budget.planning.models import Budget, Goal, RecurringTransaction

# --- Recurring ----------------------------------------------------------------------------


def recurring_of(*, ledger: Ledger) -> QuerySet[RecurringTransaction]:
    return (
        RecurringTransaction.objects.filter(ledger=ledger)
        .select_related("payee")
        .order_by("created_at", "id")
    )


def recurring_due_ids(*, today: date) -> list[UUID]:
    """Active templates with an occurrence dated up to `today` not made yet."""
    return list(
        RecurringTransaction.objects.filter(active=True, next_date__lte=today)
        .order_by("next_date", "id")
        .values_list("pk", flat=True)
    )


# --- Budgets ------------------------------------------------------------------------------


def budgets_of(*, ledger: Ledger) -> QuerySet[Budget]:
    return (
        Budget.objects.filter(ledger=ledger)
        .select_related("category")
        .order_by("category__name_key", "start_month", "id")
    )


def active_in(month: date) -> Q:
    """Budgets whose months include `month` (a first of month)."""
    return Q(start_month__lte=month) & (Q(end_month__isnull=True) | Q(end_month__gte=month))


def budget_state(*, spent: Decimal, limit: Decimal, alert_percent: int) -> str:
    """`exceeded` above 100 %, `warning` from alert_percent on (exactly 100 % is a warning),
    else `ok`. Compared exactly, not on the rounded percent_used. `limit` is what is
    available (the month's limit plus what rolled over); with nothing available (≤ 0),
    anything spent past it is `exceeded` and the rest a `warning`: nothing is left."""
    if spent > limit:
        return "exceeded"
    if spent * 100 >= limit * alert_percent:
        return "warning"
    return "ok"


def percent_used(*, spent: Decimal, limit: Decimal) -> Decimal | None:
    """spent / limit · 100 to two decimals, rounded towards 100 % (down up to the limit, up
    past it), so that it agrees with `budget_state`: 80.00 shows only once 80 % is reached,
    100.00 only at the limit itself, and anything over the limit shows over 100.00.
    None when the limit (what is available) is not positive: no percentage means anything."""
    if limit <= 0:
        return None
    rounding = ROUND_UP if spent > limit else ROUND_DOWN
    return (spent * 100 / limit).quantize(CENT, rounding=rounding)


def _months_between(first: date, month: date) -> int:
    """Months from `first` up to, not including, `month` (firsts of months)."""
    return (month.year - first.year) * 12 + month.month - first.month


def _spent_before(budgets: list[Budget], month: date) -> dict[UUID, Decimal]:
    """Per rolling-over budget, its category's expenses from its start_month up to `month`
    (not included): one grouped query over the rollup, whatever the history's length."""
    rolling = [b for b in budgets if b.rollover and b.start_month < month]
    if not rolling:
        return {}
    months = Q()
    for budget in rolling:
        months |= Q(category_id=budget.category_id, month__gte=budget.start_month)
    spent = dict(
        Rollup.objects.filter(months, ledger_id=rolling[0].ledger_id, kind=Kind.EXPENSE)
        .filter(month__lt=month)
        .values("category_id")
        .annotate(total=Sum("base_amount"))  # negative: money left the wallet
        .order_by()
        .values_list("category_id", "total")
    )
    return {b.pk: -spent.get(b.category_id, ZERO) for b in rolling}


def budget_status(*, ledger: Ledger, month: date) -> list[dict]:
    """The status of every budget active in `month`: at most three queries, whatever their
    number and the length of the history.

    A rolling-over budget carries what was left of every earlier month's limit since its
    start_month (the overspend, negative, too): carried = limit · months before - what was
    spent in them, the running balance month after month. The current amount counts for
    every month; changing it changes what was carried.
    """
    budgets = list(budgets_of(ledger=ledger).filter(active_in(month)))
    if not budgets:
        return []
    spent = dict(
        Rollup.objects.filter(
            ledger=ledger,
            month=month,
            kind=Kind.EXPENSE,
            category_id__in={b.category_id for b in budgets},
        )
        .values("category_id")
        .annotate(total=Sum("base_amount"))  # negative: money left the wallet
        .order_by()
        .values_list("category_id", "total")
    )
    spent_before = _spent_before(budgets, month)
    rows = []
    for budget in budgets:
        used = -spent.get(budget.category_id, ZERO)
        limit = budget.amount
        carried = ZERO
        if budget.pk in spent_before:
            carried = limit * _months_between(budget.start_month, month) - spent_before[budget.pk]
        available = limit + carried
        rows.append(
            {
                "budget": budget.pk,
                "category": budget.category_id,
                "category_name": budget.category.name,
                "category_group": budget.category.group or None,
                "rollover": budget.rollover,
                "limit": limit,
                "carried": carried,
                "available": available,
                "spent": used,
                "remaining": available - used,
                "percent_used": percent_used(spent=used, limit=available),
                "alert_percent": budget.alert_percent,
                "state": budget_state(
                    spent=used, limit=available, alert_percent=budget.alert_percent
                ),
            }
        )
    return rows


def budget_ledgers_active(*, month: date) -> list[UUID]:
    """Ledgers with at least one budget active in `month`."""
    return list(
        Budget.objects.filter(active_in(month))
        .values_list("ledger_id", flat=True)
        .distinct()
        .order_by("ledger_id")
    )


# --- Goals --------------------------------------------------------------------------------


def _bucket_change(month: date) -> Coalesce:
    """How much the goal's bucket balance changed in `month` (deposits minus withdrawals)."""
    rows = (
        Rollup.objects.filter(
            ledger_id=OuterRef("ledger_id"), bucket_id=OuterRef("bucket_id"), month=month
        )
        .values("bucket_id")
        .annotate(total=Sum("base_amount"))
        .values("total")
    )
    return Coalesce(
        Subquery(rows, output_field=MoneyField()), Value(ZERO), output_field=MoneyField()
    )


def goals_of(*, ledger: Ledger, today: date) -> QuerySet[Goal]:
    """Goals with `saved` (the bucket's balance, as the buckets API computes it),
    `saved_this_month` and `as_of` (today); one query for the whole list."""
    balance = money.buckets_of(ledger=ledger).filter(pk=OuterRef("bucket_id")).values("balance")
    return (
        Goal.objects.filter(ledger=ledger)
        .select_related("bucket")
        .annotate(
            saved=Coalesce(
                Subquery(balance[:1], output_field=MoneyField()),
                Value(ZERO),
                output_field=MoneyField(),
            ),
            saved_this_month=_bucket_change(today.replace(day=1)),
            as_of=Value(today, output_field=DateField()),
        )
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class Progress:
    progress_percent: Decimal
    monthly_needed: Decimal | None
    on_track: bool


def months_through(today: date, target: date) -> int:
    """Months from today's month through target's month, both counted (0 or less: past)."""
    return (target.year - today.year) * 12 + target.month - today.month + 1


def goal_progress(
    *,
    saved: Decimal,
    saved_this_month: Decimal,
    target_amount: Decimal,
    target_date: date | None,
    today: date,
) -> Progress:
    """The figures of SPEC §8 for a goal.

    - progress_percent = saved / target · 100, rounded down (100.00 only once reached),
      0 while saved is negative, not capped at 100.
    - monthly_needed = what is left (target - saved, at least 0) spread over the months
      from today's through target_date's, both counted, rounded up to the cent so that
      paying it every month reaches the target; all of it once target_date's month is
      past; None without a target_date.
    - on_track: the target is reached; or there is no target_date (nothing to keep up
      with); or target_date's month is still ahead (or current) and the bucket's balance
      grew this month by at least this month's share of what was left when the month
      began (that remainder / the months counted, compared exactly: putting in 95 of the
      100 a month needed is behind, although the 1105 left then needs less than 95 a
      month). Past target_date and not reached: False.
    """
    percent = (max(saved, ZERO) * 100 / target_amount).quantize(CENT, rounding=ROUND_DOWN)
    left = max(ZERO, target_amount - saved)
    if target_date is None:
        return Progress(percent, None, True)
    months = months_through(today, target_date)
    if months < 1:
        needed = left
        on_track = left == ZERO
    else:
        # Up to the cent, so that paying it every month does reach the target.
        needed = Decimal(math.ceil(left * 100 / months)) / 100
        needed = needed.quantize(CENT)
        left_when_month_began = max(ZERO, target_amount - (saved - saved_this_month))
        on_track = left == ZERO or saved_this_month * months >= left_when_month_began
    return Progress(percent, needed, on_track)


def progress_of(goal: Goal) -> Progress:
    """The figures of a goal from `goals_of`, computed once per goal object."""
    cached = getattr(goal, "_progress", None)
    if cached is None:
        cached = goal._progress = goal_progress(
            saved=goal.saved,
            saved_this_month=goal.saved_this_month,
            target_amount=goal.target_amount,
            target_date=goal.target_date,
            today=goal.as_of,
        )
    return cached
