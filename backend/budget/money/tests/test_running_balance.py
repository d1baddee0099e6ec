"""`running_balance` on the transaction list filtered by one wallet: the wallet's balance
right after each transaction, checked against a sum computed here from every row."""

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from budget.money.models import Kind, Transaction
from budget.money.tests.helpers import adjustment, expense, income, transfer, tx_path

pytestmark = pytest.mark.django_db


def _delta(tx: Transaction, wallet_id) -> Decimal | None:
    """What `tx` changes in the wallet; None when it does not touch it."""
    if tx.kind == Kind.TRANSFER:
        if tx.from_wallet_id == wallet_id:
            return -tx.amount
        return tx.amount if tx.to_wallet_id == wallet_id else None
    if tx.wallet_id != wallet_id:
        return None
    return -tx.amount if tx.kind == Kind.EXPENSE else tx.amount


def expected_balances(ledger, wallet) -> dict[str, str]:
    """The wallet's balance after each transaction, summed here in Python over every row."""
    rows = sorted(
        Transaction.objects.filter(ledger=ledger), key=lambda t: (t.date, t.created_at, t.pk)
    )
    balance, after = Decimal("0.00"), {}
    for tx in rows:
        delta = _delta(tx, wallet.pk)
        if delta is not None:
            balance += delta
            after[str(tx.pk)] = f"{balance:.2f}"
    return after


def _history(h, *, days: int = 120, seed: int = 7) -> list[dict]:
    """A few months of every kind of movement, several on one day, some in one bulk request
    (one `created_at` for many rows: the id orders them), splits among them."""
    rng = random.Random(seed)
    start = date(2024, 11, 20)
    rows = []
    for n in range(days):
        day = (start + timedelta(days=rng.randrange(days))).isoformat()
        cents = f"{rng.randrange(1, 90_000) / 100:.2f}"
        pick = n % 6
        if pick == 0:
            rows.append(income(h, cents, date=day, wallet=str(rng.choice([h.bank, h.cash]).pk)))
        elif pick == 1:
            rows.append(expense(h, cents, date=day))
        elif pick == 2:
            rows.append(transfer(h, cents, date=day))
        elif pick == 3:
            back = {"from_wallet": str(h.cash.pk), "to_wallet": str(h.bank.pk)}
            rows.append(transfer(h, cents, date=day, **back))
        elif pick == 4:
            sign = rng.choice(["", "-"])
            rows.append(adjustment(h, f"{sign}{cents}", date=day, wallet=str(h.bank.pk)))
        else:
            rest = Decimal(cents) + Decimal("3.00")
            rows.append(
                expense(
                    h,
                    f"{rest:.2f}",
                    date=day,
                    category=None,
                    splits=[
                        {"category": str(h.groceries.pk), "amount": "3.00"},
                        {"category": str(h.category("Leisure").pk), "amount": cents},
                    ],
                )
            )
    return rows


@pytest.fixture
def history(owner_api, household):
    h = household
    rows = _history(h)
    for body in rows[:40]:
        assert owner_api.post(tx_path(h.ledger), body).status_code == 201
    bulk = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": rows[40:]})
    assert bulk.status_code == 201, bulk.content
    return h


def _pages(owner_api, h, **params) -> list[dict]:
    items, page = [], 1
    while True:
        response = owner_api.get(tx_path(h.ledger), {**params, "page": page, "page_size": 7})
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["items"]
        if page * 7 >= body["count"]:
            return items
        page += 1


@pytest.mark.parametrize("ordering", ["-date", "date", "-amount", "amount"])
@pytest.mark.parametrize("wallet", ["bank", "cash"])
def test_running_balance_is_the_wallet_balance_after_each_row(owner_api, history, ordering, wallet):
    h = history
    account = getattr(h, wallet)
    items = _pages(owner_api, h, wallet=str(account.pk), ordering=ordering)
    expected = expected_balances(h.ledger, account)
    assert len(items) == len(expected) > 20
    assert {t["id"]: t["running_balance"] for t in items} == expected


@pytest.mark.parametrize("ordering", ["-date", "date"])
def test_every_row_as_the_oldest_of_its_page(owner_api, history, ordering):
    """Pages of one row walked by cursor: each row is its page's oldest, so the balance
    before it is read from both sides of its month (the rollup up to its month plus the
    days before it when it is in the month's first half; the rollup through its month minus
    the rest of the month from it on in the second), same-day rows and splits among them."""
    h = history
    expected = expected_balances(h.ledger, h.bank)
    params, seen, cursor = (
        {"wallet": str(h.bank.pk), "ordering": ordering, "page_size": 1},
        {},
        None,
    )
    while True:
        body = owner_api.get(
            tx_path(h.ledger), {**params, **({"cursor": cursor} if cursor else {})}
        )
        assert body.status_code == 200, body.content
        body = body.json()
        seen.update({t["id"]: (t["running_balance"], t["date"]) for t in body["items"]})
        if (cursor := body["next_cursor"]) is None:
            break
    assert {pk: balance for pk, (balance, _) in seen.items()} == expected
    days = {int(day[8:]) for _, day in seen.values()}
    assert min(days) <= 10  # both sides of a month were read
    assert max(days) >= 25


def test_the_newest_running_balance_is_the_wallet_balance(owner_api, history):
    h = history
    newest = owner_api.get(tx_path(h.ledger), {"wallet": str(h.bank.pk)}).json()["items"][0]
    wallet = owner_api.get(f"/ledgers/{h.ledger.pk}/wallets/{h.bank.pk}").json()
    assert newest["running_balance"] == wallet["balance"]


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "2025-01-10", "date_to": "2025-02-20"},
        {"kind": "transfer"},
        {"min_amount": "300.00"},
        {"category": "Leisure"},
        {"date_from": "2025-02-01", "ordering": "date"},
    ],
)
def test_other_filters_keep_the_wallet_real_balance(owner_api, history, params):
    """A filtered register still shows what the wallet held after each row it lists."""
    h = history
    if "category" in params:
        params = {**params, "category": str(h.category(params["category"]).pk)}
    items = _pages(owner_api, h, wallet=str(h.bank.pk), **params)
    expected = expected_balances(h.ledger, h.bank)
    assert items
    assert all(t["running_balance"] == expected[t["id"]] for t in items)


def test_running_balance_is_null_unless_filtered_by_one_wallet(owner_api, history):
    h = history
    for params in ({}, {"bucket": str(h.unallocated.pk)}, {"kind": "expense"}):
        items = owner_api.get(tx_path(h.ledger), params).json()["items"]
        assert items
        assert all(t["running_balance"] is None for t in items)
    one = owner_api.get(tx_path(h.ledger, items[0]["id"])).json()
    assert one["running_balance"] is None


def test_running_balance_of_an_empty_wallet_list(owner_api, household):
    h = household
    body = owner_api.get(tx_path(h.ledger), {"wallet": str(h.cash.pk)}).json()
    assert body == {"items": [], "count": 0, "next_cursor": None}


def test_another_ledgers_wallet_lists_nothing(owner_api, stranger, household):
    """Filtering by a stranger's wallet neither shows their rows nor their balance."""
    from budget.money import services

    their_ledger = stranger.default_ledger
    theirs = services.wallet_create(ledger=their_ledger, name="Theirs", kind="virtual")
    services.transaction_create(
        ledger=their_ledger,
        data={
            "kind": "adjustment",
            "date": date(2025, 1, 1),
            "amount": Decimal("5.00"),
            "wallet": theirs.pk,
        },
    )
    body = owner_api.get(tx_path(household.ledger), {"wallet": str(theirs.pk)}).json()
    assert body == {"items": [], "count": 0, "next_cursor": None}


def test_running_balance_costs_one_query_per_page(
    owner_api, history, django_assert_max_num_queries
):
    h = history
    path = tx_path(h.ledger)
    owner_api.get(path, {"wallet": str(h.bank.pk)})  # the count is cached from here on
    for params in ({"page": 1}, {"page": 2, "ordering": "date"}, {"ordering": "-amount"}):
        # user, membership, page, allocations, splits, running balance
        with django_assert_max_num_queries(6):
            body = owner_api.get(path, {**params, "wallet": str(h.bank.pk), "page_size": 50})
        assert body.status_code == 200
        assert all(t["running_balance"] is not None for t in body.json()["items"])


def _yen_history(h, yen) -> list[dict]:
    """Four months of a JPY wallet's movements: incomes and expenses in yen, transfers in
    from the euro wallet (what arrives is `to_amount`) and out to it, adjustments."""
    rng = random.Random(11)
    rows = []
    for n in range(70):
        day = (date(2025, 1, 3) + timedelta(days=rng.randrange(115))).isoformat()
        yen_amount = str(rng.randrange(1, 90_000))
        pick = n % 5
        if pick == 0:
            rows.append(income(h, yen_amount, date=day, wallet=str(yen.pk)))
        elif pick == 1:
            rows.append(expense(h, yen_amount, date=day, wallet=str(yen.pk)))
        elif pick == 2:
            inward = {"from_wallet": str(h.bank.pk), "to_wallet": str(yen.pk)}
            rows.append(transfer(h, "61.00", date=day, to_amount=yen_amount, **inward))
        elif pick == 3:
            outward = {"from_wallet": str(yen.pk), "to_wallet": str(h.bank.pk)}
            rows.append(transfer(h, yen_amount, date=day, to_amount="12.20", **outward))
        else:
            sign = rng.choice(["", "-"])
            rows.append(adjustment(h, f"{sign}{yen_amount}", date=day, wallet=str(yen.pk)))
    return rows


def _yen_expected(ledger, yen) -> dict[str, str]:
    """The JPY wallet's balance after each of its rows, summed here over every row."""
    rows = sorted(
        Transaction.objects.filter(ledger=ledger), key=lambda t: (t.date, t.created_at, t.pk)
    )
    balance, after = Decimal(0), {}
    for tx in rows:
        if tx.kind == Kind.TRANSFER and tx.to_wallet_id == yen.pk:
            balance += tx.to_amount
        elif tx.kind == Kind.TRANSFER and tx.from_wallet_id == yen.pk:
            balance -= tx.amount
        elif tx.kind != Kind.TRANSFER and tx.wallet_id == yen.pk:
            balance += -tx.amount if tx.kind == Kind.EXPENSE else tx.amount
        else:
            continue
        after[str(tx.pk)] = f"{balance:.0f}"
    return after


@pytest.mark.parametrize("ordering", ["-date", "date"])
def test_a_yen_wallet_running_balance_deep_in_the_list_and_across_months(
    owner_api, household, ordering
):
    """Pages deep in the register, some of them spanning a month's end, each row's balance
    equal to the cumulative sum in yen (no decimals): the months before from the rollup,
    the month's earlier rows and the page's window must add up exactly."""
    from budget.money.services import wallet_create
    from budget.rates.tests.helpers import own_rate

    h = household
    yen = wallet_create(ledger=h.ledger, name="Tokyo", kind="virtual", currency="JPY")
    for day in range(120):
        own_rate(h.ledger, "JPY", date(2025, 1, 1) + timedelta(days=day), "0.0061")
    rows = _yen_history(h, yen)
    for body in rows[:20]:
        response = owner_api.post(tx_path(h.ledger), body)
        assert response.status_code == 201, response.content
    bulk = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": rows[20:]})
    assert bulk.status_code == 201, bulk.content
    expected = _yen_expected(h.ledger, yen)
    pages, page = [], 1
    while True:
        params = {"wallet": str(yen.pk), "ordering": ordering, "page": page, "page_size": 6}
        body = owner_api.get(tx_path(h.ledger), params).json()
        pages.append(body["items"])
        if page * 6 >= body["count"]:
            break
        page += 1
    assert len(pages) >= 10
    assert sum(len(items) for items in pages) == len(expected) == 70
    across = [items for items in pages if len({t["date"][:7] for t in items}) > 1]
    assert across  # pages whose oldest row is in an earlier month than their newest
    for items in pages:
        assert {t["id"]: t["running_balance"] for t in items} == {
            t["id"]: expected[t["id"]] for t in items
        }


@pytest.mark.parametrize("change", ["create", "edit", "delete"])
def test_a_write_in_an_earlier_month_moves_every_later_running_balance(owner_api, history, change):
    """The rollup's months before a page are cached under the ledger's version: a write in
    a month before the page's changes the version, and the page's balances follow it."""
    h = history
    path = tx_path(h.ledger)
    params = {"wallet": str(h.bank.pk), "date_from": "2025-03-01", "page_size": 50}
    before = owner_api.get(path, params).json()["items"]
    assert before
    earlier = Transaction.objects.filter(ledger=h.ledger, wallet=h.bank, date__lt="2025-01-01")
    if change == "create":
        body = adjustment(h, "-12.34", date="2024-12-02", wallet=str(h.bank.pk))
        assert owner_api.post(path, body).status_code == 201
    elif change == "edit":
        tx = earlier.filter(kind=Kind.ADJUSTMENT).first() or earlier.first()
        assert owner_api.patch(f"{path}/{tx.pk}", {"amount": "1.23"}).status_code == 200
    else:
        tx = earlier.first()
        assert owner_api.delete(f"{path}/{tx.pk}").status_code == 204
    after = owner_api.get(path, params).json()["items"]
    expected = expected_balances(h.ledger, h.bank)
    assert [t["running_balance"] for t in after] == [expected[t["id"]] for t in after]
    assert [t["running_balance"] for t in after] != [t["running_balance"] for t in before]
