"""A ledger's own exchange rates: /ledgers/{lid}/rates (SPEC §14). Members read, editors
write."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Path, Query, Router, Status
from ninja.pagination import paginate

from budget.common.errors import NotFound
from budget.common.pagination import Pages
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Ledger, Role
from budget.rates import selectors, services
from budget.rates.models import LedgerRate
from budget.rates.schemas import LookupOut, LookupQuery, RateFilters, RateIn, RateOut

rates = Router(tags=["rates"], auth=LedgerAuth())


def _rate(ledger: Ledger, rate_id: UUID) -> LedgerRate:
    rate = selectors.rates_of(ledger=ledger).select_related("ledger").filter(pk=rate_id).first()
    if rate is None:
        raise NotFound("Rate not found.")
    return rate


@rates.get("", response=list[RateOut])
@paginate(Pages)
def rate_list(request: HttpRequest, lid: Path[UUID], filters: Query[RateFilters]):
    """The rates entered in this ledger, newest day first. `currency`, `date_from` and
    `date_to` (inclusive) filter them."""
    return selectors.rates_of(ledger=ledger_access(request, lid), filters=filters)


@rates.post("", response={200: RateOut, 201: RateOut})
def rate_create(request: HttpRequest, lid: Path[UUID], payload: RateIn):
    """Sets how many units of the ledger's currency one unit of `currency` is worth on
    `date` (`rate`: a decimal string above 0, at most 12 significant digits). 201 for a new
    rate; a rate already entered for that currency and day is **replaced** (same id) and
    the answer is 200. The ledger's own currency → 422."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    rate, created = services.rate_set(ledger=ledger, **payload.dict(), created_by=request.auth)
    return Status(201 if created else 200, rate)


@rates.get("/lookup", response=LookupOut)
def rate_lookup(request: HttpRequest, lid: Path[UUID], query: Query[LookupQuery]):
    """The rate a transaction in `currency` on `date` would be booked at: the ledger's own
    rate of that day, else the reference rate of that day (through the euro if need be),
    else the same for each of the 7 days before. `rate` and `source` are null when there is
    none — a missing rate is never 1; the ledger's own currency is 1 with `source`
    `identity`. `rate_date` is the day the rate is for."""
    ledger = ledger_access(request, lid)
    found = selectors.rate_lookup(ledger=ledger, currency=query.currency, date=query.date)
    return {
        "currency": query.currency,
        "base": ledger.currency,
        "date": query.date,
        "rate": None if found is None else found.rate,
        "source": None if found is None else found.source,
        "rate_date": None if found is None else found.date,
    }


@rates.delete("/{uuid:rate_id}", response={204: None})
def rate_delete(request: HttpRequest, lid: Path[UUID], rate_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.rate_delete(rate=_rate(ledger, rate_id))
    return Status(204, None)
