"""Groups, participants and expenses over the API (SPEC §15)."""

from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.groups.models import Participant
from budget.groups.services import participants_totals_rebuild
from budget.groups.tests.helpers import (
    balances,
    expense,
    expense_post,
    group_create,
    guest_add,
    member_join,
)
from budget.ledgers.models import Invitation
from budget.ledgers.tests.helpers import verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def trip(owner_api):
    """Alice's group with two guests: (group id, alice, bea, carl)."""
    group = group_create(owner_api)
    bea = guest_add(owner_api, group["id"], "Bea")
    carl = guest_add(owner_api, group["id"], "Carl")
    return group["id"], group["me"], bea, carl


def test_the_creator_is_the_first_participant_linked_and_admin(owner_api):
    group = group_create(owner_api, "Flat", "EUR")
    assert group["name"] == "Flat"
    assert group["admin"] is True
    assert group["balance"] == "0.00"
    body = owner_api.get(f"/groups/{group['id']}/participants").json()
    assert body["count"] == 1
    assert body["items"][0] == {
        "id": group["me"],
        "name": "Alice Adams",
        "linked": True,
        "admin": True,
        "payment_link": None,
    }


def test_an_unknown_currency_is_422(owner_api):
    assert_error(owner_api.post("/groups", {"name": "X", "currency": "XXX"}), 422)


def test_a_stranger_never_sees_a_group(api, owner_api, trip, stranger):
    gid, alice, bea, _ = trip
    other = api.as_user(stranger)
    assert other.get("/groups").json() == {"items": [], "count": 0}
    for method, path, body in [
        ("GET", f"/groups/{gid}", None),
        ("PATCH", f"/groups/{gid}", {"name": "Mine"}),
        ("DELETE", f"/groups/{gid}", None),
        ("GET", f"/groups/{gid}/participants", None),
        ("POST", f"/groups/{gid}/participants", {"name": "Eve"}),
        ("GET", f"/groups/{gid}/expenses", None),
        ("POST", f"/groups/{gid}/expenses", expense({alice: "1.00"}, "1.00", [bea])),
        ("GET", f"/groups/{gid}/balances", None),
        ("GET", f"/groups/{gid}/settle-up", None),
        ("GET", f"/groups/{gid}/activity", None),
        (
            "POST",
            f"/groups/{gid}/settlements",
            {"from": bea, "to": alice, "amount": "1", "date": "2025-01-01"},
        ),
    ]:
        assert_error(other.request(method, path, body), 404)
    assert_error(api.get(f"/groups/{gid}"), 401)


def test_a_guest_is_a_name_until_the_invitation_is_accepted(api, owner_api, bob):
    gid = group_create(owner_api)["id"]
    pid = guest_add(owner_api, gid, "Bob", email="BOB@example.com")
    assert owner_api.get(f"/groups/{gid}/participants/{pid}").json()["linked"] is False
    assert_error(api.as_user(bob).get(f"/groups/{gid}"), 404)
    mine = api.as_user(bob).get("/invitations").json()["items"]
    assert [(i["kind"], i["name"], i["invited_by"]) for i in mine] == [
        ("group", "Trip", "Alice Adams")
    ]
    verified(bob)
    accepted = api.as_user(bob).post(f"/invitations/{mine[0]['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json() == {"kind": "group", "id": gid, "name": "Trip", "currency": "EUR"}
    assert owner_api.get(f"/groups/{gid}/participants/{pid}").json()["linked"] is True
    assert api.as_user(bob).get(f"/groups/{gid}").json()["me"] == pid
    assert not Invitation.objects.exists()


def test_declining_a_group_invitation_leaves_a_guest(api, owner_api, bob):
    gid = group_create(owner_api)["id"]
    pid = guest_add(owner_api, gid, "Bob", email="bob@example.com")
    invitation = Invitation.objects.get()
    assert api.as_user(bob).post(f"/invitations/{invitation.pk}/decline").status_code == 204
    assert Participant.objects.get(pk=pid).user is None
    assert_error(api.as_user(bob).get(f"/groups/{gid}"), 404)


def test_ledger_invitations_still_work_beside_group_ones(api, owner_api, ledger, bob):
    owner_api.post(f"/ledgers/{ledger.pk}/members", {"email": bob.email, "role": "viewer"})
    gid = group_create(owner_api)["id"]
    guest_add(owner_api, gid, "Bob", email=bob.email)
    mine = api.as_user(bob).get("/invitations").json()["items"]
    assert sorted(i["kind"] for i in mine) == ["group", "ledger"]
    ledger_invitation = next(i for i in mine if i["kind"] == "ledger")
    verified(bob)
    accepted = api.as_user(bob).post(f"/invitations/{ledger_invitation['id']}/accept").json()
    assert accepted["id"] == str(ledger.pk)
    assert accepted["role"] == "viewer"
    assert owner_api.get(f"/ledgers/{ledger.pk}/invitations").json()["count"] == 0


def test_the_same_email_twice_in_a_group_is_409(owner_api):
    gid = group_create(owner_api)["id"]
    guest_add(owner_api, gid, "Bob", email="bob@example.com")
    response = owner_api.post(
        f"/groups/{gid}/participants", {"name": "B", "email": "Bob@example.com"}
    )
    assert_error(response, 409, "participant_exists")


def test_only_admins_change_the_group_but_any_member_adds_expenses(api, owner_api, bob):
    gid = group_create(owner_api)["id"]
    bob_pid = member_join(owner_api, gid, bob)
    as_bob = api.as_user(bob)
    assert_error(as_bob.patch(f"/groups/{gid}", {"name": "Bob's"}), 403)
    assert_error(as_bob.post(f"/groups/{gid}/participants", {"name": "Eve"}), 403)
    assert_error(as_bob.delete(f"/groups/{gid}"), 403)
    me = as_bob.get(f"/groups/{gid}").json()
    assert me["admin"] is False
    assert me["me"] == bob_pid
    alice = owner_api.get(f"/groups/{gid}").json()["me"]
    expense_post(as_bob, gid, expense({bob_pid: "9.00"}, "9.00", [bob_pid, alice]))
    # Bob sets his own payment link, not someone else's, and cannot make himself admin.
    own = as_bob.patch(
        f"/groups/{gid}/participants/{bob_pid}", {"payment_link": "https://paypal.me/bob/"}
    )
    assert own.json()["payment_link"] == "https://paypal.me/bob/"
    assert_error(as_bob.patch(f"/groups/{gid}/participants/{bob_pid}", {"admin": True}), 403)
    assert_error(as_bob.patch(f"/groups/{gid}/participants/{alice}", {"name": "A"}), 403)
    # The creator makes Bob an admin; then he may change the group.
    assert owner_api.patch(f"/groups/{gid}/participants/{bob_pid}", {"admin": True}).json()["admin"]
    assert as_bob.patch(f"/groups/{gid}", {"name": "Bob's"}).json()["name"] == "Bob's"


def test_a_payment_link_is_https(owner_api):
    gid = group_create(owner_api)["id"]
    response = owner_api.post(
        f"/groups/{gid}/participants", {"name": "X", "payment_link": "javascript:alert(1)"}
    )
    assert_error(response, 422, field="payment_link")


def test_a_participant_in_an_expense_cannot_be_removed(owner_api, trip):
    gid, alice, bea, carl = trip
    expense_post(owner_api, gid, expense({alice: "10.00"}, "10.00", [alice, bea]))
    assert_error(owner_api.delete(f"/groups/{gid}/participants/{bea}"), 409, "participant_in_use")
    assert owner_api.delete(f"/groups/{gid}/participants/{carl}").status_code == 204
    assert_error(owner_api.delete(f"/groups/{gid}/participants/{alice}"), 409)


def test_an_equal_split_and_its_owed_amounts(owner_api, trip):
    gid, alice, bea, carl = trip
    body = expense_post(owner_api, gid, expense({alice: "10.00"}, "10.00", [alice, bea, carl]))
    assert body["owed"] == [
        {"participant": alice, "amount": "3.34"},
        {"participant": bea, "amount": "3.33"},
        {"participant": carl, "amount": "3.33"},
    ]
    assert body["paid_by"] == [{"participant": alice, "amount": "10.00", "group_amount": "10.00"}]
    assert body["split"]["mode"] == "equal"
    assert (body["currency"], body["rate"], body["group_amount"]) == ("EUR", None, "10.00")
    assert balances(owner_api, gid) == {alice: "6.66", bea: "-3.33", carl: "-3.33"}


@pytest.mark.parametrize(
    ("mode", "values", "owed"),
    [
        ("shares", ["1", "2", "3"], ["16.67", "33.33", "50.00"]),
        ("percent", ["33.33", "33.33", "33.34"], ["33.33", "33.33", "33.34"]),
        ("exact", ["10.00", "40.00", "50.00"], ["10.00", "40.00", "50.00"]),
    ],
)
def test_split_modes(owner_api, trip, mode, values, owed):
    gid, alice, bea, carl = trip
    parts = list(zip([alice, bea, carl], values, strict=True))
    body = expense_post(owner_api, gid, expense({alice: "100.00"}, "100.00", parts, mode))
    assert [o["amount"] for o in body["owed"]] == owed
    assert [Decimal(p["value"]) for p in body["split"]["parts"]] == [Decimal(v) for v in values]


def test_several_payers(owner_api, trip):
    gid, alice, bea, carl = trip
    expense_post(
        owner_api, gid, expense({alice: "20.00", bea: "10.00"}, "30.00", [alice, bea, carl])
    )
    assert balances(owner_api, gid) == {alice: "10.00", bea: "0.00", carl: "-10.00"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": "0"}, "amount"),
        ({"amount": "1.001"}, "amount"),
        ({"paid_by": []}, "paid_by"),
        ({"paid_by": [{"participant": "B", "amount": "5.00"}]}, "paid_by"),
        (
            {"split": {"mode": "percent", "parts": [{"participant": "A", "value": "50"}]}},
            "split.parts",
        ),
        ({"split": {"mode": "shares", "parts": [{"participant": "A"}]}}, "split.parts.0.value"),
        ({"split": {"mode": "equal", "parts": []}}, "split.parts"),
        (
            {"split": {"mode": "equal", "parts": [{"participant": "A"}, {"participant": "A"}]}},
            "split.parts",
        ),
        ({"split": {"mode": "thirds", "parts": []}}, "split.mode"),
        ({"currency": "USD"}, "rate"),  # another currency needs its rate
        ({"currency": "USD", "rate": "0"}, "rate"),
        ({"currency": "USD", "rate": "-1.1"}, "rate"),
        ({"currency": "USD", "rate": "1.0000000000001"}, "rate"),
        ({"currency": "USD", "rate": True}, "rate"),
        ({"currency": "USD", "rate": "0.0001"}, "rate"),  # 10.00 USD would be 0.00 EUR
        ({"currency": "USD", "rate": "999999999999"}, "amount"),  # too large in EUR
        ({"rate": "1.1"}, "rate"),  # the group's currency takes no rate
        ({"currency": "XYZ", "rate": "1.1"}, "currency"),
        ({"paid_by": [{"participant": "X", "amount": "10.00"}]}, "paid_by.0.participant"),
    ],
)
def test_bad_expenses_are_422_and_change_nothing(owner_api, trip, stranger, change, field):
    gid, alice, bea, _carl = trip
    names = {"A": alice, "B": bea, "X": "00000000-0000-0000-0000-000000000000"}

    def fill(value):
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return names.get(value, value)

    body = {**expense({alice: "10.00"}, "10.00", [alice, bea]), **fill(change)}
    response = owner_api.post(f"/groups/{gid}/expenses", body)
    error = assert_error(response, 422)
    assert any(e["field"].endswith(field) or field in e["field"] for e in error["errors"]), error
    assert owner_api.get(f"/groups/{gid}/expenses").json()["count"] == 0
    assert set(balances(owner_api, gid).values()) == {"0.00"}


def test_a_participant_of_another_group_is_422(owner_api, trip):
    gid, alice, _bea, _ = trip
    other = group_create(owner_api, "Other")
    body = expense({alice: "10.00"}, "10.00", [alice, other["me"]])
    assert_error(
        owner_api.post(f"/groups/{gid}/expenses", body), 422, field="split.parts.1.participant"
    )


def test_editing_and_deleting_an_expense_moves_the_balances(owner_api, trip):
    gid, alice, bea, carl = trip
    made = expense_post(owner_api, gid, expense({alice: "30.00"}, "30.00", [alice, bea, carl]))
    path = f"/groups/{gid}/expenses/{made['id']}"
    changed = owner_api.patch(
        path, {"amount": "60.00", "paid_by": [{"participant": bea, "amount": "60.00"}]}
    )
    assert changed.status_code == 200, changed.content
    assert [o["amount"] for o in changed.json()["owed"]] == ["20.00", "20.00", "20.00"]
    assert balances(owner_api, gid) == {alice: "-20.00", bea: "40.00", carl: "-20.00"}
    bad = owner_api.patch(path, {"amount": "61.00"})  # the payers no longer add up
    assert_error(bad, 422, field="paid_by")
    assert owner_api.delete(path).status_code == 204
    assert set(balances(owner_api, gid).values()) == {"0.00"}
    assert_error(owner_api.get(path), 404)


def test_settle_up_suggestions_with_pay_links(owner_api, trip):
    gid, alice, bea, carl = trip
    owner_api.patch(
        f"/groups/{gid}/participants/{alice}", {"payment_link": "https://paypal.me/alice/"}
    )
    expense_post(owner_api, gid, expense({alice: "90.00"}, "90.00", [alice, bea, carl]))
    body = owner_api.get(f"/groups/{gid}/settle-up").json()
    assert body == {
        "transfers": [
            {
                "from": bea,
                "from_name": "Bea",
                "to": alice,
                "to_name": "Alice Adams",
                "amount": "30.00",
                "pay_url": "https://paypal.me/alice/30.00",
            },
            {
                "from": carl,
                "from_name": "Carl",
                "to": alice,
                "to_name": "Alice Adams",
                "amount": "30.00",
                "pay_url": "https://paypal.me/alice/30.00",
            },
        ]
    }
    paid = owner_api.post(
        f"/groups/{gid}/settlements",
        {"from": bea, "to": alice, "amount": "30.00", "date": "2025-03-02"},
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["is_payment"] is True
    after = owner_api.get(f"/groups/{gid}/settle-up").json()["transfers"]
    assert after == body["transfers"][1:]  # the rest stands
    assert balances(owner_api, gid) == {alice: "30.00", bea: "0.00", carl: "-30.00"}


def test_a_payment_to_oneself_is_422(owner_api, trip):
    gid, alice, _, _ = trip
    response = owner_api.post(
        f"/groups/{gid}/settlements",
        {"from": alice, "to": alice, "amount": "1", "date": "2025-03-02"},
    )
    assert_error(response, 422, field="split")


def test_the_group_list_tells_what_you_owe_or_are_owed(api, owner_api, bob):
    gid = group_create(owner_api)["id"]
    bob_pid = member_join(owner_api, gid, bob)
    alice = owner_api.get(f"/groups/{gid}").json()["me"]
    expense_post(owner_api, gid, expense({alice: "50.00"}, "50.00", [alice, bob_pid]))
    assert owner_api.get("/groups").json()["items"][0]["balance"] == "25.00"
    assert api.as_user(bob).get("/groups").json()["items"][0]["balance"] == "-25.00"


def test_the_activity_feed_names_who_did_what(owner_api, trip):
    gid, alice, bea, _ = trip
    made = expense_post(
        owner_api, gid, expense({alice: "10.00"}, "10.00", [alice, bea], title="Taxi")
    )
    owner_api.patch(f"/groups/{gid}/expenses/{made['id']}", {"title": "Cab"})
    owner_api.delete(f"/groups/{gid}/expenses/{made['id']}")
    items = owner_api.get(f"/groups/{gid}/activity").json()["items"]
    assert [(i["action"], i["actor"], i["expense"]) for i in items] == [
        ("delete", "Alice Adams", made["id"]),
        ("update", "Alice Adams", made["id"]),
        ("create", "Alice Adams", made["id"]),
    ]
    assert items[1]["changes"] == {"title": ["Taxi", "Cab"]}


def test_running_totals_match_a_recount(owner_api, trip):
    gid, alice, bea, carl = trip
    for amount in ("10.00", "20.01", "7.77"):
        expense_post(owner_api, gid, expense({bea: amount}, amount, [alice, bea, carl]))
    before = balances(owner_api, gid)
    from budget.groups.models import Group

    participants_totals_rebuild(group=Group.objects.get(pk=gid))
    assert balances(owner_api, gid) == before
    assert sum(Decimal(v) for v in before.values()) == 0


def test_deleting_a_group_removes_its_expenses(owner_api, trip):
    gid, alice, bea, _ = trip
    expense_post(owner_api, gid, expense({alice: "10.00"}, "10.00", [alice, bea]))
    assert owner_api.delete(f"/groups/{gid}").status_code == 204
    assert_error(owner_api.get(f"/groups/{gid}"), 404)


def test_list_endpoints_take_a_fixed_number_of_queries(
    owner_api, trip, django_assert_max_num_queries
):
    gid, alice, bea, carl = trip
    for i in range(12):
        expense_post(
            owner_api,
            gid,
            expense({alice: "9.00", bea: "3.00"}, "12.00", [alice, bea, carl], title=f"E{i}"),
        )
    for path in (
        "/groups",
        f"/groups/{gid}/expenses",
        f"/groups/{gid}/participants",
        f"/groups/{gid}/balances",
        f"/groups/{gid}/settle-up",
        f"/groups/{gid}/activity",
    ):
        with django_assert_max_num_queries(6):
            assert owner_api.get(path).status_code == 200


def test_a_null_in_a_patch_leaves_the_field_and_clears_notes(owner_api, trip):
    gid, alice, bea, _ = trip
    body = expense({alice: "10.00"}, "10.00", [alice, bea], notes="cash")
    made = expense_post(owner_api, gid, body)
    path = f"/groups/{gid}/expenses/{made['id']}"
    changed = owner_api.patch(path, {"title": None, "amount": None, "notes": None}).json()
    assert (changed["title"], changed["amount"], changed["notes"]) == ("Dinner", "10.00", "")


def test_the_currency_of_a_group_with_expenses_is_fixed(owner_api, trip):
    gid, alice, bea, _ = trip
    assert owner_api.patch(f"/groups/{gid}", {"currency": "usd"}).json()["currency"] == "USD"
    owner_api.patch(f"/groups/{gid}", {"currency": "EUR"})
    expense_post(owner_api, gid, expense({alice: "10.00"}, "10.00", [alice, bea]))
    assert_error(owner_api.patch(f"/groups/{gid}", {"currency": "USD"}), 409, "group_in_use")


def test_an_expense_sent_twice_with_one_idempotency_key_is_made_once(owner_api, trip):
    gid, alice, bea, _ = trip
    body = expense({alice: "10.00"}, "10.00", [alice, bea])
    headers = {"HTTP_IDEMPOTENCY_KEY": "trip-dinner-1"}
    first = owner_api.post(f"/groups/{gid}/expenses", body, **headers)
    again = owner_api.post(f"/groups/{gid}/expenses", body, **headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    assert owner_api.get(f"/groups/{gid}/expenses").json()["count"] == 1
