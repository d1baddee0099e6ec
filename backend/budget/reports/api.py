"""GET /ledgers/{lid}/reports/… — balances, monthly, yearly, historical (SPEC §5)."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Path, Query, Router

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


def _report(request: HttpRequest, lid: UUID, name: str, filters: ReportFilters, build):
    ledger = ledger_access(request, lid)
    scope = _scope(ledger, filters)
    params = filters.dict()
    return cached_report(ledger, name, params, lambda: build(ledger, scope))


@router.get("/balances", response=BalancesOut)
def balances(request: HttpRequest, lid: Path[UUID], filters: Query[ReportFilters]):
    return _report(
        request,
        lid,
        "balances",
        filters,
        lambda ledger, scope: selectors.balances(ledger=ledger, scope=scope),
    )


@router.get("/monthly", response=MonthlyOut)
def monthly(request: HttpRequest, lid: Path[UUID], filters: Query[MonthFilters]):
    return _report(
        request,
        lid,
        "monthly",
        filters,
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
        lambda ledger, scope: selectors.yearly(ledger=ledger, scope=scope, year=filters.year),
    )


@router.get("/historical", response=HistoricalOut)
def historical(request: HttpRequest, lid: Path[UUID], filters: Query[ReportFilters]):
    return _report(
        request,
        lid,
        "historical",
        filters,
        lambda ledger, scope: selectors.historical(ledger=ledger, scope=scope),
    )
