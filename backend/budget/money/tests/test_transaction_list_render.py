"""The transaction list writes its page from plain rows, without validating them through
TransactionOut (`transaction_out_plain`): its bytes must be exactly what the schema writes.

One ledger per base currency (EUR: 2 decimals, JPY: 0, KWD: 3) with a wallet in each of the
three, and every kind of row: allocated incomes in each currency, an income to a bucket,
split expenses in JPY and KWD (a line with a bucket, one without), what a receipt said in
another currency, a base amount given, transfers between currencies with `to_amount`, one
between buckets, an adjustment, payees, tags, notes, an external id, a recurring
occurrence and a group expense's mirror. Each list (whole, per wallet with its running
balance, by amount) is compared byte for byte with the page validated through
TransactionOut, and each row with its detail."""

import json
from datetime import date
from decimal import Decimal, localcontext

import pytest
from django.utils import timezone
from ninja.renderers import JSONRenderer

from budget.common.money import base_currency_set
from budget.groups.tests.helpers import expense as group_expense
from budget.groups.tests.helpers import expense_post, group_create, guest_add
from budget.money import selectors, services
from budget.money.models import Category, Transaction
from budget.money.schemas import TransactionFilters, TransactionOut
from budget.money.tests.helpers import expense, income, post_ok, transfer, tx_path
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db

CODES = ("EUR", "JPY", "KWD")
EUROS_PER_UNIT = {"EUR": Decimal(1), "JPY": Decimal("0.0064"), "KWD": Decimal("2.9")}
# What the bank charged for the JPY or KWD expense below, in each base currency's decimals.
BASE_GIVEN = {"EUR": "6.27", "JPY": "1003", "KWD": "1.925"}
RATE_DAY = date(2025, 3, 1)


def _rate(code: str, base: str) -> str:
    """Base units per unit of `code`, 12 significant digits (a rate's most)."""
    with localcontext() as context:
        context.prec = 12
        return str(EUROS_PER_UNIT[code] / EUROS_PER_UNIT[base])


def _body(kind: str, day: int, amount: str, **extra) -> dict:
    return {"kind": kind, "date": f"2025-03-{day:02d}", "amount": amount, **extra}


@pytest.fixture(params=CODES)
def books(request, owner_api, ledger):
    """The ledger in base currency `request.param`, its three wallets and every kind of row."""
    base = request.param
    answer = owner_api.patch(f"/ledgers/{ledger.pk}", {"currency": base})
    assert answer.status_code == 200, answer.content
    ledger.refresh_from_db()
    wallets = {
        code: services.wallet_create(
            ledger=ledger, name=f"Wallet {code}", kind="virtual", currency=code
        )
        for code in CODES
    }
    for code in CODES:
        if code != base:
            own_rate(ledger, code, RATE_DAY, _rate(code, base))
    savings = services.bucket_create(ledger=ledger, name="Savings", allocation_percent=Decimal(50))
    fun = services.bucket_create(ledger=ledger, name="Fun", allocation_percent=Decimal(10))
    category = {c.name: str(c.pk) for c in Category.objects.filter(ledger=ledger)}
    w = {code: str(wallet.pk) for code, wallet in wallets.items()}
    other = next(code for code in ("JPY", "KWD") if code != base)
    bodies = [
        _body(
            "income",
            1,
            "1234.56",
            wallet=w["EUR"],
            category=category["Salary"],
            payee_name="ACME Payroll",
            tags=["pay", "monthly"],
            notes="March",
            external_id="BANK-0001",
        ),
        _body("income", 1, "120000", wallet=w["JPY"], category=category["Salary"]),
        _body(
            "income",
            2,
            "10.125",
            wallet=w["KWD"],
            category=category["Salary"],
            bucket=str(savings.pk),
        ),
        _body(
            "expense",
            2,
            "1.250",
            wallet=w["KWD"],
            payee_name="Souq",
            splits=[
                {
                    "category": category["Groceries"],
                    "amount": "1.005",
                    "bucket": str(fun.pk),
                    "description": "dates",
                },
                {"category": category["Housing"], "amount": "0.245"},
            ],
        ),
        _body(
            "expense",
            3,
            "1500",
            wallet=w["JPY"],
            splits=[
                {"category": category["Groceries"], "amount": "1001"},
                {"category": category["Housing"], "amount": "499", "bucket": str(savings.pk)},
            ],
        ),
        _body(
            "expense",
            3,
            "12.30",
            wallet=w["EUR"],
            category=category["Groceries"],
            payee_name="Corner shop",
            foreign_amount="1500",
            foreign_currency="JPY",
        ),
        _body(
            "expense",
            4,
            "0.50",
            wallet=w["EUR"],
            category=category["Groceries"],
            foreign_amount="0.125",
            foreign_currency="KWD",
            tags=["trip"],
        ),
        _body(
            "expense",
            4,
            "980" if other == "JPY" else "0.330",
            wallet=w[other],
            category=category["Groceries"],
            base_amount=BASE_GIVEN[base],
            foreign_amount="4.10",
            foreign_currency="USD",
        ),
        _body("transfer", 5, "5000", from_wallet=w["JPY"], to_wallet=w["KWD"], to_amount="10.500"),
        _body("transfer", 5, "50.00", from_wallet=w["EUR"], to_wallet=w["JPY"], to_amount="7800"),
        _body("transfer", 6, "1.000", from_wallet=w["KWD"], to_wallet=w["EUR"], to_amount="2.90"),
        _body("adjustment", 6, "-3" if base == "JPY" else "-0.25", wallet=w[base]),
        _body(
            "transfer",
            7,
            "40" if base == "JPY" else "4.00",
            from_bucket=str(savings.pk),
            to_bucket=str(fun.pk),
            category=category["Transfer"],
        ),
    ]
    for body in bodies:
        post_ok(owner_api, ledger, body)
    allocated = owner_api.post(f"/ledgers/{ledger.pk}/allocations/run")
    assert allocated.json() == {"allocated": 2}
    # A recurring template's occurrence of today, and a group expense's mirror.
    today = timezone.localdate().isoformat()
    template = {
        "kind": "expense",
        "amount": "9" if base == "JPY" else "9.99",
        "wallet": w[base],
        "category": category["Housing"],
        "frequency": "monthly",
        "start_date": today,
    }
    made = owner_api.post(f"/ledgers/{ledger.pk}/recurring", template)
    assert made.status_code == 201, made.content
    gid = group_create(owner_api, currency=base)["id"]
    me = owner_api.get(f"/groups/{gid}").json()["me"]
    friend = guest_add(owner_api, gid, "Carl")
    loan = services.wallet_create(ledger=ledger, name="Friends", kind="loan", currency=base)
    connected = owner_api.put(
        f"/groups/{gid}/participants/{me}/ledger",
        {"ledger": str(ledger.pk), "loan_wallet": str(loan.pk), "pay_wallet": w[base]},
    )
    assert connected.status_code == 200, connected.content
    amount = "90" if base == "JPY" else "90.00"
    expense_post(owner_api, gid, group_expense({me: amount}, amount, [me, friend]))
    return ledger, wallets


def _validated_page(ledger, params: dict) -> bytes:
    """The page as the schema writes it: model instances validated through TransactionOut,
    in the paginated answer's shape (the page holds every row: no next cursor)."""
    filters = TransactionFilters(**params)
    ordering = params.get("ordering", "-date")
    items = list(
        selectors.transactions_of(
            ledger=ledger, filters=filters.get_filter_expression(), ordering=ordering
        )
    )
    if filters.wallet:
        selectors.running_balances_set(ledger=ledger, rows=items, wallet_id=filters.wallet)
    base_currency_set(ledger.currency)
    try:
        rows = [TransactionOut.model_validate(tx).model_dump() for tx in items]
    finally:
        base_currency_set("")
    page = {"items": rows, "count": len(rows), "next_cursor": None}
    return JSONRenderer().render(None, page, response_status=200).encode()


def _lists(wallets) -> list[dict]:
    per_wallet = [{"wallet": str(w.pk)} for w in wallets.values()]
    return [
        {},
        {"ordering": "amount"},
        *per_wallet,
        {"wallet": str(wallets["JPY"].pk), "ordering": "date"},
    ]


def test_list_page_is_byte_for_byte_what_transaction_out_writes(owner_api, books):
    ledger, wallets = books
    for params in _lists(wallets):
        answer = owner_api.get(tx_path(ledger), {**params, "page_size": 100})
        assert answer.status_code == 200, answer.content
        assert answer["Content-Type"] == "application/json; charset=utf-8"
        assert answer.content == _validated_page(ledger, params), params


def test_every_field_of_transaction_out_is_on_some_row(owner_api, books):
    """The comparison above means something only when each field carries a value somewhere
    (a field left null everywhere would pass whatever the plain writer did with it)."""
    ledger, wallets = books
    rows = []
    for params in _lists(wallets):
        rows += owner_api.get(tx_path(ledger), {**params, "page_size": 100}).json()["items"]
    written = {name for name, f in TransactionOut.model_fields.items() if not f.exclude}
    assert set(rows[0]) == written
    empty = (None, "", [])
    assert {name for name in written if all(row[name] in empty for row in rows)} == set()
    lines = [line for row in rows for line in row["splits"]]
    assert {line["bucket"] is None for line in lines} == {True, False}
    # Amounts with 0, 2 and 3 decimals, in every money field that has a currency of its own.
    for field in ("amount", "to_amount", "foreign_amount", "running_balance"):
        places = {len(row[field].partition(".")[2]) for row in rows if row[field]}
        assert places == {0, 2, 3}, field
    assert {len(line["amount"].partition(".")[2]) for line in lines} == {0, 3}


def test_list_rows_equal_the_detail_of_each_row(owner_api, books):
    ledger, _ = books
    page = owner_api.get(tx_path(ledger), {"page_size": 5})
    body = page.json()
    assert list(body) == ["items", "count", "next_cursor"]
    assert body["count"] == Transaction.objects.filter(ledger=ledger).count()
    items = body["items"]
    while body["next_cursor"]:
        body = owner_api.get(tx_path(ledger), {"page_size": 5, "cursor": body["next_cursor"]})
        body = body.json()
        items += body["items"]
    assert len(items) == page.json()["count"]
    for item in items:
        assert item == owner_api.get(tx_path(ledger, item["id"])).json()
    assert json.dumps(items)  # plain JSON values only


@pytest.mark.parametrize(
    ("kind", "lines"),
    [
        ("expense", 0),  # expenses with their category: no line can exist
        ("transfer", 0),
        ("income", 1),  # allocated incomes: their allocation lines
    ],
)
def test_a_page_asks_only_for_the_lines_its_rows_can_have(
    owner_api, household, kind, lines, django_assert_num_queries
):
    """Allocation lines belong to allocated incomes, split lines to incomes and expenses
    without a category: a page of other rows is read without asking for either."""
    body = {"expense": expense, "income": income, "transfer": transfer}[kind](household)
    for _ in range(3):
        post_ok(owner_api, household.ledger, body)
    if kind == "income":
        assert owner_api.post(f"/ledgers/{household.ledger.pk}/allocations/run").status_code == 200
    path = tx_path(household.ledger)
    assert owner_api.get(path, {"kind": kind}).json()["count"] == 3  # the count is cached
    with django_assert_num_queries(2 + lines):  # the gate, the page (, the lines)
        page = owner_api.get(path, {"kind": kind}).json()
    assert len(page["items"]) == 3
    assert all(bool(row["allocations"]) == (kind == "income") for row in page["items"])
