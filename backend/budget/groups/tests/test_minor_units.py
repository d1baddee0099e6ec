"""Groups count in their currency's minor units (SPEC §14, §15): a JPY group in whole yen,
a KWD group in thousandths; an expense's amount and payers use the expense currency's
decimals; too many decimals for the currency → 422 naming the field."""

from decimal import Decimal
from fractions import Fraction

import pytest
from tests.helpers import assert_error

from budget.groups.splitting import converted, settle_up, split_by_weights
from budget.groups.tests.helpers import balances, expense, expense_post, group_create, guest_add

pytestmark = pytest.mark.django_db


def _group(api, currency: str):
    gid = group_create(api, currency=currency)["id"]
    alice = api.get(f"/groups/{gid}").json()["me"]
    return gid, alice, guest_add(api, gid, "Bea"), guest_add(api, gid, "Carl")


def test_split_by_weights_counts_in_the_given_minor_unit():
    thirds = [Fraction(1)] * 3
    assert split_by_weights(Decimal("1000"), thirds, 0) == [
        Decimal(334),
        Decimal(333),
        Decimal(333),
    ]
    assert split_by_weights(Decimal("10"), thirds, 3) == [
        Decimal("3.334"),
        Decimal("3.333"),
        Decimal("3.333"),
    ]
    assert converted(Decimal("10.05"), Decimal("150"), 0) == Decimal("1508")  # 1507.5 → away
    assert settle_up([("a", Decimal("-5")), ("b", Decimal("5"))], 0) == [("a", "b", Decimal(5))]


def test_a_yen_group_end_to_end(owner_api):
    gid, alice, bea, carl = _group(owner_api, "JPY")
    made = expense_post(owner_api, gid, expense({alice: "1000"}, "1000", [alice, bea, carl]))
    assert (made["amount"], made["group_amount"]) == ("1000", "1000")
    assert made["paid_by"] == [{"participant": alice, "amount": "1000", "group_amount": "1000"}]
    assert [o["amount"] for o in made["owed"]] == ["334", "333", "333"]
    assert balances(owner_api, gid) == {alice: "666", bea: "-333", carl: "-333"}
    assert owner_api.get(f"/groups/{gid}").json()["balance"] == "666"
    assert owner_api.get("/groups").json()["items"][0]["balance"] == "666"
    transfers = owner_api.get(f"/groups/{gid}/settle-up").json()["transfers"]
    assert sorted((t["from"], t["to"], t["amount"]) for t in transfers) == sorted(
        [(bea, alice, "333"), (carl, alice, "333")]
    )
    paid = owner_api.post(
        f"/groups/{gid}/settlements",
        {"from": bea, "to": alice, "amount": "333", "date": "2025-03-09"},
    )
    assert paid.status_code == 201, paid.content
    assert (paid.json()["amount"], paid.json()["owed"][0]["amount"]) == ("333", "333")
    assert balances(owner_api, gid) == {alice: "333", bea: "0", carl: "-333"}
    summaries = [a["summary"] for a in owner_api.get(f"/groups/{gid}/activity").json()["items"]]
    assert summaries[0].startswith("payment 333 ")


def test_too_many_decimals_for_the_yen_is_a_422_naming_the_field(owner_api):
    gid, alice, bea, _ = _group(owner_api, "JPY")
    body = expense({alice: "12.5"}, "12.5", [alice, bea])
    assert_error(owner_api.post(f"/groups/{gid}/expenses", body), 422, field="amount")
    body = expense({alice: "12.5", bea: "0.5"}, "13", [alice, bea])
    assert_error(owner_api.post(f"/groups/{gid}/expenses", body), 422, field="paid_by.0.amount")
    body = expense({alice: "13"}, "13", [(alice, "12.5"), (bea, "0.5")], mode="exact")
    assert_error(owner_api.post(f"/groups/{gid}/expenses", body), 422, field="split.parts.0.value")
    settle = {"from": bea, "to": alice, "amount": "12.5", "date": "2025-03-09"}
    assert_error(owner_api.post(f"/groups/{gid}/settlements", settle), 422, field="amount")
    assert owner_api.get(f"/groups/{gid}/expenses").json()["items"] == []
    assert set(balances(owner_api, gid).values()) == {"0"}


def test_a_dollar_expense_in_a_yen_group_rounds_once_to_whole_yen(owner_api):
    gid, alice, bea, carl = _group(owner_api, "JPY")
    # 10.05 USD at 150.1 = 1508.505 JPY → 1509 (half away from zero, to whole yen).
    body = expense({alice: "10.05"}, "10.05", [alice, bea, carl], currency="USD", rate="150.1")
    made = expense_post(owner_api, gid, body)
    assert (made["amount"], made["currency"], made["group_amount"]) == ("10.05", "USD", "1509")
    assert made["paid_by"] == [{"participant": alice, "amount": "10.05", "group_amount": "1509"}]
    assert [o["amount"] for o in made["owed"]] == ["503", "503", "503"]
    assert balances(owner_api, gid) == {alice: "1006", bea: "-503", carl: "-503"}
    # the dollar amount keeps its cents; a third decimal is refused
    body = expense({alice: "1.005"}, "1.005", [alice, bea], currency="USD", rate="150")
    assert_error(owner_api.post(f"/groups/{gid}/expenses", body), 422, field="amount")


def test_a_dinar_group_counts_in_thousandths(owner_api):
    gid, alice, bea, carl = _group(owner_api, "KWD")
    made = expense_post(owner_api, gid, expense({alice: "10"}, "10", [alice, bea, carl]))
    assert (made["amount"], made["group_amount"]) == ("10.000", "10.000")
    assert [o["amount"] for o in made["owed"]] == ["3.334", "3.333", "3.333"]
    assert balances(owner_api, gid) == {alice: "6.666", bea: "-3.333", carl: "-3.333"}
    transfers = owner_api.get(f"/groups/{gid}/settle-up").json()["transfers"]
    assert sorted(t["amount"] for t in transfers) == ["3.333", "3.333"]
    for t in transfers:
        paid = owner_api.post(
            f"/groups/{gid}/settlements",
            {"from": t["from"], "to": t["to"], "amount": t["amount"], "date": "2025-03-09"},
        )
        assert paid.status_code == 201, paid.content
    assert set(balances(owner_api, gid).values()) == {"0.000"}
    body = expense({alice: "1.0005"}, "1.0005", [alice, bea])
    assert_error(owner_api.post(f"/groups/{gid}/expenses", body), 422)


def test_a_euro_group_refuses_a_third_decimal_naming_the_field(owner_api):
    gid, alice, bea, _ = _group(owner_api, "EUR")
    body = expense({alice: "12.345"}, "12.345", [alice, bea])
    error = assert_error(owner_api.post(f"/groups/{gid}/expenses", body), 422, field="amount")
    assert error["errors"] == [{"field": "amount", "message": "Use at most 2 decimal places."}]
    body = expense({alice: "12.345"}, "12.35", [alice, bea])
    error = assert_error(owner_api.post(f"/groups/{gid}/expenses", body), 422)
    assert error["errors"] == [
        {"field": "paid_by.0.amount", "message": "Use at most 2 decimal places."}
    ]
    settle = {"from": bea, "to": alice, "amount": "1.0005", "date": "2025-03-09"}
    error = assert_error(owner_api.post(f"/groups/{gid}/settlements", settle), 422, field="amount")
    assert "for ." not in str(error)
