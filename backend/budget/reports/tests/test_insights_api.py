"""Net worth, forecast and trends (SPEC §18) against independent computations."""

import statistics
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import override_settings
from tests.helpers import assert_error

from budget.ledgers.services import ledger_version_bump
from budget.money import services
from budget.money.models import Bucket, Category, Transaction
from budget.money.tests.movements import movements
from budget.planning import services as planning
from budget.planning.models import RecurringTransaction
from budget.reports.tests.test_reports_api import SCOPES, history, scope_of, scoped
from budget.reports.tests.test_reports_cache_and_cost import fill

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")
__all__ = ["history"]  # the fixture, shared with the other reports' tests


def money(value) -> str:
    return f"{Decimal(value):.2f}"


def report(api, ledger, name: str, **params):
    """The report as the ledger's owner, with a token issued now (today may be frozen)."""
    owner = ledger.memberships.get(role="owner").user
    response = api.as_user(owner).get(f"/ledgers/{ledger.pk}/reports/{name}", params)
    assert response.status_code == 200, response.content
    return response.json()


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=UTC), tick=False)


def month_end(month: date) -> date:
    return (date(month.year + month.month // 12, month.month % 12 + 1, 1)).fromordinal(
        date(month.year + month.month // 12, month.month % 12 + 1, 1).toordinal() - 1
    )


def months(first: date, count: int) -> list[date]:
    index = first.year * 12 + first.month - 1
    return [date((index + n) // 12, (index + n) % 12 + 1, 1) for n in range(count)]


# --- Net worth ------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", SCOPES)
def test_net_worth_is_every_month_end_balance_summed_from_the_rows(
    owner_api, ledger, history, scope
):
    wallet, bucket, params = scope_of(scope, history, ledger)
    body = report(owner_api, ledger, "net-worth", **params, **{"from": "2022-11", "to": "2025-02"})
    points = body["points"]
    assert [p["month"] for p in points] == [f"{m:%Y-%m}" for m in months(date(2022, 11, 1), 28)]
    moves = scoped(ledger, wallet, bucket)
    for point in points:
        end = month_end(date.fromisoformat(point["month"] + "-01"))
        upto = [m for m in moves if m.date <= end]
        per_wallet = defaultdict(lambda: ZERO)
        per_bucket = defaultdict(lambda: ZERO)
        for m in upto:
            if m.wallet:
                per_wallet[m.wallet] += m.amount
            if m.bucket:
                per_bucket[m.bucket] += m.amount
        assert point["net_worth"] == money(sum(per_wallet.values(), ZERO)), point["month"]
        for row in point["wallets"]:
            assert row["balance"] == money(per_wallet[_uuid(row["id"])]), point["month"]
        buckets = {_uuid(b["id"]): Decimal(b["balance"]) for b in point["buckets"]}
        system = Bucket.objects.get(ledger=ledger, is_system=True).pk
        for bucket_id, balance in buckets.items():
            if bucket_id != system:
                assert balance == per_bucket[bucket_id], point["month"]
        if not wallet and not bucket:
            # Invariant 1 at every month's end: the system bucket holds the rest.
            assert sum(buckets.values(), ZERO) == Decimal(point["net_worth"])


def _uuid(text):
    from uuid import UUID

    return UUID(text)


def test_the_last_point_agrees_with_the_balances_report(owner_api, ledger, history):
    with at(date(2025, 6, 10)):
        body = report(owner_api, ledger, "net-worth")
        balances = report(owner_api, ledger, "balances")
    assert [p["month"] for p in body["points"]] == [
        f"{m:%Y-%m}" for m in months(date(2024, 7, 1), 12)
    ]
    last = body["points"][-1]
    assert last["net_worth"] == balances["net_worth"]
    assert {w["id"]: w["balance"] for w in last["wallets"]} == {
        w["id"]: w["balance"] for w in balances["wallets"]
    }
    assert {b["id"]: b["balance"] for b in last["buckets"]} == {
        b["id"]: b["balance"] for b in balances["buckets"]
    }


def test_net_worth_of_an_empty_ledger_is_zero_every_month(owner_api, ledger):
    body = report(owner_api, ledger, "net-worth", **{"from": "2025-01", "to": "2025-03"})
    assert [(p["month"], p["net_worth"], p["wallets"]) for p in body["points"]] == [
        ("2025-01", "0.00", []),
        ("2025-02", "0.00", []),
        ("2025-03", "0.00", []),
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13"}, "from"),
        ({"to": "2025"}, "to"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2025-04", "to": "2025-03"}, "from"),
        ({"from": "2000-01", "to": "2025-03"}, "from"),  # over 240 months
    ],
)
def test_bad_months_are_a_clear_422(owner_api, ledger, params, field):
    response = owner_api.get(f"/ledgers/{ledger.pk}/reports/net-worth", params)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"]
    assert field in {e["field"] for e in body.get("errors", [])}, body


# --- Forecast -------------------------------------------------------------------------------

TODAY = date(2025, 3, 15)


def template(h, **fields):
    data = {
        "kind": "expense",
        "amount": Decimal("900.00"),
        "description": "Rent",
        "wallet": h.bank.pk,
        "category": h.category("Housing").pk,
        "frequency": "monthly",
        "interval": 1,
        "start_date": date(2025, 1, 1),
        **fields,
    }
    return planning.recurring_create(ledger=h.ledger, **data)


@pytest.fixture
def plans(household):
    """On 15 March 2025: rent on the 1st, salary on the 31st (the last day of shorter months),
    groceries every other week until May, an inactive gym, a monthly transfer to cash, and
    a subscription starting on 20 March that no job has made yet."""
    h = household
    with at(date(2025, 1, 5)):
        services.transaction_create(
            ledger=h.ledger,
            data={
                "kind": "adjustment",
                "date": date(2025, 1, 1),
                "amount": Decimal("3000.00"),
                "wallet": h.bank.pk,
            },
        )
    with at(TODAY):
        rent = template(h)
        salary = template(
            h,
            kind="income",
            amount=Decimal("2500.00"),
            description="Salary",
            category=h.salary.pk,
            start_date=date(2025, 1, 31),
        )
        food = template(
            h,
            amount=Decimal("80.25"),
            description="Market",
            category=h.groceries.pk,
            frequency="weekly",
            interval=2,
            start_date=date(2025, 3, 8),
            end_date=date(2025, 5, 17),
        )
        template(h, description="Gym", amount=Decimal("30.00"), active=False)
        template(
            h,
            kind="transfer",
            description="Pocket money",
            amount=Decimal("50.00"),
            wallet=None,
            category=None,
            from_wallet=h.bank.pk,
            to_wallet=h.cash.pk,
        )
    with at(date(2025, 3, 1)):
        stream = template(
            h, description="Streaming", amount=Decimal("12.99"), start_date=date(2025, 3, 20)
        )
    return {"rent": rent, "salary": salary, "food": food, "stream": stream}


def net_worth_now(ledger) -> Decimal:
    return sum((m.amount for m in movements(ledger) if m.wallet), ZERO)


def test_the_forecast_adds_every_occurrence_still_to_come_month_by_month(
    owner_api, household, plans
):
    h = household
    with at(TODAY):
        body = report(owner_api, h.ledger, "forecast", months=3)
    start = net_worth_now(h.ledger)
    # By hand: what is still to come after 15 March up to 31 May.
    expected = [
        ("2025-03-22", "Market", "expense", "80.25"),
        ("2025-03-20", "Streaming", "expense", "12.99"),
        ("2025-03-31", "Salary", "income", "2500.00"),
        ("2025-04-01", "Rent", "expense", "900.00"),
        ("2025-04-05", "Market", "expense", "80.25"),
        ("2025-04-19", "Market", "expense", "80.25"),
        ("2025-04-20", "Streaming", "expense", "12.99"),
        ("2025-04-30", "Salary", "income", "2500.00"),
        ("2025-05-01", "Rent", "expense", "900.00"),
        ("2025-05-03", "Market", "expense", "80.25"),
        ("2025-05-17", "Market", "expense", "80.25"),
        ("2025-05-20", "Streaming", "expense", "12.99"),
        ("2025-05-31", "Salary", "income", "2500.00"),
    ]
    got = [(o["date"], o["description"], o["kind"], o["amount"]) for o in body["occurrences"]]
    assert sorted(got) == sorted(expected)
    assert [o["date"] for o in body["occurrences"]] == sorted(o[0] for o in expected)
    balance = start
    points = []
    for month in ("2025-03", "2025-04", "2025-05"):
        income = sum(
            (Decimal(a) for d, _, k, a in expected if d[:7] == month and k == "income"), ZERO
        )
        expense = sum(
            (Decimal(a) for d, _, k, a in expected if d[:7] == month and k == "expense"), ZERO
        )
        balance += income - expense
        points.append((month, money(income), money(expense), money(balance)))
    assert [
        (p["month"], p["expected_income"], p["expected_expense"], p["balance"])
        for p in body["points"]
    ] == points
    lowest = min(points, key=lambda p: Decimal(p[3]))
    assert body["lowest"] == {"month": lowest[0], "balance": lowest[3]}
    assert body["typical"] is None


def test_the_forecast_is_what_the_daily_job_then_makes(owner_api, household, plans):
    """Living through the forecast's months: the job makes exactly the occurrences listed,
    and the net worth at the end is the last point's balance."""
    h = household
    with at(TODAY):
        body = report(owner_api, h.ledger, "forecast", months=4)
    listed = sorted((o["recurring"], o["date"]) for o in body["occurrences"])
    before = set(Transaction.objects.values_list("pk", flat=True))
    with at(date(2025, 6, 30)):
        for t in RecurringTransaction.objects.filter(ledger=h.ledger):
            planning.recurring_materialise(template=t)
    made = Transaction.objects.exclude(pk__in=before).exclude(kind="transfer")
    assert sorted((str(t.recurring_id), t.date.isoformat()) for t in made) == listed
    assert body["points"][-1]["balance"] == money(net_worth_now(h.ledger))


def test_typical_income_and_expense_average_the_complete_months_of_history(
    owner_api, household, plans
):
    h = household
    spend = services.transaction_create
    with at(TODAY):
        for day, amount in ((date(2025, 1, 10), "100.00"), (date(2025, 2, 10), "20.50")):
            spend(
                ledger=h.ledger,
                data={
                    "kind": "expense",
                    "date": day,
                    "amount": Decimal(amount),
                    "wallet": h.cash.pk,
                    "category": h.groceries.pk,
                },
            )
        spend(  # this month: not a complete month, not in the average
            ledger=h.ledger,
            data={
                "kind": "income",
                "date": date(2025, 3, 2),
                "amount": Decimal("999.00"),
                "wallet": h.cash.pk,
                "category": h.salary.pk,
                "bucket": h.fun.pk,
            },
        )
        plain = report(owner_api, h.ledger, "forecast", months=2)
        body = report(owner_api, h.ledger, "forecast", months=2, include_typical="true")
    # The ledger began in January: two complete months (Jan, Feb), recurring rows left out.
    typical_expense = Decimal("120.50") / 2
    assert body["typical"] == {"income": "0.00", "expense": money(typical_expense)}
    march_share = (typical_expense * 16 / 31).quantize(Decimal("0.01"))  # 16 of 31 days left
    march, april = body["points"]
    assert Decimal(march["expected_expense"]) == (
        Decimal(plain["points"][0]["expected_expense"]) + march_share
    )
    assert Decimal(april["expected_expense"]) == (
        Decimal(plain["points"][1]["expected_expense"]) + typical_expense
    )
    assert Decimal(april["balance"]) == (
        Decimal(plain["points"][1]["balance"]) - march_share - typical_expense
    )


def test_an_empty_ledger_forecasts_its_balance_flat(owner_api, ledger):
    with at(TODAY):
        body = report(owner_api, ledger, "forecast", include_typical="true")
    assert len(body["points"]) == 12
    assert body["points"][0]["month"] == "2025-03"
    assert body["points"][-1]["month"] == "2026-02"
    assert {p["balance"] for p in body["points"]} == {"0.00"}
    assert body["lowest"] == {"month": "2025-03", "balance": "0.00"}
    assert body["occurrences"] == []


@pytest.mark.parametrize("months", ["0", "61", "twelve", "-1"])
def test_bad_forecast_months_are_a_422(owner_api, ledger, months):
    response = owner_api.get(f"/ledgers/{ledger.pk}/reports/forecast", {"months": months})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "months"


def test_a_changed_template_is_in_the_next_forecast(owner_api, household, plans):
    h = household
    with at(TODAY), override_settings(REPORT_CACHE_SECONDS=600):
        first = report(owner_api, h.ledger, "forecast", months=2)
        planning.recurring_update(template=plans["rent"], changes={"amount": Decimal("950.00")})
        second = report(owner_api, h.ledger, "forecast", months=2)
        assert (
            Decimal(second["points"][1]["balance"]) == Decimal(first["points"][1]["balance"]) - 50
        )
        planning.recurring_delete(template=plans["stream"])
        third = report(owner_api, h.ledger, "forecast", months=2)
        assert "Streaming" not in {o["description"] for o in third["occurrences"]}


# --- Trends ---------------------------------------------------------------------------------


@pytest.fixture
def spending(household):
    """January to June 2025 (today: 15 July) per category, and the salary."""
    h = household
    leisure = h.category("Leisure")
    transport = h.category("Transport")
    Category.objects.filter(pk=leisure.pk).update(group="Fun")
    table = {
        h.groceries.pk: ["100.00", "100.00", "100.00", "100.00", "100.00", "300.00"],
        # mean 90, population sd √2400 ≈ 48.99 → 187.98; sample sd ≈ 54.77 → 199.54
        leisure.pk: ["50.00", "150.00", "50.00", "150.00", "50.00", "195.00"],
        transport.pk: ["80.00", "80.00", "80.00", "80.00", "80.00", "0.00"],
    }
    items = []
    for category, amounts in table.items():
        for n, amount in enumerate(amounts):
            if Decimal(amount):
                items.append(
                    {
                        "kind": "expense",
                        "date": date(2025, n + 1, 12),
                        "amount": Decimal(amount),
                        "wallet": h.bank.pk,
                        "category": category,
                    }
                )
    for n in range(6):
        if n != 2:  # no income in March
            items.append(
                {
                    "kind": "income",
                    "date": date(2025, n + 1, 1),
                    "amount": Decimal("1000.00"),
                    "wallet": h.bank.pk,
                    "category": h.salary.pk,
                    "bucket": h.fun.pk,
                }
            )
    items.append(  # July is not complete: never in the trends
        {
            "kind": "expense",
            "date": date(2025, 7, 2),
            "amount": Decimal("5000.00"),
            "wallet": h.bank.pk,
            "category": h.groceries.pk,
        }
    )
    items.append(  # transfers and adjustments are neither income nor expense
        {
            "kind": "adjustment",
            "date": date(2025, 6, 2),
            "amount": Decimal("-40.00"),
            "wallet": h.bank.pk,
        }
    )
    services.transactions_create(ledger=h.ledger, items=items, bulk=True)
    return table


def test_trends_per_category_against_a_plain_computation(owner_api, household, spending):
    h = household
    with at(date(2025, 7, 15)):
        body = report(owner_api, h.ledger, "trends", months=6)
    assert body["months"] == ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    rows = {c["id"]: c for c in body["categories"]}
    assert len(rows) == 3
    for category, amounts in spending.items():
        row = rows[str(category)]
        values = [Decimal(a) for a in amounts]
        before, last = values[:-1], values[-1]
        mean = statistics.fmean(before)
        assert row["months"] == amounts
        assert row["average"] == money(Decimal(str(mean)).quantize(Decimal("0.01")))
        assert row["last"] == amounts[-1]
        assert row["unusual"] == (float(last) > mean + 2 * statistics.pstdev(map(float, before)))
        change = (last - Decimal(row["average"])) * 100 / Decimal(row["average"])
        assert row["change_percent"] == money(change.quantize(Decimal("0.01")))
    # Unusual first, then by the last month.
    assert [c["name"] for c in body["categories"]] == ["Groceries", "Leisure", "Transport"]
    assert [c["unusual"] for c in body["categories"]] == [True, True, False]
    assert rows[str(h.category("Leisure").pk)]["group"] == "Fun"


def test_unusual_uses_the_population_standard_deviation(owner_api, household, spending):
    """Leisure's 195.00 is above mean + 2sd with sd of the population (187.98) but not with
    the sample's (199.54): the report uses the population sd."""
    h = household
    before = [50, 150, 50, 150, 50]
    assert 90 + 2 * statistics.pstdev(before) < 195 < 90 + 2 * statistics.stdev(before)
    with at(date(2025, 7, 15)):
        body = report(owner_api, h.ledger, "trends", months=6)
    leisure = next(c for c in body["categories"] if c["name"] == "Leisure")
    assert leisure["unusual"] is True


def test_savings_rate_is_null_without_income(owner_api, household, spending):
    h = household
    with at(date(2025, 7, 15)):
        body = report(owner_api, h.ledger, "trends", months=6)
    expenses = [sum(Decimal(spending[c][n]) for c in spending) for n in range(6)]
    expected = []
    for n, expense in enumerate(expenses):
        income = ZERO if n == 2 else Decimal("1000.00")
        rate = None if n == 2 else str(((income - expense) / income).quantize(Decimal("0.0001")))
        expected.append((f"2025-{n + 1:02d}", money(income), money(expense), rate))
    assert [
        (r["month"], r["income"], r["expense"], r["savings_rate"]) for r in body["savings_rate"]
    ] == expected


def test_too_few_months_are_never_unusual_nor_a_change_from_nothing(owner_api, household, spending):
    h = household
    with at(date(2025, 7, 15)):
        body = report(owner_api, h.ledger, "trends", months=3)  # April, May, June
    assert {c["name"]: c["unusual"] for c in body["categories"]} == {
        "Groceries": False,
        "Leisure": False,
        "Transport": False,
    }
    with at(date(2025, 2, 15)):
        body = report(owner_api, h.ledger, "trends", months=2)  # December, January
    assert {c["name"]: c["change_percent"] for c in body["categories"]} == {
        "Groceries": None,
        "Leisure": None,
        "Transport": None,
    }


@pytest.mark.parametrize("months", ["1", "61", "x"])
def test_bad_trend_months_are_a_422(owner_api, ledger, months):
    response = owner_api.get(f"/ledgers/{ledger.pk}/reports/trends", {"months": months})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "months"


# --- Every insight: access, cost, cache -----------------------------------------------------

INSIGHTS = [
    ("net-worth", {"from": "2021-01", "to": "2024-12"}),
    ("forecast", {"months": 12, "include_typical": "true"}),
    ("trends", {"months": 12}),
]


@pytest.mark.parametrize(("name", "params"), INSIGHTS)
def test_a_stranger_gets_404_and_nothing_else(api, ledger, stranger, name, params):
    response = api.as_user(stranger).get(f"/ledgers/{ledger.pk}/reports/{name}", params)
    assert_error(response, 404)


@pytest.mark.parametrize(("name", "params"), INSIGHTS)
@override_settings(REPORT_CACHE_SECONDS=0)
def test_insight_query_count_is_the_same_for_2_and_40_months(
    owner_api, ledger, name, params, django_assert_max_num_queries
):
    path = f"/ledgers/{ledger.pk}/reports/{name}"
    with at(date(2025, 1, 10)):
        fill(ledger, categories=2, months=2)
        wallet = ledger.wallets.first()
        planning.recurring_create(
            ledger=ledger,
            kind="expense",
            amount=Decimal("10.00"),
            wallet=wallet.pk,
            category=Category.objects.get(ledger=ledger, name="Housing").pk,
            frequency="weekly",
            interval=1,
            start_date=date(2024, 12, 2),
        )
        client = owner_api.as_user(ledger.memberships.get().user)
        with django_assert_max_num_queries(8) as small:
            assert client.get(path, params).status_code == 200
        fill(ledger, categories=25, months=40)
        with django_assert_max_num_queries(8) as large:
            assert client.get(path, params).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


@pytest.mark.parametrize(("name", "params"), INSIGHTS)
def test_a_cached_insight_takes_no_report_query_and_a_write_shows_at_once(
    owner_api, ledger, name, params, django_assert_max_num_queries
):
    path = f"/ledgers/{ledger.pk}/reports/{name}"
    with at(date(2025, 1, 10)), override_settings(REPORT_CACHE_SECONDS=600):
        client = owner_api.as_user(ledger.memberships.get().user)
        fill(ledger, categories=3, months=3)
        first = client.get(path, params).json()
        with django_assert_max_num_queries(1):
            assert client.get(path, params).json() == first
        fill(ledger, categories=1, months=1)
        assert client.get(path, params).json() != first


# --- Category groups in the monthly and yearly reports ---------------------------------------


def test_groups_subtotal_their_categories_in_monthly_and_yearly(owner_api, ledger, history):
    groups = {"Housing": "Living", "Groceries": "Living", "Salary": "Work", "Side job": "Work"}
    for name, group in groups.items():
        Category.objects.filter(ledger=ledger, name=name).update(group=group)
    ledger_version_bump(ledger_ids=[ledger.pk])  # the updates above bypass the services
    names = {c.pk: c.name for c in Category.objects.filter(ledger=ledger)}
    totals = defaultdict(lambda: ZERO)
    by_month = defaultdict(lambda: ZERO)
    for m in movements(ledger):
        if m.date.year == 2024 and m.kind in ("income", "expense") and m.category:
            group = groups.get(names[m.category])
            if group:
                amount = -m.amount if m.kind == "expense" else m.amount
                totals[(group, m.kind)] += amount
                by_month[(group, m.kind, m.date.month)] += amount
    yearly = report(owner_api, ledger, "yearly", year=2024)
    assert {(g["name"], g["type"]): g["total"] for g in yearly["groups"]} == {
        key: money(total) for key, total in totals.items()
    }
    for g in yearly["groups"]:
        assert g["months"] == [money(by_month[(g["name"], g["type"], n)]) for n in range(1, 13)]
    assert [g["name"] for g in yearly["groups"]] == ["Work", "Living"]  # total descending
    march = report(owner_api, ledger, "monthly", year=2024, month=3)
    assert {(g["name"], g["type"]): g["total"] for g in march["groups"]} == {
        (group, kind): money(by_month[(group, kind, 3)]) for group, kind in totals
    }
    housing = next(c for c in march["categories"] if c["name"] == "Housing")
    assert housing["group"] == "Living"
    assert all(c["group"] is None for c in march["categories"] if c["name"] not in groups)
