"""The dates of a recurring schedule: start_date + k·interval·unit.

Months and years are counted from the start date, never from the previous occurrence, so a
schedule on the 31st falls on the last day of shorter months and comes back to the 31st
(Jan 31 → Feb 28 → Mar 31), and one on 29 February falls on 28 February in other years.
"""

import calendar
from collections.abc import Iterator
from datetime import date, timedelta

from budget.planning.models import Frequency


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def occurrence(start: date, frequency: str, interval: int, k: int) -> date:
    """The k-th date (0-based) of the schedule."""
    step = k * interval
    if frequency == Frequency.DAILY:
        return start + timedelta(days=step)
    if frequency == Frequency.WEEKLY:
        return start + timedelta(weeks=step)
    if frequency == Frequency.MONTHLY:
        return _add_months(start, step)
    return _add_months(start, 12 * step)


def _first_index_after(start: date, frequency: str, interval: int, after: date) -> int:
    """A k whose date is not after `after`'s successor: a cheap lower bound to start from."""
    if after < start:
        return 0
    if frequency in (Frequency.DAILY, Frequency.WEEKLY):
        days = 1 if frequency == Frequency.DAILY else 7
        return max(0, (after - start).days // (days * interval))
    months = (after.year - start.year) * 12 + after.month - start.month
    unit = interval if frequency == Frequency.MONTHLY else 12 * interval
    return max(0, months // unit - 1)


def occurrences(
    *,
    start: date,
    frequency: str,
    interval: int,
    end: date | None = None,
    after: date | None = None,
) -> Iterator[date]:
    """Every date of the schedule later than `after` (all when None), up to `end` inclusive."""
    k = _first_index_after(start, frequency, interval, after) if after else 0
    while True:
        day = occurrence(start, frequency, interval, k)
        if end is not None and day > end:
            return
        if after is None or day > after:
            yield day
        k += 1
