"""POST /ledgers/{lid}/imports: the file formats a CSV import reads (SPEC §9, §10).

Each test uploads a small file, commits it and compares the transactions that came out."""

from datetime import date
from decimal import Decimal

import pytest

from budget.exchange.tests.helpers import HEADER, csv_text, upload, validated
from budget.money.models import Transaction
from budget.money.rollup import rollup_drift

pytestmark = pytest.mark.django_db


def imported(ledger) -> list[tuple]:
    """The ledger's imported transactions, oldest line first, as comparable tuples."""
    return [
        (
            tx.kind,
            tx.date,
            tx.amount,
            tx.description,
            tx.category.name if tx.category else None,
            tx.wallet.name if tx.wallet else None,
            tx.bucket.name if tx.bucket else None,
            tx.notes,
            tx.tags,
        )
        for tx in Transaction.objects.filter(ledger=ledger, import_job__isnull=False)
        .select_related("category", "wallet", "bucket")
        .order_by("created_at", "id")
    ]


def imports_ok(owner_api, h, commit, content, **fields) -> list[tuple]:
    job = validated(owner_api, h.ledger, content, **fields)
    done = commit(owner_api, h.ledger, job["id"])
    assert done["status"] == "done", done
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    return imported(h.ledger)


def test_default_format_imports_every_column(owner_api, household, commit):
    content = csv_text(
        "2025-03-01,income,1000.00,March salary,Salary,Bank,Savings,monthly,work",
        '2025-03-02,expense,12.30,"Bakery, fresh",Groceries,Cash,,"two\nlines",food|weekly',
    )
    assert imports_ok(owner_api, household, commit, content) == [
        (
            "income",
            date(2025, 3, 1),
            Decimal("1000.00"),
            "March salary",
            "Salary",
            "Bank",
            "Savings",
            "monthly",
            ["work"],
        ),
        (
            "expense",
            date(2025, 3, 2),
            Decimal("12.30"),
            "Bakery, fresh",
            "Groceries",
            "Cash",
            "Unallocated",
            "two\nlines",
            ["food", "weekly"],
        ),
    ]


def test_names_are_matched_whatever_their_case_and_ids_work_too(owner_api, household, commit):
    h = household
    content = csv_text(
        "2025-03-01,EXPENSE,1.00,a,groceries,BANK,fun,,",
        f"2025-03-01,expense,2.00,b,{h.groceries.pk},{h.cash.pk},,,",
    )
    rows = imports_ok(owner_api, h, commit, content)
    assert [(r[0], r[4], r[5], r[6]) for r in rows] == [
        ("expense", "Groceries", "Bank", "Fun"),
        ("expense", "Groceries", "Cash", "Unallocated"),
    ]


def test_header_names_ignore_case_spaces_and_column_order(owner_api, household, commit):
    content = (
        " Wallet ,AMOUNT,Date,Kind,Description,Category\nBank,5.00,2025-03-01,expense,x,Groceries\n"
    )
    rows = imports_ok(owner_api, household, commit, content)
    assert rows[0][:6] == ("expense", date(2025, 3, 1), Decimal("5.00"), "x", "Groceries", "Bank")


def test_extra_columns_are_ignored(owner_api, household, commit):
    content = csv_text(
        "2025-03-01,expense,5.00,x,Groceries,Bank,,,,ignored", header=HEADER + ",memo"
    )
    assert len(imports_ok(owner_api, household, commit, content)) == 1


def test_a_trailing_delimiter_on_every_row_is_fine(owner_api, household, commit):
    content = csv_text("2025-03-01,expense,5.00,x,Groceries,Bank,,,,")
    assert len(imports_ok(owner_api, household, commit, content)) == 1


@pytest.mark.parametrize(
    ("date_format", "written"),
    [
        ("iso", "2025-03-31"),
        ("DD/MM/YYYY", "31/03/2025"),
        ("MM/DD/YYYY", "03/31/2025"),
        ("DD.MM.YYYY", "31.03.2025"),
        ("DD/MM/YYYY", "31/3/2025"),
    ],
)
def test_each_date_format(owner_api, household, commit, date_format, written):
    content = csv_text(f"{written},expense,5.00,x,Groceries,Bank,,,")
    rows = imports_ok(owner_api, household, commit, content, date_format=date_format)
    assert rows[0][1] == date(2025, 3, 31)


def test_day_and_month_are_not_swapped(owner_api, household, commit):
    content = csv_text("04/03/2025,expense,5.00,x,Groceries,Bank,,,")
    us = imports_ok(owner_api, household, commit, content, date_format="MM/DD/YYYY")
    assert us[0][1] == date(2025, 4, 3)


@pytest.mark.parametrize(
    ("written", "amount"),
    [
        ('"12,30"', "12.30"),
        ('"1.234,56"', "1234.56"),
        ('"1 234,56"', "1234.56"),
        ('"1\u00a0234,5"', "1234.50"),
        ('"1.234.567"', "1234567.00"),
        ("7", "7.00"),
    ],
)
def test_decimal_comma_with_thousands_separators(owner_api, household, commit, written, amount):
    content = csv_text(f"2025-03-01,expense,{written},x,Groceries,Bank,,,")
    rows = imports_ok(owner_api, household, commit, content, decimal=",")
    assert rows[0][2] == Decimal(amount)


def test_semicolon_file_with_decimal_comma(owner_api, household, commit):
    content = (
        "date;kind;amount;description;category;wallet\n"
        "2025-03-01;expense;12,30;Bakery;Groceries;Bank\n"
    )
    rows = imports_ok(owner_api, household, commit, content, decimal=",", delimiter=";")
    assert rows[0][2:4] == (Decimal("12.30"), "Bakery")


@pytest.mark.parametrize("delimiter", ["tab", "\t"])
def test_tab_separated(owner_api, household, commit, delimiter):
    content = (
        "date\tkind\tamount\tdescription\tcategory\twallet\n"
        "2025-03-01\texpense\t1.50\tx\tGroceries\tBank\n"
    )
    rows = imports_ok(owner_api, household, commit, content, delimiter=delimiter)
    assert rows[0][2] == Decimal("1.50")


@pytest.mark.parametrize("separator", [";", "\t", ","])
def test_the_delimiter_is_guessed_from_the_header(owner_api, household, separator):
    header = separator.join(["date", "kind", "amount", "description", "category", "wallet"])
    row = separator.join(["2025-03-01", "expense", "1.50", "x", "Groceries", "Bank"])
    job = validated(owner_api, household.ledger, f"{header}\n{row}\n")
    assert job["options"]["delimiter"] == separator


def test_a_utf8_bom_is_skipped(owner_api, household, commit):
    content = "\ufeff" + csv_text("2025-03-01,expense,5.00,Café,Groceries,Bank,,,")
    rows = imports_ok(owner_api, household, commit, content.encode("utf-8"))
    assert rows[0][3] == "Café"


def test_windows_line_endings(owner_api, household, commit):
    content = csv_text(
        "2025-03-01,expense,5.00,x,Groceries,Bank,,,", "2025-03-02,expense,6.00,y,Groceries,Bank,,,"
    )
    rows = imports_ok(owner_api, household, commit, content.replace("\n", "\r\n"))
    assert [r[3] for r in rows] == ["x", "y"]


def test_blank_lines_are_skipped_and_rows_keep_their_line_numbers(owner_api, household):
    content = csv_text(
        "2025-03-01,expense,5.00,x,Groceries,Bank,,,",
        "",
        "2025-03-02,expense,1.005,y,Groceries,Bank,,,",
    )
    body = upload(owner_api, household.ledger, content).json()
    assert body["total_rows"] == 2
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(4, "amount")]


def test_tags_are_split_by_bars_and_trimmed(owner_api, household, commit):
    content = csv_text("2025-03-01,expense,5.00,x,Groceries,Bank,,, food | weekly ||")
    assert imports_ok(owner_api, household, commit, content)[0][8] == ["food", "weekly"]


def test_mapping_names_the_files_columns(owner_api, household, commit):
    content = (
        "Booking date,Type,Value,Text,Account,Purpose\n2025-03-01,expense,9.99,Book,Bank,Leisure\n"
    )
    mapping = (
        '{"date": "Booking date", "kind": "Type", "amount": "Value", "description": "Text", '
        '"wallet": "Account", "category": "Purpose"}'
    )
    rows = imports_ok(owner_api, household, commit, content, mapping=mapping)
    assert rows[0][:6] == ("expense", date(2025, 3, 1), Decimal("9.99"), "Book", "Leisure", "Bank")


def test_a_column_claimed_by_the_mapping_is_not_also_read_under_its_own_name(
    owner_api, household, commit
):
    # SPEC §11: with a mapping only the columns it names are read, so the file's own
    # `notes` column (mapped to description) is not also read as notes, nor its `category`.
    content = csv_text("2025-03-01,expense,5.00,x,Groceries,Bank,,from notes,", header=HEADER)
    mapping = (
        '{"date": "date", "kind": "kind", "amount": "amount", "description": "notes", '
        '"wallet": "wallet"}'
    )
    rows = imports_ok(
        owner_api, household, commit, content, mapping=mapping, expense_category="Leisure"
    )
    assert rows[0][3] == "from notes"
    assert rows[0][4] == "Leisure"  # the column called category is not mapped
    assert rows[0][7] == ""


def test_signed_amounts_give_income_and_expense(owner_api, household, commit):
    h = household
    content = (
        "Buchungstag;Betrag;Verwendungszweck\n"
        "01.03.2025;-12,30;Bäckerei\n"
        "02.03.2025;2.500,00;Gehalt\n"
    )
    rows = imports_ok(
        owner_api,
        h,
        commit,
        content,
        mapping=(
            '{"date": "Buchungstag", "signed_amount": "Betrag", "description": "Verwendungszweck"}'
        ),
        date_format="DD.MM.YYYY",
        decimal=",",
        wallet="Bank",
        income_category="Salary",
        expense_category=str(h.groceries.pk),
    )
    assert [r[:6] for r in rows] == [
        ("expense", date(2025, 3, 1), Decimal("12.30"), "Bäckerei", "Groceries", "Bank"),
        ("income", date(2025, 3, 2), Decimal("2500.00"), "Gehalt", "Salary", "Bank"),
    ]


def test_defaults_fill_only_empty_cells(owner_api, household, commit):
    content = csv_text(
        "2025-03-01,expense,5.00,x,,,,,",
        "2025-03-01,expense,6.00,y,Leisure,Cash,,,",
        "2025-03-01,income,7.00,z,,,,,",
    )
    rows = imports_ok(
        owner_api,
        household,
        commit,
        content,
        wallet="bank",
        expense_category="groceries",
        income_category="Other income",
    )
    assert [(r[4], r[5]) for r in rows] == [
        ("Groceries", "Bank"),
        ("Leisure", "Cash"),
        ("Other income", "Bank"),
    ]


def test_transfers_and_adjustments_from_their_columns(owner_api, household, commit):
    h = household
    header = HEADER + ",from_wallet,to_wallet,from_bucket,to_bucket"
    content = csv_text(
        "2025-03-01,transfer,50.00,Move,Transfer,,,,,Bank,Cash,Savings,Fun",
        "2025-03-02,adjustment,-3.50,Fix,,Cash,,,,,,,",
        header=header,
    )
    validated(owner_api, h.ledger, content)  # the row shapes of both kinds pass the rules
    imports_ok(owner_api, h, commit, content)
    move = Transaction.objects.get(ledger=h.ledger, kind="transfer")
    assert (move.from_wallet, move.to_wallet, move.from_bucket, move.to_bucket) == (
        h.bank,
        h.cash,
        h.savings,
        h.fun,
    )
    fix = Transaction.objects.get(ledger=h.ledger, kind="adjustment")
    assert (fix.amount, fix.wallet, fix.bucket) == (Decimal("-3.50"), h.cash, h.unallocated)


def test_the_preview_shows_the_first_rows_with_names(owner_api, household):
    lines = [
        f"2025-03-{day:02d},expense,{day}.00,Row {day},Groceries,bank,,,t" for day in range(1, 26)
    ]
    job = validated(owner_api, household.ledger, csv_text(*lines))
    assert len(job["preview"]) == 20
    assert job["preview"][0] == {
        "row": 2,
        "valid": True,
        "kind": "expense",
        "date": "2025-03-01",
        "amount": "1.00",
        "currency": "EUR",
        "description": "Row 1",
        "category": "Groceries",
        "wallet": "Bank",
        "bucket": None,
        "from_wallet": None,
        "to_wallet": None,
        "from_bucket": None,
        "to_bucket": None,
        "payee": None,
        "notes": "",
        "tags": ["t"],
        "duplicate": None,
    }


def test_the_preview_shows_a_bad_row_as_written(owner_api, household):
    content = csv_text("31/03/2025,expense,5.00,x,Groceries,Nowhere,,,")
    body = upload(owner_api, household.ledger, content).json()
    assert body["preview"][0]["valid"] is False
    assert body["preview"][0]["date"] == "31/03/2025"
    assert body["preview"][0]["wallet"] == "Nowhere"


def test_incomes_without_a_bucket_end_up_allocated(owner_api, household, commit):
    h = household
    content = csv_text(
        "2025-03-01,income,100.00,Pay,Salary,Bank,,,", "2025-03-02,income,0.01,Cent,Salary,Bank,,,"
    )
    imports_ok(owner_api, h, commit, content)
    statuses = set(
        Transaction.objects.filter(ledger=h.ledger, kind="income").values_list(
            "allocation_status", flat=True
        )
    )
    assert statuses == {"allocated"}
    savings = owner_api.get(f"/ledgers/{h.ledger.pk}/buckets/{h.savings.pk}").json()
    assert savings["balance"] == "20.00"
