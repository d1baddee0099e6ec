from datetime import date
from decimal import Decimal

import pytest

from dashboard import forms
from dashboard.forms import FormErrors
from tests.fake_ledger import BUCKETS, CATEGORIES, TRANSACTIONS, WALLETS, transaction

NAMES = forms.Names.of(WALLETS, BUCKETS, CATEGORIES)


def _problems(error: FormErrors) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


# --- fields per kind --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "fields"),
    [
        (
            "income",
            (
                "date",
                "amount",
                "payee",
                "wallet",
                "category",
                "bucket",
                "description",
                "notes",
                "tags",
            ),
        ),
        (
            "expense",
            (
                "date",
                "amount",
                "payee",
                "wallet",
                "category",
                "bucket",
                "description",
                "notes",
                "tags",
            ),
        ),
        (
            "transfer",
            (
                "date",
                "amount",
                "from_wallet",
                "to_wallet",
                "from_bucket",
                "to_bucket",
                "category",
                "description",
                "notes",
                "tags",
            ),
        ),
        ("adjustment", ("date", "amount", "wallet", "bucket", "description", "notes", "tags")),
    ],
)
def test_each_kind_has_exactly_its_fields(kind: str, fields: tuple[str, ...]) -> None:
    assert forms.fields_for(kind) == fields


def test_only_income_expense_and_transfer_take_a_category_of_their_type() -> None:
    assert forms.CATEGORY_TYPE == {"income": "income", "expense": "expense", "transfer": "neutral"}
    assert "category" not in forms.fields_for("adjustment")


def test_field_labels_read_like_words() -> None:
    assert forms.field_label("from_wallet") == "From wallet"
    assert forms.field_label("items.3.amount") == "Amount"
    assert forms.field_label("current_password") == "Current password"


# --- amounts ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [("12.5", "12.50"), ("1,234.56", "1234.56"), (" 7 ", "7.00"), (".5", "0.50"), ("+3", "3.00")],
)
def test_amounts_parse_exactly(text: str, amount: str) -> None:
    parsed = forms.parse_amount(text)
    assert parsed == Decimal(amount)
    assert str(parsed) == amount


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Enter an amount."),
        ("abc", "Enter a number such as 12.50."),
        ("1.2.3", "Enter a number such as 12.50."),
        ("12.345", "Use at most 2 decimal places."),
        ("0", "Enter an amount above zero."),
        ("-5", "Enter an amount above zero."),
        ("1e3", "Enter a number such as 12.50."),
    ],
)
def test_bad_amounts_are_refused_never_rounded(text: str, message: str) -> None:
    with pytest.raises(FormErrors) as caught:
        forms.parse_amount(text)
    assert _problems(caught.value) == {"amount": message}


def test_signed_amounts_allow_negative_but_not_zero() -> None:
    assert forms.parse_amount("-20", signed=True) == Decimal("-20.00")
    with pytest.raises(FormErrors, match="non-zero"):
        forms.parse_amount("0.00", signed=True)


def test_filter_amounts_are_optional_and_unsigned() -> None:
    assert forms.parse_filter_amount("", field_name="min_amount") is None
    assert forms.parse_filter_amount("0", field_name="min_amount") == Decimal("0.00")
    with pytest.raises(FormErrors):
        forms.parse_filter_amount("-1", field_name="min_amount")


@pytest.mark.parametrize(
    ("text", "percent"), [("40", "40.00"), ("12.5 %", "12.50"), ("", "0.00"), ("100", "100.00")]
)
def test_percents_parse(text: str, percent: str) -> None:
    assert forms.parse_percent(text, field_name="p") == Decimal(percent)


@pytest.mark.parametrize("text", ["101", "-1", "abc", "33.333", "nan"])
def test_bad_percents_are_refused(text: str) -> None:
    with pytest.raises(FormErrors):
        forms.parse_percent(text, field_name="p")


def test_percent_split_gives_unallocated_the_rest_never_below_zero() -> None:
    assert forms.percent_split([Decimal("40.00"), Decimal("45.00")]) == (
        Decimal("85.00"),
        Decimal("15.00"),
    )
    assert forms.percent_split([Decimal("70"), Decimal("40")]) == (Decimal("110"), Decimal("0.00"))


def test_tags_split_on_commas_and_drop_blanks_and_repeats() -> None:
    assert forms.parse_tags(" food, weekly ,, food | shop ") == ["food", "weekly", "shop"]
    assert forms.parse_tags("") == []


# --- payloads ---------------------------------------------------------------------------------


def test_expense_payload_sends_ids_and_a_string_amount() -> None:
    payload = forms.build_payload(
        "expense",
        {
            "date": date(2025, 3, 4),
            "amount": "1,234.5",
            "wallet": "w-bank",
            "category": "c-housing",
            "bucket": "b-unalloc",
            "description": " Rent ",
            "notes": "",
            "tags": "home, monthly",
            # A field another kind uses never goes out.
            "from_wallet": "w-cash",
        },
    )
    assert payload == {
        "kind": "expense",
        "date": "2025-03-04",
        "amount": "1234.50",
        "wallet": "w-bank",
        "category": "c-housing",
        "bucket": "b-unalloc",
        "description": "Rent",
        "notes": "",
        "tags": ["home", "monthly"],
    }


def test_income_without_bucket_leaves_it_out_to_be_split() -> None:
    payload = forms.build_payload(
        "income",
        {"date": date(2025, 3, 1), "amount": "3000", "wallet": "w-bank", "category": "c-salary"},
    )
    assert "bucket" not in payload
    assert payload["amount"] == "3000.00"


def test_missing_required_references_are_named() -> None:
    with pytest.raises(FormErrors) as caught:
        forms.build_payload("income", {"date": date(2025, 3, 1), "amount": "10"})
    assert _problems(caught.value) == {
        "wallet": "Choose a wallet.",
        "category": "Choose a category.",
    }


def test_adjustment_takes_a_signed_amount_and_no_category() -> None:
    payload = forms.build_payload(
        "adjustment",
        {"date": date(2025, 3, 1), "amount": "-4.20", "wallet": "w-cash", "category": "c-salary"},
    )
    assert payload["amount"] == "-4.20"
    assert "category" not in payload


@pytest.mark.parametrize(
    ("refs", "problems"),
    [
        ({}, {"from_wallet": "Choose two wallets, two buckets, or both."}),
        ({"from_wallet": "w-bank"}, {"to_wallet": "Choose a to wallet too."}),
        (
            {"from_wallet": "w-bank", "to_wallet": "w-bank"},
            {"to_wallet": "Choose a different one."},
        ),
        ({"to_bucket": "b-fun"}, {"from_bucket": "Choose a from bucket too."}),
    ],
)
def test_transfer_needs_complete_distinct_pairs(
    refs: dict[str, str], problems: dict[str, str]
) -> None:
    with pytest.raises(FormErrors) as caught:
        forms.build_payload("transfer", {"date": date(2025, 3, 1), "amount": "5", **refs})
    assert _problems(caught.value) == problems


def test_transfer_between_buckets_alone_is_fine() -> None:
    payload = forms.build_payload(
        "transfer",
        {
            "date": date(2025, 3, 1),
            "amount": "50",
            "from_bucket": "b-unalloc",
            "to_bucket": "b-fun",
            "category": None,
        },
    )
    assert payload["from_bucket"] == "b-unalloc"
    assert payload["to_bucket"] == "b-fun"
    assert "category" not in payload
    assert "from_wallet" not in payload


# --- edits ------------------------------------------------------------------------------------


def test_an_untouched_form_changes_nothing() -> None:
    for tx in TRANSACTIONS:
        values = forms.form_values(tx)
        assert forms.changes(tx, forms.build_payload(tx["kind"], values)) == {}


def test_only_changed_fields_are_patched() -> None:
    rent = TRANSACTIONS[0]
    values = {**forms.form_values(rent), "amount": "1250", "tags": "home, rent"}
    assert forms.changes(rent, forms.build_payload("expense", values)) == {
        "amount": "1250.00",
        "tags": ["home", "rent"],
    }


def test_changing_the_kind_clears_what_the_new_kind_does_not_use() -> None:
    rent = TRANSACTIONS[0]
    values = {
        **forms.form_values(rent),
        "category": None,
        "from_wallet": "w-bank",
        "to_wallet": "w-cash",
    }
    body = forms.changes(rent, forms.build_payload("transfer", values))
    assert body == {
        "kind": "transfer",
        "from_wallet": "w-bank",
        "to_wallet": "w-cash",
        "wallet": None,
        "bucket": None,
        "category": None,
    }


def test_emptying_an_optional_reference_sends_null() -> None:
    tx = transaction("t", "income", "10.00", wallet="w-bank", category="c-salary", bucket="b-fun")
    values = {**forms.form_values(tx), "bucket": None}
    assert forms.changes(tx, forms.build_payload("income", values)) == {"bucket": None}


# --- names and CSV ----------------------------------------------------------------------------


def test_names_resolve_ids_and_transfers_read_from_to() -> None:
    rent, salary, atm, _ = TRANSACTIONS
    assert forms.resolve(rent, NAMES) == {
        "category": "Housing",
        "wallet": "Bank",
        "bucket": "Unallocated",
    }
    assert forms.resolve(salary, NAMES) == {"category": "Salary", "wallet": "Bank", "bucket": ""}
    assert forms.resolve(atm, NAMES) == {"category": "", "wallet": "Bank → Cash", "bucket": ""}


def test_archived_and_unknown_references_still_get_a_name() -> None:
    tx = transaction("t", "expense", "1.00", wallet="w-old", category="c-gone")
    assert forms.resolve(tx, NAMES)["wallet"] == "Old card"
    assert forms.resolve(tx, NAMES)["category"] == "Unknown"


def test_transaction_label_names_it_in_one_line() -> None:
    assert (
        forms.transaction_label(TRANSACTIONS[0], "EUR")
        == "2025-03-04 · Expense · Rent · 1,234.50 EUR"
    )
