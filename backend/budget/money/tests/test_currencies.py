"""Wallets in other currencies (SPEC §14): amounts with their currency's decimals, base
amounts converted once and frozen, transfers between currencies, and invariant 1 on booked
base values."""

import uuid
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.helpers import assert_error

from budget.accounts import services as account_services
from budget.common.currencies import CURRENCY_CODES, places
from budget.money import selectors
from budget.money.models import Bucket, Rollup, Transaction, TransactionSplit, Wallet
from budget.money.rollup import rollup_drift
from budget.money.services import bucket_create, wallet_create
from budget.money.tests.helpers import tx_path
from budget.rates.models import LedgerRate
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db

MARCH = date(2025, 3, 1)


def wallet(ledger, name: str, currency: str | None = None) -> Wallet:
    return wallet_create(ledger=ledger, name=name, kind="virtual", currency=currency)


def category(ledger, name: str):
    return ledger.categories.get(name=name)


def expense(ledger, w: Wallet, amount, **extra) -> dict:
    return {
        "kind": "expense",
        "date": "2025-03-01",
        "amount": amount,
        "wallet": str(w.pk),
        "category": str(category(ledger, "Groceries").pk),
        **extra,
    }


def income(ledger, w: Wallet, amount, **extra) -> dict:
    return {
        "kind": "income",
        "date": "2025-03-01",
        "amount": amount,
        "wallet": str(w.pk),
        "category": str(category(ledger, "Salary").pk),
        **extra,
    }


def booked_base(ledger) -> dict:
    """Each wallet's booked base value, summed here from the stored transactions."""
    values: dict = {}
    for tx in Transaction.objects.filter(ledger=ledger):
        sign = -1 if tx.kind == "expense" else 1
        if tx.kind == "transfer":
            for key, s in ((tx.from_wallet_id, -1), (tx.to_wallet_id, 1)):
                if key:
                    values[key] = values.get(key, Decimal(0)) + s * tx.base_amount
        else:
            values[tx.wallet_id] = values.get(tx.wallet_id, Decimal(0)) + sign * tx.base_amount
    return values


# --- The table and the picker ---------------------------------------------------------------


def test_currencies_lists_every_code_with_its_name_and_decimals(api):
    response = api.get("/currencies")
    assert response.status_code == 200
    body = {c["code"]: c for c in response.json()}
    assert set(body) == set(CURRENCY_CODES)
    assert body["JPY"] == {"code": "JPY", "name": "Japanese Yen", "places": 0}
    assert body["KWD"] == {"code": "KWD", "name": "Kuwaiti Dinar", "places": 3}
    assert body["EUR"] == {"code": "EUR", "name": "Euro", "places": 2}
    assert "CLF" not in body  # a four-place fund
    assert "XAU" not in body  # a metal


@pytest.mark.parametrize(("code", "expected"), [("JPY", 0), ("KRW", 0), ("KWD", 3), ("USD", 2)])
def test_places_follow_iso_4217(code, expected):
    assert places(code) == expected


# --- Wallets ---------------------------------------------------------------------------------


def test_a_wallet_is_in_the_ledgers_currency_unless_told(owner_api, ledger):
    path = f"/ledgers/{ledger.pk}/wallets"
    plain = owner_api.post(path, {"name": "Bank", "kind": "virtual"}).json()
    assert plain["currency"] == "EUR"
    yen = owner_api.post(path, {"name": "Tokyo", "kind": "virtual", "currency": "jpy"})
    assert yen.status_code == 201
    assert yen.json()["currency"] == "JPY"
    bad = owner_api.post(path, {"name": "X", "kind": "virtual", "currency": "ZZZ"})
    assert bad.status_code == 422
    assert Wallet.objects.filter(ledger=ledger).count() == 2


def test_a_wallets_currency_changes_only_while_it_has_no_transactions(owner_api, ledger):
    w = wallet(ledger, "Trip", "USD")
    path = f"/ledgers/{ledger.pk}/wallets/{w.pk}"
    assert owner_api.patch(path, {"currency": "GBP"}).json()["currency"] == "GBP"
    own_rate(ledger, "GBP", MARCH, "1.2")
    assert owner_api.post(tx_path(ledger), expense(ledger, w, "10.00")).status_code == 201
    response = owner_api.patch(path, {"currency": "USD"})
    assert response.status_code == 409
    assert "cannot change" in response.json()["detail"]
    w.refresh_from_db()
    assert w.currency == "GBP"


# --- Decimals per currency ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "amount", "written"),
    [
        ("JPY", "1200", "1200"),
        ("JPY", 1200, "1200"),
        ("KWD", "1.25", "1.250"),
        ("KWD", "0.005", "0.005"),
    ],
)
def test_amounts_round_trip_with_their_currencys_decimals(
    owner_api, ledger, currency, amount, written
):
    w = wallet(ledger, "Abroad", currency)
    own_rate(ledger, currency, MARCH, "0.01")
    response = owner_api.post(tx_path(ledger), expense(ledger, w, amount))
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["amount"], body["currency"]) == (written, currency)
    again = owner_api.get(tx_path(ledger, body["id"])).json()
    assert again["amount"] == written
    listed = owner_api.get(f"/ledgers/{ledger.pk}/wallets/{w.pk}").json()
    assert listed["balance"] == f"-{written}"


@pytest.mark.parametrize(
    ("currency", "amount", "message"),
    [
        ("JPY", "1200.5", "Use whole amounts for JPY: it has no decimal places."),
        ("EUR", "1.005", "Use at most 2 decimal places."),
        ("USD", "1.005", "Use at most 2 decimal places."),
    ],
)
def test_more_decimals_than_the_currency_has_is_a_422(owner_api, ledger, currency, amount, message):
    w = wallet(ledger, "W", currency)
    own_rate(ledger, "USD", MARCH, "0.9")
    own_rate(ledger, "JPY", MARCH, "0.006")
    response = owner_api.post(tx_path(ledger), expense(ledger, w, amount))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"field": "amount", "message": message} in [
        {"field": e["field"], "message": e["message"]} for e in errors
    ]
    assert not Transaction.objects.filter(ledger=ledger).exists()


def test_four_decimals_are_refused_even_for_a_three_place_currency(owner_api, ledger):
    w = wallet(ledger, "W", "KWD")
    response = owner_api.post(tx_path(ledger), expense(ledger, w, "1.2345"))
    assert response.status_code == 422
    assert not Transaction.objects.exists()


# --- Base amounts ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "rate", "base"),
    [
        ("0.05", "0.5", "0.03"),  # 0.025: half away from zero, not to even
        ("0.01", "0.5", "0.01"),  # 0.005
        ("100.00", "0.91234567890123456789", "91.23"),
        ("33.33", "1.0000000000000000001", "33.33"),
    ],
)
def test_the_base_amount_is_converted_once_half_away_from_zero(
    owner_api, ledger, amount, rate, base
):
    w = wallet(ledger, "Dollars", "USD")
    own_rate(ledger, "USD", MARCH, rate)
    body = owner_api.post(tx_path(ledger), expense(ledger, w, amount)).json()
    exact = Decimal(amount) * Decimal(rate)
    assert body["base_amount"] == base == str(exact.quantize(Decimal("0.01"), ROUND_HALF_UP))


def test_an_earlier_days_rate_serves_up_to_seven_days_back(owner_api, ledger):
    w = wallet(ledger, "Dollars", "USD")
    own_rate(ledger, "USD", date(2025, 2, 22), "0.5")
    body = owner_api.post(tx_path(ledger), expense(ledger, w, "10.00")).json()
    assert body["base_amount"] == "5.00"


def test_a_booked_base_amount_stays_when_the_rate_changes(owner_api, ledger):
    w = wallet(ledger, "Dollars", "USD")
    rate = own_rate(ledger, "USD", MARCH, "0.5")
    body = owner_api.post(tx_path(ledger), expense(ledger, w, "10.00")).json()
    LedgerRate.objects.filter(pk=rate.pk).update(rate=Decimal("0.8"))
    path = tx_path(ledger, body["id"])
    assert owner_api.patch(path, {"description": "Lunch"}).json()["base_amount"] == "5.00"
    assert owner_api.get(path).json()["base_amount"] == "5.00"
    # Changing the amount books it again, at the rate of today's data.
    assert owner_api.patch(path, {"amount": "20.00"}).json()["base_amount"] == "16.00"


def test_a_given_base_amount_needs_no_rate(owner_api, ledger):
    w = wallet(ledger, "Dollars", "USD")
    body = owner_api.post(tx_path(ledger), expense(ledger, w, "10.00", base_amount="9.37"))
    assert body.status_code == 201, body.content
    assert (body.json()["amount"], body.json()["base_amount"]) == ("10.00", "9.37")


def test_a_base_amount_in_the_base_currency_is_the_amount(owner_api, ledger):
    w = wallet(ledger, "Bank")
    body = owner_api.post(tx_path(ledger), expense(ledger, w, "10.00", base_amount="3.00")).json()
    assert body["base_amount"] == "10.00"


def test_a_missing_rate_is_a_422_on_base_amount_and_nothing_is_written(owner_api, ledger):
    w = wallet(ledger, "Dollars", "USD")
    own_rate(ledger, "USD", date(2025, 2, 21), "0.9")  # eight days before: too old
    response = owner_api.post(tx_path(ledger), expense(ledger, w, "10.00"))
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "field": "base_amount",
            "message": "No USD→EUR rate for 2025-03-01; give base_amount or add a rate",
        }
    ]
    assert not Transaction.objects.filter(ledger=ledger).exists()
    assert not Rollup.objects.filter(ledger=ledger).exists()


def test_a_bulk_create_looks_rates_up_once_and_refuses_all_when_one_is_missing(
    owner_api, ledger, django_assert_max_num_queries
):
    w = wallet(ledger, "Dollars", "USD")
    own_rate(ledger, "USD", MARCH, "0.5")
    items = [expense(ledger, w, "2.00", date=f"2025-03-{d:02d}") for d in range(1, 8)]
    response = owner_api.post(f"{tx_path(ledger)}/bulk", {"items": items})
    assert response.status_code == 201
    assert {t["base_amount"] for t in response.json()} == {"1.00"}
    far = [*items, expense(ledger, w, "2.00", date="2025-04-30")]
    response = owner_api.post(f"{tx_path(ledger)}/bulk", {"items": far})
    assert response.status_code == 422
    assert response.json()["errors"][0]["row"] == 7
    assert Transaction.objects.filter(ledger=ledger).count() == 7


# --- Transfers ------------------------------------------------------------------------------


def test_a_transfer_between_currencies_needs_to_amount(owner_api, ledger):
    eur, usd = wallet(ledger, "Bank"), wallet(ledger, "Dollars", "USD")
    body = {
        "kind": "transfer",
        "date": "2025-03-01",
        "amount": "100.00",
        "from_wallet": str(eur.pk),
        "to_wallet": str(usd.pk),
    }
    response = owner_api.post(tx_path(ledger), body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to_amount"
    created = owner_api.post(tx_path(ledger), {**body, "to_amount": "108.50"})
    assert created.status_code == 201, created.content
    tx = created.json()
    assert (tx["currency"], tx["base_amount"], tx["to_amount"]) == ("EUR", "100.00", "108.50")
    wallets = {w.name: w.balance for w in selectors.wallets_of(ledger=ledger)}
    assert wallets == {"Bank": Decimal("-100.00"), "Dollars": Decimal("108.50")}
    assert booked_base(ledger)[usd.pk] == Decimal("100.00")
    assert rollup_drift(ledger_id=ledger.pk) == []


def test_to_amount_is_refused_between_wallets_of_one_currency(owner_api, ledger):
    a, b = wallet(ledger, "A"), wallet(ledger, "B")
    body = {
        "kind": "transfer",
        "date": "2025-03-01",
        "amount": "10.00",
        "to_amount": "10.00",
        "from_wallet": str(a.pk),
        "to_wallet": str(b.pk),
    }
    response = owner_api.post(tx_path(ledger), body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to_amount"


def test_a_transfer_into_the_base_currency_is_worth_what_arrives(owner_api, ledger):
    eur, yen = wallet(ledger, "Bank"), wallet(ledger, "Tokyo", "JPY")
    body = {
        "kind": "transfer",
        "date": "2025-03-01",
        "amount": "16000",
        "to_amount": "99.99",
        "from_wallet": str(yen.pk),
        "to_wallet": str(eur.pk),
    }
    tx = owner_api.post(tx_path(ledger), body).json()
    assert (tx["amount"], tx["currency"], tx["base_amount"]) == ("16000", "JPY", "99.99")


# --- Allocation and split lines in another currency -----------------------------------------


def test_an_income_in_another_currency_is_allocated_on_its_base_amount(owner_api, household):
    h = household
    w = wallet(h.ledger, "Dollars", "USD")
    own_rate(h.ledger, "USD", MARCH, "0.9")
    tx = owner_api.post(tx_path(h.ledger), income(h.ledger, w, "1000.00")).json()
    owner_api.post(f"/ledgers/{h.ledger.pk}/allocations/run")
    tx = owner_api.get(tx_path(h.ledger, tx["id"])).json()
    assert tx["base_amount"] == "900.00"
    parts = {a["bucket_name"]: a["amount"] for a in tx["allocations"]}
    assert parts == {"Bills": "450.00", "Savings": "180.00", "Fun": "90.00"}
    buckets = {b.name: b.balance for b in selectors.buckets_of(ledger=h.ledger)}
    assert buckets["Unallocated"] == Decimal("180.00")
    assert next(x for x in selectors.wallets_of(ledger=h.ledger) if x.pk == w.pk).balance == (
        Decimal("1000.00")
    )
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_split_lines_share_the_base_amount_by_largest_remainder(owner_api, ledger):
    w = wallet(ledger, "Dollars", "USD")
    own_rate(ledger, "USD", MARCH, "0.5")
    lines = [
        {"category": str(category(ledger, "Groceries").pk), "amount": "0.03"},
        {"category": str(category(ledger, "Leisure").pk), "amount": "0.03"},
        {"category": str(category(ledger, "Transport").pk), "amount": "0.01"},
    ]
    body = expense(ledger, w, "0.07", category=None, splits=lines)
    tx = owner_api.post(tx_path(ledger), body).json()
    assert tx["base_amount"] == "0.04"  # 0.035 → 0.04
    stored = TransactionSplit.objects.filter(transaction_id=tx["id"]).order_by("position")
    assert sum(line.base_amount for line in stored) == Decimal("0.04")
    assert [line["base_amount"] for line in tx["splits"]] == [
        str(line.base_amount) for line in stored
    ]
    assert rollup_drift(ledger_id=ledger.pk) == []


# --- A ledger in a currency without two decimals ---------------------------------------------


def test_a_yen_ledger_writes_every_base_amount_without_decimals(api, make_user):
    user = make_user()
    api = api.as_user(user)
    ledger = api.post("/ledgers", {"name": "Tokyo", "currency": "JPY"}).json()
    lid = ledger["id"]
    w = api.post(f"/ledgers/{lid}/wallets", {"name": "Cash", "kind": "physical"}).json()
    assert w["currency"] == "JPY"
    cats = {c["name"]: c["id"] for c in api.get(f"/ledgers/{lid}/categories").json()["items"]}
    api.post(f"/ledgers/{lid}/buckets", {"name": "Food", "allocation_percent": "33.33"})
    body = {
        "kind": "income",
        "date": "2025-03-01",
        "amount": "1001",
        "wallet": w["id"],
        "category": cats["Salary"],
    }
    tx = api.post(f"/ledgers/{lid}/transactions", body).json()
    assert (tx["amount"], tx["base_amount"]) == ("1001", "1001")
    api.post(f"/ledgers/{lid}/allocations/run")
    tx = api.get(f"/ledgers/{lid}/transactions/{tx['id']}").json()
    assert tx["allocations"][0]["amount"] == "334"  # 333.63 floored, then the spare yen
    balances = api.get(f"/ledgers/{lid}/reports/balances").json()
    assert balances["net_worth"] == "1001"
    assert {b["name"]: b["balance"] for b in balances["buckets"]} == {
        "Unallocated": "667",
        "Food": "334",
    }
    bad = api.post(f"/ledgers/{lid}/transactions", {**body, "amount": "10.5"})
    assert bad.status_code == 422


# --- Balances report ------------------------------------------------------------------------


def test_balances_value_each_wallet_at_the_latest_rate_and_tell_the_revaluation(
    owner_api, ledger, django_assert_max_num_queries
):
    eur, usd, chf = (
        wallet(ledger, "Bank"),
        wallet(ledger, "Dollars", "USD"),
        wallet(ledger, "Swiss", "CHF"),
    )
    own_rate(ledger, "USD", MARCH, "0.5")
    owner_api.post(
        tx_path(ledger), income(ledger, eur, "500.00", bucket=str(ledger.buckets.get().pk))
    )
    owner_api.post(
        tx_path(ledger), income(ledger, usd, "100.00", bucket=str(ledger.buckets.get().pk))
    )
    owner_api.post(
        tx_path(ledger),
        income(ledger, chf, "40.00", base_amount="42.00", bucket=str(ledger.buckets.get().pk)),
    )
    own_rate(ledger, "USD", date(2025, 6, 1), "0.6")  # today's latest: the USD wallet gains
    with django_assert_max_num_queries(12):
        body = owner_api.get(f"/ledgers/{ledger.pk}/reports/balances").json()
    wallets = {w["name"]: w for w in body["wallets"]}
    assert (wallets["Bank"]["balance"], wallets["Bank"]["balance_base"]) == ("500.00", "500.00")
    assert (wallets["Dollars"]["currency"], wallets["Dollars"]["balance"]) == ("USD", "100.00")
    assert wallets["Dollars"]["balance_base"] == "60.00"
    assert wallets["Swiss"]["balance_base"] is None
    # Independently: 500 + 100 · 0.6; CHF has no rate at all; USD was booked at 50.00.
    assert body["net_worth"] == "560.00"
    assert body["unconverted"] == [{"currency": "CHF", "amount": "40.00"}]
    assert body["revaluation"] == "10.00"


# --- Ledger currency ------------------------------------------------------------------------


def test_a_single_currency_ledger_changes_currency_as_a_label(owner_api, household):
    h = household
    owner_api.post(tx_path(h.ledger), expense(h.ledger, h.bank, "10.00"))
    response = owner_api.patch(f"/ledgers/{h.ledger.pk}", {"currency": "USD"})
    assert response.status_code == 200
    assert set(Wallet.objects.filter(ledger=h.ledger).values_list("currency", flat=True)) == {"USD"}
    assert set(Transaction.objects.filter(ledger=h.ledger).values_list("currency", flat=True)) == {
        "USD"
    }


def test_a_ledger_with_money_in_other_currencies_keeps_its_currency(owner_api, ledger):
    w = wallet(ledger, "Dollars", "USD")
    owner_api.post(tx_path(ledger), expense(ledger, w, "10.00", base_amount="9.00"))
    response = owner_api.patch(f"/ledgers/{ledger.pk}", {"currency": "GBP"})
    assert response.status_code == 409
    ledger.refresh_from_db()
    assert ledger.currency == "EUR"


# --- Invariant 1 on booked base values --------------------------------------------------------

CURRENCIES = ["EUR", "USD", "JPY", "KWD"]
RATES = {"USD": "0.91234567", "JPY": "0.0061", "KWD": "2.987654321"}


def _amount(draw, currency: str) -> str:
    unit = places(currency)
    minor = draw(st.integers(min_value=1, max_value=10**7))
    return f"{Decimal(minor).scaleb(-unit):.{unit}f}"


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_booked_base_values_equal_the_buckets_under_any_sequence(api, make_user, data):
    # Each example in a ledger of its own: the database is not rolled back between them.
    user = account_services.user_register(
        email=f"prop-{uuid.uuid4().hex}@example.com", password="pw-123456789"
    )
    ledger = user.default_ledger
    client = api.as_user(user)
    for name, percent in (("A", "30.00"), ("B", "33.33")):
        bucket_create(ledger=ledger, name=name, allocation_percent=Decimal(percent))
    wallets = {c: wallet(ledger, c, c) for c in CURRENCIES}
    for code, rate in RATES.items():
        for day in (1, 8, 15, 22):
            own_rate(ledger, code, date(2025, 3, day), rate)
    buckets = list(Bucket.objects.filter(ledger=ledger))
    ids: list[str] = []
    for _ in range(data.draw(st.integers(3, 12))):
        step = data.draw(
            st.sampled_from(["income", "expense", "transfer", "adjust", "edit", "delete"])
        )
        code = data.draw(st.sampled_from(CURRENCIES))
        w = wallets[code]
        day = f"2025-03-{data.draw(st.integers(1, 28)):02d}"
        if step == "income":
            body = income(ledger, w, _amount(data.draw, code), date=day)
        elif step == "expense":
            body = expense(ledger, w, _amount(data.draw, code), date=day)
            if data.draw(st.booleans()):
                body["bucket"] = str(data.draw(st.sampled_from(buckets)).pk)
        elif step == "adjust":
            body = {
                "kind": "adjustment",
                "date": day,
                "amount": "-" + _amount(data.draw, code),
                "wallet": str(w.pk),
            }
        elif step == "transfer":
            other = wallets[data.draw(st.sampled_from(CURRENCIES))]
            if other.pk == w.pk:
                continue
            body = {
                "kind": "transfer",
                "date": day,
                "amount": _amount(data.draw, code),
                "from_wallet": str(w.pk),
                "to_wallet": str(other.pk),
            }
            if other.currency != code:
                body["to_amount"] = _amount(data.draw, other.currency)
        elif step == "edit" and ids:
            tx_id = data.draw(st.sampled_from(ids))
            current = client.get(tx_path(ledger, tx_id)).json()
            change = {"amount": _amount(data.draw, current["currency"])}
            if current["kind"] == "adjustment":
                change["amount"] = "-" + change["amount"]
            assert client.patch(tx_path(ledger, tx_id), change).status_code == 200
            continue
        elif step == "delete" and ids:
            tx_id = ids.pop(data.draw(st.integers(0, len(ids) - 1)))
            assert client.delete(tx_path(ledger, tx_id)).status_code == 204
            continue
        else:
            continue
        response = client.post(tx_path(ledger), body)
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
        if data.draw(st.booleans()):
            client.post(f"/ledgers/{ledger.pk}/allocations/run")
    client.post(f"/ledgers/{ledger.pk}/allocations/run")
    booked = sum(booked_base(ledger).values(), Decimal(0))
    in_buckets = sum(b.balance for b in selectors.buckets_of(ledger=ledger))
    assert booked == in_buckets
    assert rollup_drift(ledger_id=ledger.pk) == []
    for w in wallets.values():  # each wallet's balance, in its own currency, from the rows
        moves = Decimal(0)
        for tx in Transaction.objects.filter(ledger=ledger):
            if tx.wallet_id == w.pk:
                moves += -tx.amount if tx.kind == "expense" else tx.amount
            if tx.from_wallet_id == w.pk:
                moves -= tx.amount
            if tx.to_wallet_id == w.pk:
                moves += tx.amount if tx.to_amount is None else tx.to_amount
        assert selectors.wallet_balance(wallet=w) == moves


# --- JSON export and restore ------------------------------------------------------------------


def _without_ids(doc: dict) -> dict:
    """The document with each id replaced by its section and position."""
    ids = {
        item["id"]: f"{section}:{i}"
        for section in ("wallets", "buckets", "categories", "payees", "transactions")
        for i, item in enumerate(doc[section])
    }

    def swap(value):
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return ids.get(value, value) if isinstance(value, str) else value

    return swap(doc)


def test_yen_and_dinar_wallets_round_trip_through_the_ledger_document(owner_api, ledger):
    yen, dinar, bank = (
        wallet(ledger, "Tokyo", "JPY"),
        wallet(ledger, "Kuwait", "KWD"),
        wallet(ledger, "Bank"),
    )
    own_rate(ledger, "JPY", MARCH, "0.0061")
    for body in (
        expense(ledger, yen, "1200"),
        expense(ledger, dinar, "1.250", base_amount="3.81"),
        expense(ledger, bank, "5.00", foreign_amount="5.5", foreign_currency="USD"),
        {
            "kind": "transfer",
            "date": "2025-03-01",
            "amount": "100.00",
            "to_amount": "30.125",
            "from_wallet": str(bank.pk),
            "to_wallet": str(dinar.pk),
        },
    ):
        assert owner_api.post(tx_path(ledger), body).status_code == 201
    original = owner_api.get(f"/ledgers/{ledger.pk}/export.json").json()
    wallets = {w["name"]: w.get("currency") for w in original["wallets"]}
    assert wallets == {"Tokyo": "JPY", "Kuwait": "KWD", "Bank": None}
    amounts = {(t["kind"], t["amount"], t.get("currency")) for t in original["transactions"]}
    assert ("expense", "1200", "JPY") in amounts
    assert ("expense", "1.250", "KWD") in amounts
    created = owner_api.post("/ledgers/import-json", original)
    assert created.status_code == 201, created.content
    restored_id = created.json()["id"]
    restored = owner_api.get(f"/ledgers/{restored_id}/export.json").json()
    assert _without_ids(restored) == _without_ids(original)
    assert rollup_drift(ledger_id=restored_id) == []
    listed = owner_api.get(f"/ledgers/{restored_id}/transactions").json()["items"]
    assert {t["base_amount"] for t in listed if t["currency"] == "JPY"} == {"7.32"}


# --- Query counts -----------------------------------------------------------------------------


def _queries(owner_api, path: str, params=None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert owner_api.get(path, params or {}).status_code == 200
    return len(captured)


def test_lists_and_reports_cost_no_more_queries_with_other_currencies(owner_api, ledger):
    bank = wallet(ledger, "Bank")
    for day in range(1, 6):
        owner_api.post(tx_path(ledger), expense(ledger, bank, "1.00", date=f"2025-03-0{day}"))
    paths = [
        (tx_path(ledger), None),
        (tx_path(ledger), {"wallet": str(bank.pk)}),
        (f"/ledgers/{ledger.pk}/wallets", None),
        (f"/ledgers/{ledger.pk}/buckets", None),
        (f"/ledgers/{ledger.pk}/reports/monthly", {"year": 2025, "month": 3}),
        (f"/ledgers/{ledger.pk}/reports/yearly", {"year": 2025}),
    ]
    before = [_queries(owner_api, p, q) for p, q in paths]
    balances_before = _queries(owner_api, f"/ledgers/{ledger.pk}/reports/balances")
    for code in ("USD", "JPY"):
        w = wallet(ledger, code, code)
        own_rate(ledger, code, MARCH, "0.5")
        for day in range(1, 6):
            owner_api.post(tx_path(ledger), expense(ledger, w, "2", date=f"2025-03-0{day}"))
    assert [_queries(owner_api, p, q) for p, q in paths] == before
    # The balances add the latest rates and the converted wallets' booked values.
    assert _queries(owner_api, f"/ledgers/{ledger.pk}/reports/balances") <= balances_before + 3


def test_a_new_base_amount_splits_an_allocated_income_again(owner_api, household):
    h = household
    w = wallet(h.ledger, "Dollars", "USD")
    tx = owner_api.post(tx_path(h.ledger), income(h.ledger, w, "100.00", base_amount="90.00"))
    owner_api.post(f"/ledgers/{h.ledger.pk}/allocations/run")
    owner_api.patch(tx_path(h.ledger, tx.json()["id"]), {"base_amount": "10.00"})
    owner_api.post(f"/ledgers/{h.ledger.pk}/allocations/run")
    body = owner_api.get(tx_path(h.ledger, tx.json()["id"])).json()
    assert {a["bucket_name"]: a["amount"] for a in body["allocations"]} == {
        "Bills": "5.00",
        "Savings": "2.00",
        "Fun": "1.00",
    }
    buckets = {b.name: b.balance for b in selectors.buckets_of(ledger=h.ledger)}
    assert buckets["Unallocated"] == Decimal("2.00")
    assert rollup_drift(ledger_id=h.ledger.pk) == []


# --- Balances written in the wallet's currency ---------------------------------------------


def test_running_balance_and_reconcile_use_the_wallet_currency_places(owner_api, ledger):
    yen = wallet(ledger, "Tokyo", "JPY")
    dinar = wallet(ledger, "Kuwait", "KWD")
    own_rate(ledger, "JPY", MARCH, "0.0061")
    own_rate(ledger, "KWD", MARCH, "2.9871")
    assert owner_api.post(tx_path(ledger), income(ledger, yen, "5000")).status_code == 201
    assert owner_api.post(tx_path(ledger), expense(ledger, yen, "1200")).status_code == 201
    assert owner_api.post(tx_path(ledger), income(ledger, dinar, "1.250")).status_code == 201
    listed = owner_api.get(tx_path(ledger), {"wallet": str(yen.pk), "ordering": "date"})
    assert sorted(t["running_balance"] for t in listed.json()["items"]) == ["3800", "5000"]
    listed = owner_api.get(tx_path(ledger), {"wallet": str(dinar.pk)})
    assert [t["running_balance"] for t in listed.json()["items"]] == ["1.250"]
    response = owner_api.post(
        f"/ledgers/{ledger.pk}/wallets/{yen.pk}/reconcile",
        {"actual_balance": "3500", "date": "2025-03-01"},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["balance"] == "3500"
    assert "currency" not in body
    assert body["adjustment"]["amount"] == "-300"


# --- Messages name amounts with their currency's decimals --------------------------------------


def test_a_split_that_does_not_add_up_names_the_amounts_exactly(owner_api, ledger):
    dinar = wallet(ledger, "Dinar", "KWD")
    own_rate(ledger, "KWD", MARCH, "2.9871")
    lines = [
        {"category": str(category(ledger, "Groceries").pk), "amount": "1.750"},
        {"category": str(category(ledger, "Leisure").pk), "amount": "0.499"},
    ]
    response = owner_api.post(
        tx_path(ledger), expense(ledger, dinar, "2.250", category=None, splits=lines)
    )
    body = assert_error(response, 422)
    assert body["errors"] == [
        {"field": "splits", "message": "The lines add up to 2.249: 0.001 under the amount 2.250."}
    ]
    assert not Transaction.objects.filter(ledger=ledger).exists()


def test_a_wallet_or_bucket_that_still_holds_money_names_it_in_its_currency(owner_api, ledger):
    dinar = wallet(ledger, "Dinar", "KWD")
    own_rate(ledger, "KWD", MARCH, "2.9871")
    fun = bucket_create(ledger=ledger, name="Fun", allocation_percent=Decimal("0.00"))
    body = income(ledger, dinar, "0.005", bucket=str(fun.pk))
    assert owner_api.post(tx_path(ledger), body).status_code == 201
    response = owner_api.patch(f"/ledgers/{ledger.pk}/wallets/{dinar.pk}", {"archived": True})
    assert assert_error(response, 409, "balance_not_zero")["detail"] == (
        "This wallet still holds 0.005 KWD; move the money out before archiving it."
    )
    response = owner_api.patch(f"/ledgers/{ledger.pk}/buckets/{fun.pk}", {"archived": True})
    assert assert_error(response, 409, "balance_not_zero")["detail"] == (
        "This bucket still holds 0.01 EUR; move the money out before archiving it."
    )


def test_the_activity_log_names_an_amount_with_its_currency_s_decimals(owner_api, ledger):
    dinar = wallet(ledger, "Dinar", "KWD")
    own_rate(ledger, "KWD", MARCH, "2.9871")
    tx = owner_api.post(tx_path(ledger), expense(ledger, dinar, "1.255", description="Tea"))
    assert tx.status_code == 201, tx.content
    entries = owner_api.get(
        f"/ledgers/{ledger.pk}/activity", {"object_type": "transaction"}
    ).json()["items"]
    assert [e["summary"] for e in entries] == ["expense 1.255 Tea"]
