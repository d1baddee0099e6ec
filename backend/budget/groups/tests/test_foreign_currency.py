"""Group expenses in another currency than the group's (SPEC §15): the expense keeps its
amount, currency and frozen rate; the group amount is amount * rate rounded half away from
zero to the cent, once; shares, balances, settle-up and mirrors are in the group's currency."""

from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.groups.tests.helpers import balances, expense, expense_post, group_create, guest_add
from budget.money import services as money
from budget.money.models import Transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def trip(owner_api):
    gid = group_create(owner_api)["id"]
    alice = owner_api.get(f"/groups/{gid}").json()["me"]
    return gid, alice, guest_add(owner_api, gid, "Bea"), guest_add(owner_api, gid, "Carl")


def test_an_expense_in_dollars_is_split_in_euros(owner_api, trip):
    gid, alice, bea, carl = trip
    # 100.05 USD at 0.9235 = 92.396175 EUR → 92.40, then split 3 ways in euros.
    body = expense({alice: "100.05"}, "100.05", [alice, bea, carl], currency="usd", rate="0.9235")
    made = expense_post(owner_api, gid, body)
    assert (made["amount"], made["currency"], made["rate"], made["group_amount"]) == (
        "100.05",
        "USD",
        "0.9235",
        "92.40",
    )
    assert made["paid_by"] == [{"participant": alice, "amount": "100.05", "group_amount": "92.40"}]
    assert [o["amount"] for o in made["owed"]] == ["30.80", "30.80", "30.80"]
    assert balances(owner_api, gid) == {alice: "61.60", bea: "-30.80", carl: "-30.80"}


def test_half_a_cent_rounds_away_from_zero_once(owner_api, trip):
    gid, alice, bea, _ = trip
    # 10.01 GBP at 0.5 = 5.005 EUR → 5.01 (half away from zero, not to even).
    made = expense_post(
        owner_api, gid, expense({alice: "10.01"}, "10.01", [alice, bea], currency="GBP", rate="0.5")
    )
    assert made["group_amount"] == "5.01"
    assert sorted(o["amount"] for o in made["owed"]) == ["2.50", "2.51"]


def test_several_payers_and_exact_parts_in_the_expense_currency(owner_api, trip):
    gid, alice, bea, carl = trip
    body = expense(
        {alice: "20.00", bea: "10.00"},
        "30.00",
        [(alice, "10.00"), (bea, "10.00"), (carl, "10.00")],
        mode="exact",
        currency="CHF",
        rate="1.07",
    )
    made = expense_post(owner_api, gid, body)
    assert made["group_amount"] == "32.10"
    assert [p["group_amount"] for p in made["paid_by"]] == ["21.40", "10.70"]
    assert [o["amount"] for o in made["owed"]] == ["10.70", "10.70", "10.70"]
    assert balances(owner_api, gid) == {alice: "10.70", bea: "0.00", carl: "-10.70"}


def test_the_rate_is_frozen_and_a_patch_can_change_it_or_the_currency(owner_api, trip):
    gid, alice, bea, _ = trip
    made = expense_post(
        owner_api, gid, expense({alice: "10.00"}, "10.00", [alice, bea], currency="USD", rate="0.9")
    )
    path = f"/groups/{gid}/expenses/{made['id']}"
    changed = owner_api.patch(path, {"title": "Taxi"}).json()
    assert (changed["rate"], changed["group_amount"]) == ("0.9", "9.00")
    changed = owner_api.patch(path, {"rate": "0.95"}).json()
    assert (changed["rate"], changed["group_amount"]) == ("0.95", "9.50")
    assert balances(owner_api, gid) == {alice: "4.75", bea: "-4.75", _: "0.00"}
    # Back to the group's currency: the rate goes.
    changed = owner_api.patch(path, {"currency": "EUR"}).json()
    assert (changed["currency"], changed["rate"], changed["group_amount"]) == ("EUR", None, "10.00")
    # To another currency without a rate: 422, nothing changed.
    assert_error(owner_api.patch(path, {"currency": "GBP"}), 422, field="rate")
    assert owner_api.get(path).json()["currency"] == "EUR"
    activity = owner_api.get(f"/groups/{gid}/activity").json()["items"]
    assert any("rate" in entry.get("changes", {}) for entry in activity)


def test_settle_up_and_settlements_are_in_the_group_currency(owner_api, trip):
    gid, alice, bea, carl = trip
    expense_post(
        owner_api,
        gid,
        expense({bea: "33.00"}, "33.00", [alice, bea, carl], currency="USD", rate="1.1"),
    )
    transfers = owner_api.get(f"/groups/{gid}/settle-up").json()["transfers"]
    assert sorted((t["from"], t["amount"]) for t in transfers) == sorted(
        [(alice, "12.10"), (carl, "12.10")]
    )
    for t in transfers:
        paid = owner_api.post(
            f"/groups/{gid}/settlements",
            {"from": t["from"], "to": t["to"], "amount": t["amount"], "date": "2025-03-09"},
        )
        assert paid.status_code == 201, paid.content
        assert (paid.json()["currency"], paid.json()["rate"]) == ("EUR", None)
    assert set(balances(owner_api, gid).values()) == {"0.00"}


def test_a_connected_ledger_gets_the_converted_amounts(owner_api, household, trip):
    gid, alice, bea, _ = trip
    loan = money.wallet_create(ledger=household.ledger, name="Trip friends", kind="loan")
    connected = owner_api.put(
        f"/groups/{gid}/participants/{alice}/ledger",
        {
            "ledger": str(household.ledger.pk),
            "loan_wallet": str(loan.pk),
            "pay_wallet": str(household.bank.pk),
        },
    )
    assert connected.status_code == 200, connected.content
    made = expense_post(
        owner_api, gid, expense({alice: "50.00"}, "50.00", [alice, bea], currency="USD", rate="0.9")
    )
    mirrored = {
        tx.kind: tx.amount for tx in Transaction.objects.filter(group_expense_id=made["id"])
    }
    assert mirrored == {"expense": Decimal("22.50"), "transfer": Decimal("45.00")}
