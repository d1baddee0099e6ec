"""GET /ledgers/{lid}/reports/… — balances, monthly, yearly, historical (SPEC §5)."""

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query, Router, Schema

from budget.common.errors import Invalid
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Ledger
from budget.money.models import Bucket, Wallet
from budget.reports import selectors
from budget.reports.cache import cached_report
from budget.reports.schemas import (
    BalancesOut,
    HistoricalOut,
    MonthFilters,
    MonthlyOut,
    ReportFilters,
    YearFilters,
    YearlyOut,
)

router = Router(tags=["reports"], auth=LedgerAuth())


def _scope(ledger: Ledger, filters: ReportFilters) -> selectors.Scope:
    wallet = bucket = None
    if filters.wallet:
        wallet = Wallet.objects.filter(ledger=ledger, pk=filters.wallet).first()
        if wallet is None:
            raise Invalid("No such wallet in this ledger.", field="wallet")
    if filters.bucket:
        bucket = Bucket.objects.filter(ledger=ledger, pk=filters.bucket).first()
        if bucket is None:
            raise Invalid("No such bucket in this ledger.", field="bucket")
    return selectors.Scope(wallet=wallet, bucket=bucket)


def _report(
    request: HttpRequest, lid: UUID, name: str, filters: ReportFilters, schema: type[Schema], build
) -> HttpResponse:
    """The report as JSON, built and serialised once per ledger version and filters."""
    ledger = ledger_access(request, lid)
    scope = _scope(ledger, filters)
    body = cached_report(
        ledger,
        name,
        filters.dict(),
        lambda: schema.model_validate(build(ledger, scope)).model_dump_json(),
    )
    return HttpResponse(body, content_type="application/json")


@router.get("/balances", response=BalancesOut)
def balances(request: HttpRequest, lid: Path[UUID], filters: Query[ReportFilters]):
    return _report(
        request,
        lid,
        "balances",
        filters,
        BalancesOut,
        lambda ledger, scope: selectors.balances(ledger=ledger, scope=scope),
    )


@router.get("/monthly", response=MonthlyOut)
def monthly(request: HttpRequest, lid: Path[UUID], filters: Query[MonthFilters]):
    return _report(
        request,
        lid,
        "monthly",
        filters,
        MonthlyOut,
        lambda ledger, scope: selectors.monthly(
            ledger=ledger, scope=scope, year=filters.year, month=filters.month
        ),
    )


@router.get("/yearly", response=YearlyOut)
def yearly(request: HttpRequest, lid: Path[UUID], filters: Query[YearFilters]):
    return _report(
        request,
        lid,
        "yearly",
        filters,
        YearlyOut,
        lambda ledger, scope: selectors.yearly(ledger=ledger, scope=scope, year=filters.year),
    )


@router.get("/historical", response=HistoricalOut)
def historical(request: HttpRequest, lid: Path[UUID], filters: Query[ReportFilters]):
    return _report(
        request,
        lid,
        "historical",
        filters,
        HistoricalOut,
        lambda ledger, scope: selectors.historical(ledger=ledger, scope=scope),
    )
