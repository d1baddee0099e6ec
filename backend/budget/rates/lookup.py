"""Which rate converts a currency into a ledger's base currency (SPEC §14).

For (currency, date): the ledger's own rate on that date, else the reference rate on that
date; failing both, the same two for each earlier day, up to `DAYS_BACK` days back; else
none. A ledger rate is used as entered (currency → base, never inverted). A reference rate
is per euro, so it converts directly when the currency or the base is the euro and as a
cross rate through the euro otherwise — both sides published for the same day. The same
currency as the base is 1 (identity); a missing rate is never taken to be 1.

Rates are computed with `PRECISION` significant digits and never rounded here: the caller
rounds the converted amount once (`budget.rates.values.rate_text` writes a rate for people).
`rates_find` costs two queries however many pairs it resolves (the candidate rows of the
days involved, resolved in Python); `rates_latest` one, however long the history.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Context, Decimal
from functools import reduce
from operator import or_
from typing import Literal

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from budget.ledgers.models import Ledger
from budget.rates.models import LedgerRate, ReferenceRate

EUR = "EUR"
DAYS_BACK = 7
PRECISION = 34
ONE = Decimal(1)

_CONTEXT = Context(prec=PRECISION)
# Candidate rows are fetched for windows [date - DAYS_BACK, date]; windows closer than this
# are fetched as one. Past `_MAX_WINDOWS` windows the candidate dates are listed, and past
# `_MAX_DATES` of those (far below SQLite's limit of parameters) the whole span is fetched.
_WINDOW_GAP = 31
_MAX_WINDOWS = 40
_MAX_DATES = 4000

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
    ledger's rate wins, as in `rates_find`.

    One query: a row of the ledger carrying, per currency, the newest ledger rate and the
    newest reference rate(s) as subqueries, each an index lookup from `on` backwards, so
    the time does not grow with the length of the history."""
    currencies = list(dict.fromkeys(currencies))
    foreign = [c for c in currencies if c != base]
    answer: dict[str, Found | None] = {c: Found(ONE, "identity", on) for c in currencies}
    if not foreign:
        return answer
    columns: dict[str, Subquery] = {}
    for index, currency in enumerate(foreign):
        own = LedgerRate.objects.filter(
            ledger_id=ledger_id, currency=currency, date__lte=on, rate__gt=0
        ).order_by("-date")
        columns[f"own_date_{index}"] = Subquery(own.values("date")[:1])
        columns[f"own_rate_{index}"] = Subquery(own.values("rate")[:1])
        published = _newest_published(currency, base, on)
        columns[f"ref_date_{index}"] = Subquery(published.values("date")[:1])
        columns[f"ref_rate_{index}"] = Subquery(published.values("rate")[:1])
        if EUR not in (currency, base):
            base_rate = ReferenceRate.objects.filter(
                currency=base, date=Subquery(published.values("date")[:1])
            )
            columns[f"base_rate_{index}"] = Subquery(base_rate.values("rate")[:1])
    row = Ledger.objects.filter(pk=ledger_id).annotate(**columns).values_list(*columns).first()
    found = dict(zip(columns, row or (None,) * len(columns), strict=True))
    for index, currency in enumerate(foreign):
        own_date, reference_date = found[f"own_date_{index}"], found[f"ref_date_{index}"]
        if own_date is not None and (reference_date is None or own_date >= reference_date):
            answer[currency] = Found(found[f"own_rate_{index}"], "ledger", own_date)
        elif reference_date is not None:
            rate = _through_euro(
                found[f"ref_rate_{index}"],
                found.get(f"base_rate_{index}", found[f"ref_rate_{index}"]),
                currency,
                base,
            )
            answer[currency] = Found(rate, "reference", reference_date)
        else:
            answer[currency] = None
    return answer


def _newest_published(currency: str, base: str, on: date) -> QuerySet[ReferenceRate]:
    """The reference rows of `currency`, newest first from `on`, on days the base was
    published too (the euro itself is never published: its rate into the base is the
    base's own row)."""
    if currency == EUR:
        return ReferenceRate.objects.filter(currency=base, date__lte=on, rate__gt=0).order_by(
            "-date"
        )
    rows = ReferenceRate.objects.filter(currency=currency, date__lte=on, rate__gt=0)
    if base != EUR:
        rows = rows.filter(
            Exists(ReferenceRate.objects.filter(currency=base, date=OuterRef("date"), rate__gt=0))
        )
    return rows.order_by("-date")


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
    """The dates within `DAYS_BACK` days before any of `days`: as a few date ranges when
    the days are close together, else as the list of those dates, else (very many) as
    the whole span."""
    days = sorted(set(days))
    spans: list[list[date]] = []
    for day in days:
        start = day - timedelta(days=DAYS_BACK)
        if spans and start <= spans[-1][1] + timedelta(days=_WINDOW_GAP):
            spans[-1][1] = day
        else:
            spans.append([start, day])
    if len(spans) <= _MAX_WINDOWS:
        return reduce(or_, (Q(date__range=(start, end)) for start, end in spans))
    candidates = {day - timedelta(days=back) for day in days for back in range(DAYS_BACK + 1)}
    if len(candidates) <= _MAX_DATES:
        return Q(date__in=sorted(candidates))
    return Q(date__range=(spans[0][0], spans[-1][1]))
