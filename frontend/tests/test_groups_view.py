"""The Groups page (SPEC §15): the list with what you owe or are owed, a group's expenses, the
"add expense" form with its live split, balances, settle-up with "mark as paid" and pay
links, and the connect-to-my-ledger setting."""

from collections.abc import Iterator
from decimal import Decimal

import pytest

from dashboard.groups import (
    CONVERTED_NOTE,
    balance_text,
    connect_choices,
    converted,
    expense_body,
    number,
    original_text,
    split_preview,
)
from tests.fake_groups import GP, FakeGroupsClient, served_groups
from tests.fake_ledger import app_on, texts

D = Decimal


@pytest.fixture
def fake() -> Iterator[FakeGroupsClient]:
    with served_groups() as client:
        yield client


# --- the helpers --------------------------------------------------------------------------


def test_equal_split_preview_rounds_as_the_api():
    preview = split_preview(D("10.00"), "equal", [("a", None), ("b", None), ("c", None)])
    assert preview.owed == {"a": D("3.34"), "b": D("3.33"), "c": D("3.33")}
    assert preview.problem is None


def test_percent_preview_tells_what_is_left():
    preview = split_preview(D("10.00"), "percent", [("a", D("50")), ("b", D("30"))])
    assert preview.remainder == D("20")
    assert preview.problem == "20.00 % left to assign."
    assert preview.owed == {}


def test_exact_preview_tells_what_is_too_much():
    preview = split_preview(D("10.00"), "exact", [("a", D("8")), ("b", D("3"))])
    assert preview.problem == "1.00 too much."


def test_shares_preview():
    preview = split_preview(D("100.00"), "shares", [("a", D("1")), ("b", D("2")), ("c", D("3"))])
    assert list(preview.owed.values()) == [D("16.67"), D("33.33"), D("50.00")]


def test_a_missing_value_or_amount_is_a_problem():
    assert split_preview(None, "equal", [("a", None)]).problem
    assert split_preview(D("1.00"), "shares", [("a", None)]).problem
    assert split_preview(D("1.00"), "equal", []).problem
    assert number("12,5") == D("12.5")
    assert number("x") is None


def test_balance_in_words():
    assert balance_text("40.00", "EUR") == "You are owed 40.00 EUR"
    assert balance_text("-12.50", "EUR") == "You owe 12.50 EUR"
    assert balance_text("0.00", "EUR") == "Settled up"


def test_expense_body_has_money_as_strings():
    body = expense_body(
        title="Taxi",
        amount=D("12.5"),
        date="2025-03-04",
        payers={"a": D("12.5")},
        mode="shares",
        parts=[("a", D("1")), ("b", D("2"))],
    )
    assert body["amount"] == "12.50"
    assert body["paid_by"] == [{"participant": "a", "amount": "12.50"}]
    assert body["split"]["parts"][1] == {"participant": "b", "value": "2"}


def test_another_currency_is_converted_as_the_api_then_split():
    # The backend's own examples (budget/groups/tests/test_foreign_currency.py).
    assert converted(D("100.05"), D("0.9235")) == D("92.40")
    assert converted(D("10.01"), D("0.5")) == D("5.01")  # half away from zero
    parts = [("a", None), ("b", None), ("c", None)]
    preview = split_preview(D("100.05"), "equal", parts, rate=D("0.9235"), currency="USD")
    assert list(preview.owed.values()) == [D("30.80")] * 3
    exact = [("a", D("10")), ("b", D("10")), ("c", D("10"))]
    preview = split_preview(D("30.00"), "exact", exact, rate=D("1.07"), currency="CHF")
    assert list(preview.owed.values()) == [D("10.70")] * 3
    assert split_preview(D("10.00"), "equal", parts, currency="USD").problem == (
        "Enter the rate of USD."
    )
    assert split_preview(D("0.01"), "equal", parts, rate=D("0.1"), currency="USD").problem


def test_expense_body_carries_currency_and_rate_only_when_foreign():
    common = {
        "title": "Taxi",
        "amount": D("12.5"),
        "date": "2025-03-04",
        "payers": {"a": D("12.5")},
        "mode": "equal",
        "parts": [("a", None)],
    }
    assert "currency" not in expense_body(**common)
    body = expense_body(**common, currency="USD", rate=D("0.9235"))
    assert (body["currency"], body["rate"]) == ("USD", "0.9235")
    assert original_text({"amount": "12.50", "currency": "USD", "rate": "0.9235"}) == (
        "12.50 USD at 0.9235"
    )
    assert original_text({"amount": "12.50", "currency": "EUR", "rate": None}) == ""


# --- the page -----------------------------------------------------------------------------


def test_the_list_says_what_you_owe_or_are_owed(fake):
    at = app_on("groups").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["You"]) == ["You are owed 40.00 EUR", "You owe 12.50 EUR"]
    assert "Trip \\*Lisbon\\*" in texts(at)  # the name shown literally
    expenses = at.dataframe[1].value
    assert list(expenses["Title"]) == ["Dinner"]


def test_adding_an_expense_shows_the_split_live_and_posts_it(fake):
    at = app_on("groups").run()
    at.text_input(key="groups_exp_title").input("Taxi").run()
    at.text_input(key="groups_exp_amount").input("10").run()
    assert not at.exception
    owes = next(d.value for d in at.dataframe if "Owes" in d.value.columns)
    assert list(owes["Owes"]) == ["3.34 EUR", "3.33 EUR", "3.33 EUR"]
    at.radio(key="groups_exp_mode").set_value("percent").run()
    at.text_input(key="groups_exp_val_percent_p-ada").input("50").run()
    assert "100.00 % left to assign." not in texts(at)
    assert "50.00 % left to assign." in texts(at)
    assert at.button(key="groups_exp_add").disabled
    at.text_input(key="groups_exp_val_percent_p-bo").input("25").run()
    at.text_input(key="groups_exp_val_percent_p-cy").input("25").run()
    assert "Nothing left to assign." in texts(at)
    at.button(key="groups_exp_add").click().run()
    assert not at.exception
    [post] = [c for c in fake.writes() if c.path == f"{GP}/expenses"]
    assert post.json["amount"] == "10.00"
    assert post.json["paid_by"] == [{"participant": "p-ada", "amount": "10.00"}]
    assert post.json["split"] == {
        "mode": "percent",
        "parts": [
            {"participant": "p-ada", "value": "50"},
            {"participant": "p-bo", "value": "25"},
            {"participant": "p-cy", "value": "25"},
        ],
    }
    assert "Added Taxi." in texts(at)


def test_an_expense_in_another_currency_asks_for_the_rate_and_posts_both(fake):
    at = app_on("groups").run()
    at.text_input(key="groups_exp_title").input("Museum").run()
    at.text_input(key="groups_exp_currency").input("usd").run()
    at.text_input(key="groups_exp_amount").input("100.05").run()
    assert not at.exception
    assert "Enter the rate of USD." in texts(at)
    assert at.button(key="groups_exp_add").disabled
    at.text_input(key="groups_exp_rate").input("0.9235").run()
    assert "92.40 EUR in the group's currency." in texts(at)
    owes = next(d.value for d in at.dataframe if "Owes" in d.value.columns)
    assert list(owes["Owes"]) == ["30.80 EUR", "30.80 EUR", "30.80 EUR"]
    at.button(key="groups_exp_add").click().run()
    assert not at.exception
    [post] = [c for c in fake.writes() if c.path == f"{GP}/expenses"]
    assert (post.json["amount"], post.json["currency"], post.json["rate"]) == (
        "100.05",
        "USD",
        "0.9235",
    )
    assert post.json["paid_by"] == [{"participant": "p-ada", "amount": "100.05"}]


def test_the_expense_list_shows_what_was_paid_in_another_currency(fake):
    usd = {
        **fake.expenses[0],
        "id": "e-2",
        "title": "Museum",
        "amount": "100.05",
        "currency": "USD",
        "rate": "0.9235",
        "group_amount": "92.40",
    }
    fake.expenses.insert(0, usd)
    at = app_on("groups").run()
    assert not at.exception
    expenses = at.dataframe[1].value
    assert list(expenses["Amount"]) == ["92.40 EUR", "60.00 EUR"]
    assert list(expenses["Paid in"]) == ["100.05 USD at 0.9235", ""]


def test_settle_up_marks_a_suggestion_paid(fake):
    fake.transfers[0]["pay_url"] = "https://paypal.me/ada/20.00"
    at = app_on("groups").run()
    assert not at.exception
    pay_links = [b.proto.url for b in at.get("link_button")]
    assert pay_links == ["https://paypal.me/ada/20.00"]  # only where the receiver has a link
    at.button(key="groups_settle_0").click().run()
    [paid] = [c for c in fake.writes() if c.path == f"{GP}/settlements"]
    assert paid.json["from"] == "p-bo"
    assert paid.json["to"] == "p-ada"
    assert paid.json["amount"] == "20.00"
    assert "Recorded: Bo paid Ada 20.00." in texts(at)


def test_connecting_my_share_to_a_ledger(fake):
    at = app_on("groups").run()
    assert "Not connected." in texts(at)
    at.selectbox(key="groups_conn_loan").set_value("w-loan")
    at.button(key="groups_connect").click().run()
    assert not at.exception
    [put] = [c for c in fake.writes() if c.method == "PUT"]
    assert put.path == f"{GP}/participants/p-ada/ledger"
    assert put.json == {
        "ledger": "ledger-1",
        "loan_wallet": "w-loan",
        "pay_wallet": "w-bank",
        "category": None,
    }
    assert "Connected" in texts(at)
    at.button(key="groups_disconnect").click().run()
    assert [c.method for c in fake.writes() if c.path.endswith("/ledger")] == ["PUT", "DELETE"]


def test_loan_wallets_in_the_groups_currency_and_pay_wallets_in_any(fake):
    choices = connect_choices(
        [
            {"id": "w-loan", "name": "Trip", "kind": "loan", "currency": "EUR"},
            {"id": "w-loan-usd", "name": "Trip $", "kind": "loan", "currency": "USD"},
            {"id": "w-bank", "name": "Bank", "kind": "virtual", "currency": ""},
            {"id": "w-jpy", "name": "Yen", "kind": "physical", "currency": "JPY"},
        ],
        "EUR",
        "EUR",
    )
    assert choices.loans == {"w-loan": "Trip"}
    assert choices.pays == {"w-bank": "Bank", "w-jpy": "Yen (JPY)"}
    assert choices.foreign == {"w-jpy"}


def test_connecting_with_a_pay_wallet_in_another_currency(fake):
    fake.in_currencies()
    fake.wallets.append(
        {
            "id": "w-loan-usd",
            "name": "Dollar loan",
            "kind": "loan",
            "archived": False,
            "currency": "USD",
            "balance": "0.00",
            "created_at": "2025-01-01T00:00:00Z",
        }
    )
    at = app_on("groups").run()
    assert at.selectbox(key="groups_conn_loan").options == ["Trip friends"]
    assert CONVERTED_NOTE not in texts(at)
    at.selectbox(key="groups_conn_pay").set_value("w-jpy").run()
    assert "Yen cash (JPY)" in at.selectbox(key="groups_conn_pay").options
    assert CONVERTED_NOTE in texts(at)
    at.button(key="groups_connect").click().run()
    assert not at.exception
    [put] = [c for c in fake.writes() if c.method == "PUT"]
    assert (put.json["loan_wallet"], put.json["pay_wallet"]) == ("w-loan", "w-jpy")


def test_a_group_invitation_on_home_joins_without_switching_ledgers(fake):
    fake.my_invitations.append(
        {
            "id": "inv-g",
            "kind": "group",
            "name": "Trip",
            "role": "editor",
            "invited_by": "Bo",
            "created_at": "2025-03-04T08:00:00Z",
        }
    )
    at = app_on("home").run()
    assert "You are invited to the group **Trip** by Bo." in texts(at)
    fake.answers[("POST", "/invitations/inv-g/accept")] = {
        "kind": "group",
        "id": "g-x",
        "name": "Trip",
        "currency": "EUR",
    }
    at.button(key="home_invitation_inv-g_accept").click().run()
    assert not at.exception
    assert at.session_state["current_ledger_id"] == "ledger-1"
    assert "You joined the group Trip" in texts(at)


def test_the_activity_tab_names_who_did_what(fake):
    at = app_on("groups").run()
    assert not at.exception
    activity = next(d.value for d in at.dataframe if "Did" in d.value.columns)
    assert list(activity["Who"]) == ["Ada"]
    assert list(activity["Did"]) == ["added"]
    assert list(activity["What"]) == ["expense 60.00 Dinner"]


def test_the_preview_counts_in_the_currencies_minor_units():
    parts = [("a", None), ("b", None), ("c", None)]
    yen = split_preview(D("1000"), "equal", parts, group_currency="JPY")
    assert list(yen.owed.values()) == [D("334"), D("333"), D("333")]
    assert split_preview(D("12.5"), "equal", parts, group_currency="JPY").problem
    dinar = split_preview(D("10.000"), "equal", parts, group_currency="KWD")
    assert list(dinar.owed.values()) == [D("3.334"), D("3.333"), D("3.333")]
    # 10.05 USD at 150.1 = 1508.505 JPY → 1509 whole yen, split among three
    dollars = split_preview(
        D("10.05"), "equal", parts, rate=D("150.1"), currency="USD", group_currency="JPY"
    )
    assert list(dollars.owed.values()) == [D("503"), D("503"), D("503")]
    body = expense_body(
        title="Ramen",
        amount=D("1000"),
        date="2025-03-01",
        payers={"a": D("1000")},
        mode="equal",
        parts=parts,
        group_currency="JPY",
    )
    assert (body["amount"], body["paid_by"][0]["amount"]) == ("1000", "1000")
