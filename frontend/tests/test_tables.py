import csv
import io
from decimal import Decimal

import pytest

from dashboard import tables
from tests.report_data import (
    BALANCES,
    BUCKETS,
    CATEGORIES,
    HISTORICAL,
    MONTHLY,
    TRANSACTIONS,
    WALLETS,
    YEARLY,
)


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def test_wallet_table_hides_archived_wallets_by_default() -> None:
    frame = tables.wallet_table(WALLETS)

    assert frame.to_dict("records") == [
        {"Wallet": "Bank", "Kind": "Bank / card", "Balance": Decimal("2450.75")},
        {"Wallet": "Cash", "Kind": "Cash", "Balance": Decimal("120.00")},
        {"Wallet": "Loan to Tom", "Kind": "Loan", "Balance": Decimal("-300.00")},
    ]


def test_wallet_table_with_archived_says_which_are_archived() -> None:
    frame = tables.wallet_table(WALLETS, show_archived=True)

    assert frame["Wallet"].tolist() == ["Bank", "Cash", "Loan to Tom", "Old card"]
    assert frame["Status"].tolist() == ["Active", "Active", "Active", "Archived"]


def test_bucket_table_shows_percents_and_the_system_bucket_takes_the_rest() -> None:
    frame = tables.bucket_table(BUCKETS)

    assert frame.to_dict("records") == [
        {"Bucket": "Unallocated", "Allocation": "The rest", "Balance": Decimal("1370.75")},
        {"Bucket": "Savings", "Allocation": "20.00 %", "Balance": Decimal("1000.00")},
        {"Bucket": "Fun", "Allocation": "10.00 %", "Balance": Decimal("-100.00")},
    ]


def test_empty_balance_tables_keep_their_columns() -> None:
    assert tables.wallet_table([]).columns.tolist() == ["Wallet", "Kind", "Balance"]
    assert tables.bucket_table([]).empty


def test_display_formats_money_with_currency_and_csv_keeps_plain_decimals() -> None:
    frame = tables.wallet_table(WALLETS)

    shown = tables.for_display(frame, "EUR")
    rows = _csv_rows(tables.to_csv(frame))

    assert shown["Balance"].tolist() == ["2,450.75 EUR", "120.00 EUR", "-300.00 EUR"]
    assert rows == [
        ["Wallet", "Kind", "Balance"],
        ["Bank", "Bank / card", "2450.75"],
        ["Cash", "Cash", "120.00"],
        ["Loan to Tom", "Loan", "-300.00"],
    ]
    # The frame itself is untouched: still exact Decimals.
    assert frame["Balance"].tolist()[0] == Decimal("2450.75")


def test_money_columns_are_the_decimal_ones() -> None:
    frame = tables.category_month_table(YEARLY["categories"])

    assert tables.money_columns(frame) == ["Total", *tables.MONTHS]
    assert tables.money_columns(tables.category_table([])) == []


def test_recent_transactions_resolve_names_and_show_splits() -> None:
    frame = tables.transaction_table(
        TRANSACTIONS["items"], BALANCES["wallets"], BALANCES["buckets"], CATEGORIES
    )

    assert frame.to_dict("records") == [
        {
            "Date": "2025-03-28",
            "Kind": "Income",
            "Description": "March salary",
            "Category": "Salary",
            "Wallet": "Bank",
            "Bucket": "Savings 600.00 · Fun 300.00 · Unallocated 2,100.00",
            "Amount": Decimal("3000.00"),
        },
        {
            "Date": "2025-03-27",
            "Kind": "Income",
            "Description": "Sold a bike",
            "Category": "Salary",
            "Wallet": "Cash",
            "Bucket": tables.PENDING_LABEL,
            "Amount": Decimal("150.00"),
        },
        {
            "Date": "2025-03-26",
            "Kind": "Expense",
            "Description": "Weekly shop",
            "Category": "Groceries",
            "Wallet": "Bank",
            "Bucket": "Fun",
            "Amount": Decimal("-84.20"),
        },
        {
            "Date": "2025-03-25",
            "Kind": "Transfer",
            "Description": "Lent to Tom",
            "Category": "",
            "Wallet": "Bank → Loan to Tom",
            "Bucket": "",
            "Amount": Decimal("300.00"),
        },
        {
            "Date": "2025-03-01",
            "Kind": "Adjustment",
            "Description": "Reconcile cash",
            "Category": "",
            "Wallet": "Cash",
            "Bucket": "Unallocated",
            "Amount": Decimal("-12.35"),
        },
    ]


def test_split_lists_the_allocation_rows_and_the_rest_in_unallocated() -> None:
    income = {
        "amount": "100.00",
        "allocations": [
            {"bucket": "a", "bucket_name": "Savings", "amount": "20.00"},
            {"bucket": "b", "bucket_name": "Fun", "amount": "10.00"},
        ],
    }

    assert tables.split_text(income) == "Savings 20.00 · Fun 10.00 · Unallocated 70.00"
    whole = {**income, "amount": "30.00"}
    assert tables.split_text(whole) == "Savings 20.00 · Fun 10.00"


def test_split_without_rows_stays_in_unallocated() -> None:
    assert tables.split_text({"amount": "10.01", "allocations": []}) == "Unallocated 10.01"


def test_a_wallet_register_signs_transfers_and_adds_the_running_balance() -> None:
    items = [
        {
            "kind": "transfer",
            "date": "2025-03-02",
            "amount": "100.00",
            "from_wallet": "w1",
            "to_wallet": "w2",
            "running_balance": "900.00",
        },
        {
            "kind": "transfer",
            "date": "2025-03-01",
            "amount": "50.00",
            "from_wallet": "w2",
            "to_wallet": "w1",
            "running_balance": "1000.00",
        },
    ]
    wallets = [{"id": "w1", "name": "Bank"}, {"id": "w2", "name": "Cash"}]

    frame = tables.transaction_table(items, wallets, [], [], wallet="w1")

    assert frame["Amount"].tolist() == [Decimal("-100.00"), Decimal("50.00")]
    assert frame["Balance"].tolist() == [Decimal("900.00"), Decimal("1000.00")]
    assert "Balance" not in tables.transaction_table(items, wallets, [], []).columns


def test_bucket_to_bucket_transfer_and_unknown_names() -> None:
    item = {
        "kind": "transfer",
        "date": "2025-01-02",
        "amount": "5.00",
        "description": "",
        "from_bucket": "b-savings",
        "to_bucket": "b-deleted",
    }

    frame = tables.transaction_table([item], WALLETS, BUCKETS)

    assert frame.loc[0, "Bucket"] == "Savings → Unknown"
    assert frame.loc[0, "Wallet"] == ""


def test_category_and_bucket_spent_tables_keep_the_api_order() -> None:
    categories = tables.category_table(MONTHLY["categories"])
    spent = tables.bucket_spent_table(MONTHLY["buckets"])

    assert categories.to_dict("records") == [
        {"Category": "Salary", "Type": "Income", "Total": Decimal("3000.00")},
        {"Category": "Housing", "Type": "Expense", "Total": Decimal("1200.00")},
        {"Category": "Groceries", "Type": "Expense", "Total": Decimal("84.20")},
    ]
    assert spent.to_dict("records") == [
        {"Bucket": "Unallocated", "Spent": Decimal("1200.00")},
        {"Bucket": "Fun", "Spent": Decimal("84.20")},
    ]


def test_day_table_lists_every_day() -> None:
    frame = tables.day_table(MONTHLY["days"])

    assert len(frame) == 31
    assert frame.iloc[27].tolist() == ["2025-03-28", Decimal("3000.00"), Decimal("0.00")]


def test_month_table_names_the_months_and_keeps_a_negative_net() -> None:
    frame = tables.month_table(YEARLY["months"])

    assert frame["Month"].tolist() == tables.MONTHS
    assert frame.iloc[0].tolist() == [
        "Jan",
        Decimal("3000.00"),
        Decimal("6200.00"),
        Decimal("-3200.00"),
    ]


def test_category_month_table_has_the_total_first_then_twelve_months() -> None:
    frame = tables.category_month_table(YEARLY["categories"])

    assert frame.columns.tolist() == ["Category", "Type", "Total", *tables.MONTHS]
    housing = frame.iloc[0]
    assert housing["Category"] == "Housing"
    assert housing["Jan"] == Decimal("6200.00")
    assert housing["Mar"] == Decimal("1200.00")
    assert housing["Total"] == Decimal("7400.00")
    rows = _csv_rows(tables.to_csv(frame))
    assert rows[1] == [
        "Housing",
        "Expense",
        "7400.00",
        "6200.00",
        "0.00",
        "1200.00",
        *["0.00"] * 9,
    ]


def test_category_year_table_fills_years_without_activity_with_zero() -> None:
    categories = [
        {
            "id": "c",
            "name": "Gifts",
            "type": "income",
            "total": "50.00",
            "years": [{"year": 2023, "total": "50.00"}],
        }
    ]

    frame = tables.category_year_table(categories, [2023, 2024, 2025])

    assert frame.to_dict("records") == [
        {
            "Category": "Gifts",
            "Type": "Income",
            "2023": Decimal("50.00"),
            "2024": Decimal("0.00"),
            "2025": Decimal("0.00"),
            "Total": Decimal("50.00"),
        }
    ]


def test_year_tables_of_the_historical_report() -> None:
    years = tables.year_table(HISTORICAL["years"])
    categories = tables.category_year_table(HISTORICAL["categories"], [2023, 2024, 2025])

    assert years["Year"].tolist() == ["2023", "2024", "2025"]
    assert years["Net"].tolist()[-1] == Decimal("-1484.20")
    assert categories.columns.tolist() == ["Category", "Type", "2023", "2024", "2025", "Total"]
    assert categories["2024"].tolist() == [
        Decimal("18000.00"),
        Decimal("12200.00"),
        Decimal("4816.05"),
    ]


def test_empty_report_tables() -> None:
    assert tables.category_month_table([]).columns.tolist()[2] == "Total"
    assert tables.category_year_table([], []).columns.tolist() == ["Category", "Type", "Total"]
    assert tables.year_table([]).empty
    assert tables.to_csv(tables.year_table([])) == b"Year,Income,Expense,Net\n"


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ('=HYPERLINK("http://evil.example")', '\'=HYPERLINK("http://evil.example")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Groceries", "Groceries"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_csv_text_starting_like_a_formula_is_quoted(text: str, cell: str) -> None:
    assert tables.csv_cell(text) == cell


def test_csv_amounts_stay_plain_numbers_while_text_is_quoted() -> None:
    frame = tables.category_table(
        [
            {"name": "-2+3", "type": "expense", "total": "-12.30"},
            {"name": "=cmd|' /C calc'!A0", "type": "income", "total": "5.00"},
        ]
    )

    rows = _csv_rows(tables.to_csv(frame))

    assert rows[1] == ["'-2+3", "Expense", "-12.30"]
    assert rows[2] == ["'=cmd|' /C calc'!A0", "Income", "5.00"]
