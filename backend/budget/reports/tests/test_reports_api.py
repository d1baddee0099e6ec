"""Every figure of every report against an independent computation over the same rows."""

import calendar
from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.money import services
from budget.money.models import Bucket, Category, Wallet
from budget.money.tests.movements import movements

pytestmark = pytest.mark.django_db
ZERO = Decimal("0.00")


def money(value) -> str:
    return f"{Decimal(value):.2f}"


@pytest.fixture
def history(ledger):
    """Three years of a household's money, with every kind and the awkward cases."""
    bank = services.wallet_create(
        ledger=ledger,
        name="Bank",
        kind="virtual",
        opening_balance=Decimal("500.00"),
        opening_date=date(2023, 1, 1),
    )
    cash = services.wallet_create(ledger=ledger, name="Cash", kind="physical")
    loan = services.wallet_create(ledger=ledger, name="Loan to Sam", kind="loan")
    savings = services.bucket_create(
        ledger=ledger, name="Savings", allocation_percent=Decimal("25.00")
    )
    fun = services.bucket_create(ledger=ledger, name="Fun", allocation_percent=Decimal("12.50"))
    cat = {c.name: c.pk for c in Category.objects.filter(ledger=ledger)}
    side_job = services.category_create(ledger=ledger, name="Side job", type="income")
    unused = services.category_create(ledger=ledger, name="Never used", type="expense")

    def tx(kind, day, amount, **fields):
        data = {"kind": kind, "date": day, "amount": Decimal(amount), **fields}
        return services.transaction_create(ledger=ledger, data=data)

    for year in (2023, 2024):
        for month in range(1, 13, 2 if year == 2023 else 1):
            tx("income", date(year, month, 1), "2000.00", wallet=bank.pk, category=cat["Salary"])
            tx("expense", date(year, month, 3), "750.00", wallet=bank.pk, category=cat["Housing"])
            tx(
                "expense",
                date(year, month, 9),
                f"{40 + month}.35",
                wallet=cash.pk,
                category=cat["Groceries"],
                bucket=fun.pk if month % 3 == 0 else None,
            )
    tx("income", date(2023, 12, 31), "333.33", wallet=bank.pk, category=side_job.pk)
    tx("income", date(2024, 1, 1), "99.99", wallet=cash.pk, category=side_job.pk, bucket=fun.pk)
    tx(
        "transfer",
        date(2024, 2, 10),
        "300.00",
        from_wallet=bank.pk,
        to_wallet=cash.pk,
        category=cat["Transfer"],
    )
    tx(
        "transfer",
        date(2024, 2, 11),
        "120.00",
        from_wallet=bank.pk,
        to_wallet=loan.pk,
        category=cat["Loan"],
    )
    # Back the other way in the same month and category: in the rollup, the bank's legs of
    # both share one row (-300 + 45.50); its transfers in and out must still be apart.
    tx(
        "transfer",
        date(2024, 2, 20),
        "45.50",
        from_wallet=cash.pk,
        to_wallet=bank.pk,
        category=cat["Transfer"],
    )
    tx("transfer", date(2024, 3, 5), "50.00", from_bucket=savings.pk, to_bucket=fun.pk)
    tx(
        "transfer",
        date(2024, 3, 6),
        "10.00",
        from_wallet=cash.pk,
        to_wallet=bank.pk,
        from_bucket=fun.pk,
        to_bucket=savings.pk,
    )
    tx("adjustment", date(2024, 3, 31), "-7.77", wallet=cash.pk)
    tx(
        "expense",
        date(2025, 1, 15),
        "12.00",
        wallet=cash.pk,
        category=cat["Leisure"],
        bucket=fun.pk,
    )
    # Split transactions (SPEC §13): an expense with a line from its own bucket, an income
    # allocated on its whole amount, one put in a bucket, and (below) one still pending.
    tx(
        "expense",
        date(2024, 12, 9),
        "80.30",
        wallet=cash.pk,
        bucket=savings.pk,
        splits=[
            {"category": cat["Groceries"], "amount": Decimal("50.10")},
            {"category": cat["Leisure"], "amount": Decimal("20.20"), "bucket": fun.pk},
            {"category": cat["Health"], "amount": Decimal("10.00")},
        ],
    )
    tx(
        "income",
        date(2024, 12, 15),
        "777.77",
        wallet=bank.pk,
        splits=[
            {"category": cat["Salary"], "amount": Decimal("700.00")},
            {"category": side_job.pk, "amount": Decimal("77.77")},
        ],
    )
    tx(
        "income",
        date(2024, 12, 20),
        "55.55",
        wallet=cash.pk,
        bucket=fun.pk,
        splits=[
            {"category": cat["Other income"], "amount": Decimal("50.00")},
            {"category": side_job.pk, "amount": Decimal("5.55")},
        ],
    )
    services.incomes_allocate(ledger=ledger)
    tx(
        "income", date(2025, 1, 20), "100.00", wallet=bank.pk, category=cat["Salary"]
    )  # stays pending
    tx(
        "income",
        date(2025, 1, 21),
        "60.00",
        wallet=bank.pk,
        splits=[
            {"category": cat["Salary"], "amount": Decimal("30.00")},
            {"category": side_job.pk, "amount": Decimal("30.00")},
        ],
    )  # stays pending too
    services.wallet_update(wallet=loan, archived=False)
    services.category_update(category=Category.objects.get(pk=cat["Housing"]), archived=True)
    return {
        "bank": bank,
        "cash": cash,
        "loan": loan,
        "savings": savings,
        "fun": fun,
        "unused": unused,
    }


SCOPES = ["none", "bank", "cash", "savings", "fun", "unallocated", "cash+fun"]


def scope_of(name, h, ledger):
    wallet = bucket = None
    if name in ("bank", "cash"):
        wallet = h[name]
    if name in ("savings", "fun"):
        bucket = h[name]
    if name == "unallocated":
        bucket = Bucket.objects.get(ledger=ledger, is_system=True)
    if name == "cash+fun":
        wallet, bucket = h["cash"], h["fun"]
    params = {}
    if wallet:
        params["wallet"] = str(wallet.pk)
    if bucket:
        params["bucket"] = str(bucket.pk)
    return wallet, bucket, params


def scoped(ledger, wallet, bucket):
    return [
        m
        for m in movements(ledger)
        if (wallet is None or m.wallet == wallet.pk) and (bucket is None or m.bucket == bucket.pk)
    ]


def expected_totals(moves, filtered: bool = False) -> dict:
    """The report's totals over `moves`; with `filtered` (a wallet or bucket filter), the
    transfers in and out of it too: each transfer leg on its own (null unfiltered)."""
    income = sum((m.amount for m in moves if m.kind == "income"), ZERO)
    expense = -sum((m.amount for m in moves if m.kind == "expense"), ZERO)
    adjustments = sum((m.amount for m in moves if m.kind == "adjustment"), ZERO)
    transfers = [m.amount for m in moves if m.kind == "transfer"]
    return {
        "income": money(income),
        "expense": money(expense),
        "net": money(income - expense),
        "adjustments": money(adjustments),
        "transfers_in": money(sum((a for a in transfers if a > 0), ZERO)) if filtered else None,
        "transfers_out": money(-sum((a for a in transfers if a < 0), ZERO)) if filtered else None,
    }


def transfer_fields(totals: dict) -> dict:
    return {"transfers_in": totals["transfers_in"], "transfers_out": totals["transfers_out"]}


def expected_categories(moves) -> dict:
    totals = defaultdict(Decimal)
    for m in moves:
        if m.kind in ("income", "expense") and m.category:  # not a split income's moves
            totals[m.category] += m.amount if m.kind == "income" else -m.amount
    return totals


def category_rows(body_categories, ledger) -> dict:
    names = {c.pk: c for c in Category.objects.filter(ledger=ledger)}
    rows = {}
    for row in body_categories:
        category = names[__import__("uuid").UUID(row["id"])]
        assert row["name"] == category.name
        assert row["type"] == category.type
        rows[category.pk] = row
    return rows


def assert_sorted_by_total(rows):
    totals = [Decimal(r["total"]) for r in rows]
    assert totals == sorted(totals, reverse=True)


@pytest.mark.parametrize("scope", SCOPES)
def test_historical_matches_the_rows(owner_api, ledger, history, scope):
    wallet, bucket, params = scope_of(scope, history, ledger)
    moves = scoped(ledger, wallet, bucket)
    body = owner_api.get(f"/ledgers/{ledger.pk}/reports/historical", params).json()
    assert body["totals"] == expected_totals(moves, filtered=bool(params))
    years = sorted({m.date.year for m in moves})
    assert body["period"] == {"from_year": years[0], "to_year": years[-1]}
    assert [y["year"] for y in body["years"]] == list(range(years[0], years[-1] + 1))
    for row in body["years"]:
        year_moves = [m for m in moves if m.date.year == row["year"]]
        totals = expected_totals(year_moves, filtered=bool(params))
        assert row == {
            "year": row["year"],
            "income": totals["income"],
            "expense": totals["expense"],
            "net": totals["net"],
            **transfer_fields(totals),
        }
    expected = expected_categories(moves)
    rows = category_rows(body["categories"], ledger)
    assert {k: Decimal(v["total"]) for k, v in rows.items()} == {
        k: v for k, v in expected.items() if v
    }
    assert_sorted_by_total(body["categories"])
    for category_id, row in rows.items():
        per_year = expected_categories([m for m in moves if m.category == category_id])
        by_year = defaultdict(Decimal)
        for m in moves:
            if m.category == category_id and m.kind in ("income", "expense"):
                by_year[m.date.year] += abs(m.amount)
        assert row["years"] == [{"year": y, "total": money(t)} for y, t in sorted(by_year.items())]
        assert sum(Decimal(y["total"]) for y in row["years"]) == per_year[category_id]


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("year", [2023, 2024, 2025, 2026])
def test_yearly_matches_the_rows(owner_api, ledger, history, scope, year):
    wallet, bucket, params = scope_of(scope, history, ledger)
    moves = [m for m in scoped(ledger, wallet, bucket) if m.date.year == year]
    body = owner_api.get(f"/ledgers/{ledger.pk}/reports/yearly", {"year": year, **params}).json()
    assert body["period"] == {"year": year}
    assert body["totals"] == expected_totals(moves, filtered=bool(params))
    assert [m["month"] for m in body["months"]] == list(range(1, 13))
    for row in body["months"]:
        totals = expected_totals(
            [m for m in moves if m.date.month == row["month"]], filtered=bool(params)
        )
        assert row == {
            "month": row["month"],
            "income": totals["income"],
            "expense": totals["expense"],
            "net": totals["net"],
            **transfer_fields(totals),
        }
    rows = category_rows(body["categories"], ledger)
    expected = expected_categories(moves)
    assert {k: Decimal(v["total"]) for k, v in rows.items()} == {
        k: v for k, v in expected.items() if v
    }
    assert_sorted_by_total(body["categories"])
    for category_id, row in rows.items():
        months = [ZERO] * 12
        for m in moves:
            if m.category == category_id and m.kind in ("income", "expense"):
                months[m.date.month - 1] += abs(m.amount)
        assert row["months"] == [money(v) for v in months]


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize(
    ("year", "month"), [(2023, 12), (2024, 1), (2024, 2), (2024, 3), (2025, 1), (2024, 12)]
)
def test_monthly_matches_the_rows(owner_api, ledger, history, scope, year, month):
    wallet, bucket, params = scope_of(scope, history, ledger)
    moves = [
        m for m in scoped(ledger, wallet, bucket) if (m.date.year, m.date.month) == (year, month)
    ]
    body = owner_api.get(
        f"/ledgers/{ledger.pk}/reports/monthly", {"year": year, "month": month, **params}
    ).json()
    assert body["period"] == {"year": year, "month": month}
    assert body["totals"] == expected_totals(moves, filtered=bool(params))
    days = calendar.monthrange(year, month)[1]
    assert [d["date"] for d in body["days"]] == [
        date(year, month, d).isoformat() for d in range(1, days + 1)
    ]
    for row in body["days"]:
        day_moves = [m for m in moves if m.date.isoformat() == row["date"]]
        totals = expected_totals(day_moves)
        assert (row["income"], row["expense"]) == (totals["income"], totals["expense"])
    rows = category_rows(body["categories"], ledger)
    expected = expected_categories(moves)
    assert {k: Decimal(v["total"]) for k, v in rows.items()} == {
        k: v for k, v in expected.items() if v
    }
    assert_sorted_by_total(body["categories"])
    spent = defaultdict(Decimal)
    for m in moves:
        if m.kind == "expense":
            spent[m.bucket] -= m.amount
    assert {r["id"]: r["spent"] for r in body["buckets"]} == {
        str(k): money(v) for k, v in spent.items() if v > 0
    }


@pytest.mark.parametrize("scope", SCOPES)
def test_balances_match_the_rows(owner_api, ledger, history, scope):
    wallet, bucket, params = scope_of(scope, history, ledger)
    moves = scoped(ledger, wallet, bucket)
    body = owner_api.get(f"/ledgers/{ledger.pk}/reports/balances", params).json()
    by_wallet, by_bucket = defaultdict(Decimal), defaultdict(Decimal)
    for m in moves:
        if m.wallet:
            by_wallet[m.wallet] += m.amount
        if m.bucket:
            by_bucket[m.bucket] += m.amount
    wallets = Wallet.objects.filter(ledger=ledger) if wallet is None else [wallet]
    buckets = Bucket.objects.filter(ledger=ledger) if bucket is None else [bucket]
    assert {w["id"]: w["balance"] for w in body["wallets"]} == {
        str(w.pk): money(by_wallet[w.pk]) for w in wallets
    }
    assert {b["id"]: b["balance"] for b in body["buckets"]} == {
        str(b.pk): money(by_bucket[b.pk]) for b in buckets
    }
    assert body["net_worth"] == money(sum(by_wallet[w.pk] for w in wallets))
    assert body["currency"] == "EUR"
    if scope == "none":
        assert body["pending_allocation"] == "160.00"  # a split income is pending too
        assert body["net_worth"] == money(sum(by_bucket.values()))  # invariant 1
        system = next(b for b in body["buckets"] if b["is_system"])
        assert system["allocation_percent"] is None
        assert {
            b["name"]: b["allocation_percent"] for b in body["buckets"] if not b["is_system"]
        } == {"Savings": "25.00", "Fun": "12.50"}


def test_transfers_and_adjustments_are_never_income_or_expense(owner_api, ledger, history):
    body = owner_api.get(f"/ledgers/{ledger.pk}/reports/monthly", {"year": 2024, "month": 3}).json()
    # March 2024: salary 2000, rent 750, groceries 43.35, two transfers, an adjustment of -7.77.
    assert body["totals"] == {
        "income": "2000.00",
        "expense": "793.35",
        "net": "1206.65",
        "adjustments": "-7.77",
        "transfers_in": None,
        "transfers_out": None,
    }
    names = {c["name"] for c in body["categories"]}
    assert names == {"Salary", "Housing", "Groceries"}


def test_a_wallet_report_shows_its_transfers_in_and_out_apart(owner_api, ledger, history):
    """February 2024, the bank: 300 to cash and 120 lent out; 45.50 back from cash (the
    same category: one rollup row). Income and expense do not move."""
    params = {"year": 2024, "month": 2, "wallet": str(history["bank"].pk)}
    body = owner_api.get(f"/ledgers/{ledger.pk}/reports/monthly", params).json()
    assert body["totals"] == {
        "income": "2000.00",
        "expense": "750.00",
        "net": "1250.00",
        "adjustments": "0.00",
        "transfers_in": "45.50",
        "transfers_out": "420.00",
    }
    params = {"year": 2024, "wallet": str(history["cash"].pk)}
    body = owner_api.get(f"/ledgers/{ledger.pk}/reports/yearly", params).json()
    assert (body["months"][1]["transfers_in"], body["months"][1]["transfers_out"]) == (
        "300.00",
        "45.50",
    )
    assert (body["months"][2]["transfers_in"], body["months"][2]["transfers_out"]) == (
        "0.00",
        "10.00",
    )


def test_year_boundary_splits_correctly(owner_api, ledger, history):
    y2023 = owner_api.get(f"/ledgers/{ledger.pk}/reports/yearly", {"year": 2023}).json()
    y2024 = owner_api.get(f"/ledgers/{ledger.pk}/reports/yearly", {"year": 2024}).json()
    side_2023 = next(c for c in y2023["categories"] if c["name"] == "Side job")
    side_2024 = next(c for c in y2024["categories"] if c["name"] == "Side job")
    assert side_2023["months"][11] == "333.33"
    assert side_2024["months"][0] == "99.99"


def test_months_without_activity_are_zero(owner_api, ledger, history):
    body = owner_api.get(f"/ledgers/{ledger.pk}/reports/yearly", {"year": 2023}).json()
    february = body["months"][1]
    assert february == {
        "month": 2,
        "income": "0.00",
        "expense": "0.00",
        "net": "0.00",
        "transfers_in": None,
        "transfers_out": None,
    }
    empty = owner_api.get(f"/ledgers/{ledger.pk}/reports/yearly", {"year": 2030}).json()
    assert [m["income"] for m in empty["months"]] == ["0.00"] * 12
    assert empty["categories"] == []


def test_unused_categories_do_not_appear(owner_api, ledger, history):
    body = owner_api.get(f"/ledgers/{ledger.pk}/reports/historical").json()
    assert "Never used" not in {c["name"] for c in body["categories"]}
    assert "Transfer" not in {c["name"] for c in body["categories"]}


def test_empty_ledger_reports(owner_api, ledger):
    historical = owner_api.get(f"/ledgers/{ledger.pk}/reports/historical").json()
    assert historical == {
        "period": {"from_year": None, "to_year": None},
        "totals": {
            "income": "0.00",
            "expense": "0.00",
            "net": "0.00",
            "adjustments": "0.00",
            "transfers_in": None,
            "transfers_out": None,
        },
        "years": [],
        "categories": [],
    }
    monthly = owner_api.get(
        f"/ledgers/{ledger.pk}/reports/monthly", {"year": 2024, "month": 2}
    ).json()
    assert len(monthly["days"]) == 29
    assert monthly["categories"] == monthly["buckets"] == []
    balances = owner_api.get(f"/ledgers/{ledger.pk}/reports/balances").json()
    assert balances["net_worth"] == "0.00"
    assert balances["wallets"] == []
    assert [b["name"] for b in balances["buckets"]] == ["Unallocated"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("monthly", {"year": 2024}, "month"),
        ("monthly", {"month": 1}, "year"),
        ("monthly", {"year": 2024, "month": 13}, "month"),
        ("monthly", {"year": 2024, "month": 0}, "month"),
        ("monthly", {"year": "twenty", "month": 1}, "year"),
        ("yearly", {}, "year"),
        ("yearly", {"year": 12}, "year"),
        ("historical", {"wallet": "nope"}, "wallet"),
    ],
)
def test_bad_period_or_filter_is_422(owner_api, ledger, path, params, field):
    assert_error(owner_api.get(f"/ledgers/{ledger.pk}/reports/{path}", params), 422, field=field)


def test_filter_of_another_ledger_is_422(owner_api, ledger, stranger):
    theirs = services.wallet_create(ledger=stranger.default_ledger, name="X", kind="virtual")
    response = owner_api.get(f"/ledgers/{ledger.pk}/reports/historical", {"wallet": str(theirs.pk)})
    assert_error(response, 422, field="wallet")
    their_bucket = Bucket.objects.get(ledger=stranger.default_ledger, is_system=True)
    response = owner_api.get(
        f"/ledgers/{ledger.pk}/reports/balances", {"bucket": str(their_bucket.pk)}
    )
    assert_error(response, 422, field="bucket")
