"""GET /ledgers/{lid}/reports/… — balances, monthly, yearly, historical (SPEC §5); net worth,
forecast and trends (SPEC §18)."""

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router, Schema

from budget.common.errors import Invalid
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.cache import version_cached
from budget.ledgers.models import Ledger
from budget.money.models import Bucket, Wallet
from budget.reports import insights, selectors
from budget.reports.schemas import (
    MAX_NET_WORTH_MONTHS,
    BalancesOut,
    ForecastFilters,
    ForecastOut,
    HistoricalOut,
    MonthFilters,
    MonthlyOut,
    NetWorthFilters,
    NetWorthOut,
    ReportFilters,
    TrendsFilters,
    TrendsOut,
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
    request: HttpRequest,
    lid: UUID,
    name: str,
    filters: Schema,
    schema: type[Schema],
    build,
    extra: dict | None = None,
) -> HttpResponse:
    """The report as JSON, built and serialised once per ledger version and filters (and
    `extra`: what else it depends on, such as today). A cached answer is sent as the bytes
    stored, after the one query of the ledger gate: its wallet or bucket filter was found
    in this ledger when it was built, and deleting either changes the ledger's version."""
    ledger = ledger_access(request, lid)

    def compute() -> str:
        scoped = isinstance(filters, ReportFilters)
        scope = _scope(ledger, filters) if scoped else selectors.Scope()
        return schema.model_validate(build(ledger, scope)).model_dump_json()

    body = version_cached(ledger, name, {**filters.dict(), **(extra or {})}, compute)
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


# --- Insights (SPEC §18) --------------------------------------------------------------------


@router.get("/net-worth", response=NetWorthOut)
def net_worth(request: HttpRequest, lid: Path[UUID], filters: Query[NetWorthFilters]):
    """Balances at each month's end, per wallet and bucket, every month of the range present
    (at most 240); by default the 12 months ending with this one."""
    last = filters.to or timezone.localdate().replace(day=1)
    first = filters.from_ or insights.add_months(last, -11)
    if first > last:
        raise Invalid("`from` cannot be after `to`.", field="from")
    if len(insights.months_from(first, last)) > MAX_NET_WORTH_MONTHS:
        raise Invalid(f"Ask for at most {MAX_NET_WORTH_MONTHS} months at a time.", field="from")
    return _report(
        request,
        lid,
        "net-worth",
        filters,
        NetWorthOut,
        lambda ledger, scope: insights.net_worth(
            ledger=ledger, scope=scope, first=first, last=last
        ),
        extra={"from_": first, "to": last},
    )


@router.get("/forecast", response=ForecastOut)
def forecast(request: HttpRequest, lid: Path[UUID], filters: Query[ForecastFilters]):
    """The expected net worth at the end of this month and the months after it, from the
    recurring transactions (and, with include_typical, the usual non-recurring income and
    expense); the month with the lowest balance; the occurrences behind it. The whole
    ledger: no wallet or bucket filter."""
    today = timezone.localdate()
    return _report(
        request,
        lid,
        "forecast",
        filters,
        ForecastOut,
        lambda ledger, scope: insights.forecast(
            ledger=ledger,
            today=today,
            months=filters.months,
            include_typical=filters.include_typical,
        ),
        extra={"today": today},
    )


@router.get("/trends", response=TrendsOut)
def trends(request: HttpRequest, lid: Path[UUID], filters: Query[TrendsFilters]):
    """Expense categories over the last complete months (unusual ones first) and the
    savings rate of each month."""
    today = timezone.localdate()
    return _report(
        request,
        lid,
        "trends",
        filters,
        TrendsOut,
        lambda ledger, scope: insights.trends(
            ledger=ledger, scope=scope, today=today, months=filters.months
        ),
        extra={"today": today},
    )
