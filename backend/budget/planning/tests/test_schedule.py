"""The dates of a schedule: start_date + k·interval·unit, anchored on the start day."""

from datetime import date

import pytest

from budget.planning.schedule import occurrences


def dates(start, frequency, interval=1, end=None, after=None, count=None):
    found = []
    for day in occurrences(
        start=start, frequency=frequency, interval=interval, end=end, after=after
    ):
        found.append(day)
        if count and len(found) == count:
            break
    return found


def test_monthly_on_the_31st_falls_on_the_last_day_and_comes_back():
    assert dates(date(2025, 1, 31), "monthly", count=5) == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
        date(2025, 5, 31),
    ]


def test_monthly_on_the_31st_falls_on_29_february_in_a_leap_year():
    assert dates(date(2024, 1, 31), "monthly", count=3) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    ]


def test_monthly_on_the_30th_every_second_month_crosses_the_year():
    assert dates(date(2025, 8, 30), "monthly", interval=2, count=4) == [
        date(2025, 8, 30),
        date(2025, 10, 30),
        date(2025, 12, 30),
        date(2026, 2, 28),
    ]


def test_yearly_on_29_february_falls_on_28_february_in_other_years():
    assert dates(date(2024, 2, 29), "yearly", count=5) == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_weekly_every_second_week():
    assert dates(date(2025, 1, 6), "weekly", interval=2, count=3) == [
        date(2025, 1, 6),
        date(2025, 1, 20),
        date(2025, 2, 3),
    ]


def test_daily_every_third_day_up_to_an_inclusive_end():
    assert dates(date(2025, 1, 1), "daily", interval=3, end=date(2025, 1, 10)) == [
        date(2025, 1, 1),
        date(2025, 1, 4),
        date(2025, 1, 7),
        date(2025, 1, 10),
    ]


@pytest.mark.parametrize(
    ("start", "frequency", "interval"),
    [
        (date(2020, 1, 31), "monthly", 1),
        (date(2020, 2, 29), "yearly", 1),
        (date(2020, 1, 30), "monthly", 5),
        (date(2020, 1, 1), "daily", 7),
        (date(2020, 3, 3), "weekly", 3),
        (date(2020, 12, 31), "yearly", 2),
    ],
)
def test_dates_after_a_given_date_are_the_tail_of_all_dates(start, frequency, interval):
    every = dates(start, frequency, interval, end=date(2035, 1, 1))
    for cut in (every[0], every[len(every) // 3], every[-2], date(2027, 6, 15)):
        tail = dates(start, frequency, interval, end=date(2035, 1, 1), after=cut)
        assert tail == [d for d in every if d > cut]
