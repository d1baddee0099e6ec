"""Which rate converts a currency into a ledger's base currency (SPEC §14).

For (currency, date): the ledger's own rate on that date, else the reference rate on that
date; failing both, the same two for each earlier day, up to `DAYS_BACK` days back; else
none. A ledger rate is used as entered (currency → base, never inverted). A reference rate
is per euro, so it converts directly when the currency or the base is the euro and as a
cross rate through the euro otherwise — both sides published for the same day. The same
currency as the base is 1 (identity); a missing rate is never taken to be 1.

Rates are computed with `PRECISION` significant digits and never rounded here: the caller
rounds the converted amount once. Each call costs at most two queries, however many pairs
it resolves: the candidate rows are fetched at once and resolved in Python.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal
from functools import reduce
from operator import or_
from typing import Literal

from django.db.models import Exists, OuterRef, Q, Subquery

from budget.rates.models import LedgerRate, ReferenceRate

EUR = "EUR"
DAYS_BACK = 7
PRECISION = 34
ONE = Decimal(1)

_CONTEXT = Context(prec=PRECISION)
# Candidate rows are fetched for windows [date - DAYS_BACK, date]; windows closer than this
# are fetched as one, and past `_MAX_WINDOWS` the whole span is one window.
_WINDOW_GAP = 31
_MAX_WINDOWS = 40

Source = Literal["ledger", "reference", "identity"]


@dataclass(frozen=True)
class Found:
    """A rate (base units per one unit of the currency), where it came from, and the day
    it was published for (earlier than the asked day when the lookup went back)."""

    rate: Decimal
    source: Source
    date: date


def rates_find(
    *, ledger_id, base: str, wanted: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], Decimal | None]:
    """Base units per ONE unit of `currency` on each (currency, date) of `wanted`, or None
    when neither the ledger nor the reference rates have one within `DAYS_BACK` days."""
    found = rates_find_detailed(ledger_id=ledger_id, base=base, wanted=wanted)
    return {key: None if hit is None else hit.rate for key, hit in found.items()}


def rates_find_detailed(
    *, ledger_id, base: str, wanted: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], Found | None]:
    """`rates_find` telling the source and the day of each rate."""
    wanted = list(dict.fromkeys(wanted))
    foreign = [(currency, day) for currency, day in wanted if currency != base]
    ledger_rates, reference_rates = _candidates(ledger_id, base, foreign)
    answer: dict[tuple[str, date], Found | None] = {}
    for currency, day in wanted:
        if currency == base:
            answer[(currency, day)] = Found(ONE, "identity", day)
            continue
        answer[(currency, day)] = None
        for back in range(DAYS_BACK + 1):
            on = day - timedelta(days=back)
            rate = ledger_rates.get((currency, on))
            if rate is not None:
                answer[(currency, day)] = Found(rate, "ledger", on)
                break
            rate = _through_euro(
                reference_rates.get((currency, on)), reference_rates.get((base, on)), currency, base
            )
            if rate is not None:
                answer[(currency, day)] = Found(rate, "reference", on)
                break
    return answer


def rates_latest(
    *, ledger_id, base: str, currencies: Iterable[str], on: date
) -> dict[str, Decimal | None]:
    """For each currency, base units per ONE unit at the most recent rate on or before
    `on`, whatever its age (same sources and cross rule as `rates_find`); None when there
    is none at all."""
    found = rates_latest_detailed(ledger_id=ledger_id, base=base, currencies=currencies, on=on)
    return {currency: None if hit is None else hit.rate for currency, hit in found.items()}


def rates_latest_detailed(
    *, ledger_id, base: str, currencies: Iterable[str], on: date
) -> dict[str, Found | None]:
    """`rates_latest` telling the source and the day of each rate. On the same day the
    ledger's rate wins, as in `rates_find`."""
    currencies = list(dict.fromkeys(currencies))
    foreign = [c for c in currencies if c != base]
    answer: dict[str, Found | None] = {c: Found(ONE, "identity", on) for c in currencies}
    if not foreign:
        return answer
    newest_own = (
        LedgerRate.objects.filter(ledger_id=ledger_id, currency=OuterRef("currency"), date__lte=on)
        .order_by("-date")
        .values("date")[:1]
    )
    own = {
        currency: Found(rate, "ledger", day)
        for currency, day, rate in LedgerRate.objects.filter(
            ledger_id=ledger_id, currency__in=foreign, date=Subquery(newest_own), rate__gt=0
        ).values_list("currency", "date", "rate")
    }
    reference = _latest_reference(base, foreign, on)
    for currency in foreign:
        mine, theirs = own.get(currency), reference.get(currency)
        if mine is None or (theirs is not None and theirs.date > mine.date):
            answer[currency] = theirs
        else:
            answer[currency] = mine
    return answer


def _through_euro(
    per_euro: Decimal | None, base_per_euro: Decimal | None, currency: str, base: str
) -> Decimal | None:
    """Base units per one `currency` from reference rates (units per euro) of one day."""
    if currency == EUR:
        return base_per_euro
    if per_euro is None:
        return None
    if base == EUR:
        return _CONTEXT.divide(ONE, per_euro)
    if base_per_euro is None:
        return None
    return _CONTEXT.divide(base_per_euro, per_euro)


def _candidates(
    ledger_id, base: str, foreign: list[tuple[str, date]]
) -> tuple[dict[tuple[str, date], Decimal], dict[tuple[str, date], Decimal]]:
    """The ledger's and the reference rows that could answer `foreign`: two queries."""
    if not foreign:
        return {}, {}
    days = _windows(day for _, day in foreign)
    currencies = {currency for currency, _ in foreign}
    own = LedgerRate.objects.filter(
        days, ledger_id=ledger_id, currency__in=currencies, rate__gt=0
    ).values_list("currency", "date", "rate")
    published = (currencies | {base}) - {EUR}
    reference = ReferenceRate.objects.filter(days, currency__in=published, rate__gt=0).values_list(
        "currency", "date", "rate"
    )
    return (
        {(c, d): r for c, d, r in own},
        {(c, d): r for c, d, r in reference} if published else {},
    )


def _windows(days: Iterable[date]) -> Q:
    """Dates within `DAYS_BACK` days before any of `days`, as few date ranges."""
    spans: list[list[date]] = []
    for day in sorted(set(days)):
        start = day - timedelta(days=DAYS_BACK)
        if spans and start <= spans[-1][1] + timedelta(days=_WINDOW_GAP):
            spans[-1][1] = day
        else:
            spans.append([start, day])
    if len(spans) > _MAX_WINDOWS:
        spans = [[spans[0][0], spans[-1][1]]]
    return reduce(or_, (Q(date__range=(start, end)) for start, end in spans))


def _latest_reference(base: str, foreign: list[str], on: date) -> dict[str, Found]:
    """The newest reference rate on or before `on` of each currency: one query. For a cross
    rate the newest day on which both the currency and the base were published."""
    if base == EUR:
        rows = ReferenceRate.objects.filter(currency=OuterRef("currency"), date__lte=on)
        newest = rows.order_by("-date").values("date")[:1]
        latest = ReferenceRate.objects.filter(
            currency__in=foreign, date=Subquery(newest), rate__gt=0
        ).values_list("currency", "date", "rate")
        return {
            currency: Found(_CONTEXT.divide(ONE, rate), "reference", day)
            for currency, day, rate in latest
        }
    # The euro itself is not published: its rate into the base is the base's own row.
    asked = {base if currency == EUR else currency for currency in foreign}
    base_on_day = ReferenceRate.objects.filter(currency=base, date=OuterRef("date"), rate__gt=0)
    newest = (
        ReferenceRate.objects.filter(currency=OuterRef("currency"), date__lte=on)
        .filter(Exists(base_on_day))
        .order_by("-date")
        .values("date")[:1]
    )
    latest = (
        ReferenceRate.objects.filter(currency__in=asked, date=Subquery(newest), rate__gt=0)
        .annotate(base_rate=Subquery(base_on_day.values("rate")[:1]))
        .values_list("currency", "date", "rate", "base_rate")
    )
    answer: dict[str, Found] = {}
    for currency, day, rate, base_rate in latest:
        if currency == base:  # asked for only on behalf of the euro
            answer[EUR] = Found(rate, "reference", day)
        else:
            answer[currency] = Found(_CONTEXT.divide(base_rate, rate), "reference", day)
    return answer
