"""A group connected to a ledger in another currency (SPEC §15 with §14): the loan wallet is
in the group's currency, the ledger's base may be any, and a pay wallet in another
currency makes transfers across currencies at the rate of the expense's date — the group
amount on the loan wallet's side, the converted amount (rounded once, half away from
zero, to the pay wallet's minor unit) on the other. Without a rate, nothing is written."""

from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.groups.tests.helpers import (
    assert_ledger_invariants,
    balances,
    connect,
    expense,
    expense_post,
    group_create,
    guest_add,
    wallet_balance,
)
from budget.ledgers.services import ledger_create
from budget.money import services as money
from budget.money.models import Transaction
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db

MARCH_1, MARCH_10 = date(2025, 3, 1), date(2025, 3, 10)


@pytest.fixture
def dollars(owner_api, user):
    """Alice's EUR group with Bea (a guest), and Alice's ledger in USD: a EUR loan wallet, a
    USD bank account and a JPY card (0 decimals)."""
    gid = group_create(owner_api, currency="EUR")["id"]
    alice = owner_api.get(f"/groups/{gid}").json()["me"]
    bea = guest_add(owner_api, gid, "Bea")
    ledger = ledger_create(name="Dollars", owner=user, currency="USD")
    return {
        "gid": gid,
        "alice": alice,
        "bea": bea,
        "ledger": ledger,
        "loan": money.wallet_create(ledger=ledger, name="Trip", kind="loan", currency="EUR"),
        "bank": money.wallet_create(ledger=ledger, name="Bank", kind="virtual"),
        "yen": money.wallet_create(ledger=ledger, name="Yen card", kind="virtual", currency="JPY"),
    }


def made(ledger) -> dict[str, Transaction]:
    return {
        tx.kind: tx for tx in Transaction.objects.filter(ledger=ledger, group_expense__isnull=False)
    }


def test_a_usd_ledger_takes_a_eur_loan_wallet_and_pays_from_dollars(owner_api, dollars):
    d = dollars
    own_rate(d["ledger"], "EUR", MARCH_1, "1.08")
    assert (
        connect(owner_api, d["gid"], d["alice"], d["ledger"], d["loan"], d["bank"]).status_code
        == 200
    )
    expense_post(
        owner_api, d["gid"], expense({d["alice"]: "90.00"}, "90.00", [d["alice"], d["bea"]])
    )
    share, paid = made(d["ledger"])["expense"], made(d["ledger"])["transfer"]
    # The share stays in euros on the loan wallet; its base amount at the ledger's rate.
    assert (share.amount, share.currency, share.base_amount) == (
        Decimal("45.00"),
        "EUR",
        Decimal("48.60"),
    )
    # 90.00 EUR at 1.08 = 97.20 USD leave the bank; 90.00 EUR arrive on the loan wallet.
    assert (paid.amount, paid.currency, paid.to_amount, paid.base_amount) == (
        Decimal("97.20"),
        "USD",
        Decimal("90.00"),
        Decimal("97.20"),
    )
    assert wallet_balance(d["loan"]) == Decimal(balances(owner_api, d["gid"])[d["alice"]])
    assert wallet_balance(d["bank"]) == Decimal("-97.20")
    assert_ledger_invariants(d["ledger"])


def test_a_yen_pay_wallet_converts_through_the_ledgers_rates_and_rounds_once(owner_api, dollars):
    d = dollars
    # 1 EUR = 1.1 USD and 1 JPY = 0.0088 USD: 1 EUR = 125 JPY exactly.
    own_rate(d["ledger"], "EUR", MARCH_1, "1.1")
    own_rate(d["ledger"], "JPY", MARCH_1, "0.0088")
    assert (
        connect(owner_api, d["gid"], d["alice"], d["ledger"], d["loan"], d["yen"]).status_code
        == 200
    )
    body = expense({d["alice"]: "10.02"}, "10.02", [d["alice"], d["bea"]])
    expense_post(owner_api, d["gid"], body)
    paid = made(d["ledger"])["transfer"]
    # 10.02 * 125 = 1252.5 JPY → 1253 (half away from zero, once), based at JPY→USD.
    assert (paid.amount, paid.currency, paid.to_amount) == (
        Decimal("1253"),
        "JPY",
        Decimal("10.02"),
    )
    assert paid.base_amount == Decimal("11.03")  # 1253 * 0.0088 = 11.0264
    out = owner_api.get(f"/ledgers/{d['ledger'].pk}/transactions/{paid.pk}").json()
    assert (out["amount"], out["to_amount"], out["currency"]) == ("1253", "10.02", "JPY")
    # Bea pays Alice back 5.01 EUR: a transfer from the loan wallet into yen, 626.25 → 626.
    settled = owner_api.post(
        f"/groups/{d['gid']}/settlements",
        {"from": d["bea"], "to": d["alice"], "amount": "5.01", "date": "2025-03-01"},
    )
    assert settled.status_code == 201, settled.content
    received = Transaction.objects.get(group_expense_id=settled.json()["id"])
    assert (received.from_wallet_id, received.to_wallet_id) == (d["loan"].pk, d["yen"].pk)
    assert (received.amount, received.to_amount) == (Decimal("5.01"), Decimal("626"))
    assert wallet_balance(d["loan"]) == Decimal(balances(owner_api, d["gid"])[d["alice"]]) == 0
    assert wallet_balance(d["yen"]) == Decimal("-627")
    assert_ledger_invariants(d["ledger"])


def test_an_edit_follows_with_the_rate_of_the_new_date(owner_api, dollars):
    d = dollars
    own_rate(d["ledger"], "EUR", MARCH_1, "1.08")
    own_rate(d["ledger"], "EUR", MARCH_10, "1.10")
    connect(owner_api, d["gid"], d["alice"], d["ledger"], d["loan"], d["bank"])
    body = expense({d["alice"]: "90.00"}, "90.00", [d["alice"], d["bea"]])
    created = expense_post(owner_api, d["gid"], body)
    before = {tx.kind: tx.pk for tx in made(d["ledger"]).values()}
    response = owner_api.patch(
        f"/groups/{d['gid']}/expenses/{created['id']}", {"date": "2025-03-10"}
    )
    assert response.status_code == 200, response.content
    share, paid = made(d["ledger"])["expense"], made(d["ledger"])["transfer"]
    assert {share.kind: share.pk, paid.kind: paid.pk} == before  # the same rows, changed
    assert (paid.date, paid.amount, paid.to_amount) == (
        MARCH_10,
        Decimal("99.00"),
        Decimal("90.00"),
    )
    assert (share.date, share.base_amount) == (MARCH_10, Decimal("49.50"))
    assert_ledger_invariants(d["ledger"])


def _nothing_written(owner_api, d, expenses: int = 0) -> None:
    assert owner_api.get(f"/groups/{d['gid']}/expenses").json()["count"] == expenses
    assert not Transaction.objects.filter(ledger=d["ledger"]).exists()


def test_without_a_rate_the_group_write_is_a_422_and_writes_nothing(owner_api, dollars):
    d = dollars
    own_rate(d["ledger"], "EUR", MARCH_1, "1.1")  # JPY has none
    connect(owner_api, d["gid"], d["alice"], d["ledger"], d["loan"], d["yen"])
    body = expense({d["alice"]: "10.00"}, "10.00", [d["alice"], d["bea"]])
    error = assert_error(owner_api.post(f"/groups/{d['gid']}/expenses", body), 422)
    assert error["errors"] == [
        {
            "field": "base_amount",
            "message": "No JPY→USD rate for 2025-03-01; give base_amount or add a rate",
        }
    ]
    _nothing_written(owner_api, d)
    assert set(balances(owner_api, d["gid"]).values()) == {"0.00"}
    # A payment to Alice likewise; an expense Bea paid alone needs no conversion.
    settle = {"from": d["bea"], "to": d["alice"], "amount": "5.00", "date": "2025-03-01"}
    assert_error(owner_api.post(f"/groups/{d['gid']}/settlements", settle), 422)
    _nothing_written(owner_api, d)
    bea_paid = expense({d["bea"]: "10.00"}, "10.00", [d["alice"], d["bea"]])
    expense_post(owner_api, d["gid"], bea_paid)
    assert list(made(d["ledger"])) == ["expense"]


def test_without_a_rate_for_an_older_expense_connecting_is_a_422(owner_api, dollars):
    d = dollars
    own_rate(d["ledger"], "EUR", MARCH_1, "1.08")
    for day in ("2025-03-01", "2025-04-20"):  # no rate within 7 days of April 20
        body = expense({d["alice"]: "10.00"}, "10.00", [d["alice"], d["bea"]], date=day)
        expense_post(owner_api, d["gid"], body)
    response = connect(owner_api, d["gid"], d["alice"], d["ledger"], d["loan"], d["bank"])
    error = assert_error(response, 422)
    assert error["errors"][0]["message"] == (
        "No EUR→USD rate for 2025-04-20; give base_amount or add a rate"
    )
    assert_error(owner_api.get(f"/groups/{d['gid']}/participants/{d['alice']}/ledger"), 404)
    _nothing_written(owner_api, d, expenses=2)
    own_rate(d["ledger"], "EUR", date(2025, 4, 18), "1.12")
    assert (
        connect(owner_api, d["gid"], d["alice"], d["ledger"], d["loan"], d["bank"]).status_code
        == 200
    )
    amounts = Transaction.objects.filter(ledger=d["ledger"], kind="transfer")
    assert sorted(tx.amount for tx in amounts) == [Decimal("10.80"), Decimal("11.20")]
    assert_ledger_invariants(d["ledger"])


def test_the_loan_wallet_must_be_in_the_groups_currency(owner_api, dollars):
    d = dollars
    usd_loan = money.wallet_create(ledger=d["ledger"], name="Trip $", kind="loan")
    response = connect(owner_api, d["gid"], d["alice"], d["ledger"], usd_loan, d["bank"])
    error = assert_error(response, 422, field="loan_wallet")
    assert error["errors"] == [
        {"field": "loan_wallet", "message": "Choose a loan wallet in the group's currency (EUR)."}
    ]


def test_a_dollar_card_in_a_euro_ledger_pays_at_the_inverse_of_its_rate(owner_api, household):
    h = household
    gid = group_create(owner_api, currency="EUR")["id"]
    alice = owner_api.get(f"/groups/{gid}").json()["me"]
    bea = guest_add(owner_api, gid, "Bea")
    loan = money.wallet_create(ledger=h.ledger, name="Trip", kind="loan")
    card = money.wallet_create(ledger=h.ledger, name="Card", kind="virtual", currency="USD")
    own_rate(h.ledger, "USD", MARCH_1, "0.8")  # 1 EUR = 1.25 USD
    assert connect(owner_api, gid, alice, h.ledger, loan, card).status_code == 200
    expense_post(owner_api, gid, expense({alice: "10.01"}, "10.01", [alice, bea]))
    paid = made(h.ledger)["transfer"]
    # 10.01 EUR x 1.25 = 12.5125 USD -> 12.51; worth what arrives in euros, the base.
    assert (paid.amount, paid.currency, paid.to_amount, paid.base_amount) == (
        Decimal("12.51"),
        "USD",
        Decimal("10.01"),
        Decimal("10.01"),
    )
    assert wallet_balance(loan) == Decimal(balances(owner_api, gid)[alice])
    assert_ledger_invariants(h.ledger)
