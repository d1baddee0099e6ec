"""POST /ledgers/{lid}/imports with bad input: files that cannot be read are refused with a
clear 4xx and no job; bad rows are listed by line, field and problem (the job is `invalid`
when no row is valid). Nothing ever reaches the ledger, and nothing answers 500."""

import pytest
from tests.helpers import assert_error

from budget.exchange.models import ImportJob, ImportRow
from budget.exchange.tests.helpers import HEADER, csv_text, imports_path, upload
from budget.money import services
from budget.money.models import Transaction

pytestmark = pytest.mark.django_db

GOOD = "2025-03-01,expense,5.00,x,Groceries,Bank,,,"


def refused(response, status: int, field: str | None = "file", code: str | None = None) -> str:
    body = assert_error(response, status, code, field)
    assert not ImportJob.objects.exists()
    return body["detail"]


def row_errors(response) -> list[tuple[int, str]]:
    assert response.status_code == 201, response.content
    body = response.json()
    # Partial imports (SPEC §11): a file with a valid row is validated, its errors listed;
    # only its valid rows are kept for a commit with skip_invalid.
    assert body["status"] == ("validated" if body["valid_rows"] else "invalid"), body
    assert ImportRow.objects.count() == body["valid_rows"]
    assert not Transaction.objects.filter(import_job__isnull=False).exists()
    return [(e["row"], e["field"]) for e in body["errors"]]


# --- The file as a whole --------------------------------------------------------------------


def test_an_empty_file(owner_api, household):
    detail = refused(upload(owner_api, household.ledger, b""), 422)
    assert "empty" in detail


def test_only_blank_lines(owner_api, household):
    detail = refused(upload(owner_api, household.ledger, "\n\n  \n"), 422)
    assert "header" in detail


def test_a_header_without_rows(owner_api, household):
    detail = refused(upload(owner_api, household.ledger, HEADER + "\n"), 422)
    assert detail == "The file has a header but no rows."


def test_no_header_line(owner_api, household):
    # SPEC §11: the header is searched in the first 30 lines; the answer lists the columns
    # wanted and the first lines' cells.
    detail = refused(upload(owner_api, household.ledger, GOOD + "\n" + GOOD + "\n"), 422)
    assert detail.startswith("No header line among the first 30 lines holds the columns date, ")
    assert "line 1: 2025-03-01 | expense | 5.00" in detail


def test_missing_required_columns_are_all_named(owner_api, household):
    content = "date,amount,description\n2025-03-01,5.00,x\n"
    detail = refused(upload(owner_api, household.ledger, content), 422)
    assert "kind, category, wallet" in detail
    assert "default" in detail


def test_a_default_wallet_stands_in_for_the_wallet_column(owner_api, household):
    content = "date,kind,amount,description,category\n2025-03-01,expense,5.00,x,Groceries\n"
    assert upload(owner_api, household.ledger, content).status_code == 422
    response = upload(owner_api, household.ledger, content, wallet="Bank")
    assert response.status_code == 201
    assert response.json()["status"] == "validated"


def test_a_column_twice_in_the_header(owner_api, household):
    content = (
        "date,kind,amount,amount,description,category,wallet\n"
        "2025-03-01,expense,1,2,x,Groceries,Bank\n"
    )
    detail = refused(upload(owner_api, household.ledger, content), 422)
    assert "'amount' appears 2 times" in detail


def test_latin1_text_is_refused_naming_line_and_byte(owner_api, household):
    # With `encoding: auto` such a file is read (test_import_sources); named as UTF-8 it
    # is refused, naming the line and the byte.
    content = csv_text(GOOD, "2025-03-02,expense,5.00,Caf\xe9,Groceries,Bank,,,").encode("latin-1")
    detail = refused(upload(owner_api, household.ledger, content, encoding="utf-8"), 422)
    assert "not UTF-8" in detail
    assert "line 3, byte 28 of the line" in detail
    assert "0xE9" in detail


def test_a_binary_file_is_refused(owner_api, household):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    detail = refused(upload(owner_api, household.ledger, png, name="photo.png"), 422)
    assert detail.startswith("This is a PNG image, not a bank export.")


def test_nul_bytes_are_refused(owner_api, household):
    content = (csv_text(GOOD) + "2025-03-02\x00,expense\n").encode()
    detail = refused(upload(owner_api, household.ledger, content), 422)
    assert "line 3 contains a NUL byte" in detail


def test_utf16_named_wrongly_is_refused_with_a_hint(owner_api, household):
    # SPEC §11: a BOM decides (test_import_sources reads such a file); a wrong `encoding`
    # is refused with a hint at the option.
    content = csv_text(GOOD).encode("utf-16")
    detail = refused(upload(owner_api, household.ledger, content, encoding="utf-8"), 422)
    assert "UTF-16 text, not UTF-8" in detail
    assert "`encoding`" in detail


def test_a_file_over_the_byte_limit(owner_api, household, settings):
    settings.IMPORT_MAX_BYTES = 100
    content = csv_text(GOOD, GOOD, GOOD)
    detail = refused(upload(owner_api, household.ledger, content), 413, None, "payload_too_large")
    assert "at most" in detail


def test_a_file_over_the_row_limit(owner_api, household, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = csv_text(GOOD, GOOD, GOOD, GOOD)
    detail = refused(upload(owner_api, household.ledger, content), 413, None, "payload_too_large")
    assert detail == "The file has more than 3 rows; split it into smaller files."
    assert upload(owner_api, household.ledger, csv_text(GOOD, GOOD, GOOD)).status_code == 201


def test_the_file_is_required(owner_api, household):
    response = owner_api.client.post(
        "/api/v1" + imports_path(household.ledger),
        {"date_format": "iso"},
        HTTP_AUTHORIZATION=f"Bearer {owner_api.token}",
    )
    refused(response, 422, "file")


# --- Options --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"date_format": "julian"}, "date_format"),  # YYYY/MM/DD is a format since §11
        ({"decimal": "'"}, "decimal"),
        ({"delimiter": "||"}, "delimiter"),
        ({"delimiter": "x"}, "delimiter"),
        ({"encoding": "klingon"}, "encoding"),
        ({"format": "pdf"}, "format"),
        ({"header_line": "0"}, "header_line"),
        ({"header_line": "first"}, "header_line"),
        ({"mapping": "{not json"}, "mapping"),
        ({"mapping": '["date"]'}, "mapping"),
        ({"mapping": '{"when": "Date"}'}, "mapping"),
        ({"mapping": '{"date": ""}'}, "mapping"),
        ({"mapping": '{"date": 5}'}, "mapping"),
        ({"mapping": '{"signed_amount": "Betrag", "amount": "Betrag"}'}, "mapping"),
        ({"mapping": '{"date": "Booking date"}'}, "mapping"),
        ({"wallet": "Piggy bank"}, "wallet"),
        ({"income_category": "Groceries"}, "income_category"),
        ({"expense_category": "Nope"}, "expense_category"),
        ({"wallet": "x" * 101}, "wallet"),
    ],
)
def test_bad_options(owner_api, household, fields, field):
    refused(upload(owner_api, household.ledger, csv_text(GOOD), **fields), 422, field)


def test_an_archived_default_wallet(owner_api, household):
    services.wallet_update(wallet=household.cash, archived=True)
    detail = refused(
        upload(owner_api, household.ledger, csv_text(GOOD), wallet="Cash"), 422, "wallet"
    )
    assert detail == "The wallet 'Cash' is archived."


def test_empty_option_fields_mean_the_defaults(owner_api, household):
    response = upload(
        owner_api,
        household.ledger,
        csv_text(GOOD),
        mapping="",
        date_format="",
        decimal="",
        delimiter="",
        wallet="",
        income_category=" ",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "validated"


# --- Rows -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("2025-02-30,expense,5.00,x,Groceries,Bank,,,", "date"),
        ("01/03/2025,expense,5.00,x,Groceries,Bank,,,", "date"),
        (",expense,5.00,x,Groceries,Bank,,,", "date"),
        ("2025-03-01,spending,5.00,x,Groceries,Bank,,,", "kind"),
        ("2025-03-01,,5.00,x,Groceries,Bank,,,", "kind"),
        ("2025-03-01,expense,5.001,x,Groceries,Bank,,,", "amount"),
        # €5.00 and 1,234.50 are amounts since SPEC §11; two currencies or a group of two are not
        ("2025-03-01,expense,€5.00 EUR,x,Groceries,Bank,,,", "amount"),
        ('2025-03-01,expense,"1,23.50",x,Groceries,Bank,,,', "amount"),
        ("2025-03-01,expense,1e3,x,Groceries,Bank,,,", "amount"),
        ("2025-03-01,expense,,x,Groceries,Bank,,,", "amount"),
        ("2025-03-01,expense,-5.00,x,Groceries,Bank,,,", "amount"),
        ("2025-03-01,expense,0,x,Groceries,Bank,,,", "amount"),
        ("2025-03-01,expense,1000000000000.00,x,Groceries,Bank,,,", "amount"),
        ("2025-03-01,expense,5.00,x,Salary,Bank,,,", "category"),
        ("2025-03-01,expense,5.00,x,Rent,Bank,,,", "category"),
        ("2025-03-01,expense,5.00,x,,Bank,,,", "category"),
        ("2025-03-01,expense,5.00,x,Groceries,,,,", "wallet"),
        ("2025-03-01,expense,5.00,x,Groceries,Nowhere,,,", "wallet"),
        ("2025-03-01,expense,5.00,x,Groceries,Bank,Holidays,,", "bucket"),
        ("2025-03-01,adjustment,5.00,x,Groceries,Bank,,,", "category"),
        ("2025-03-01,transfer,5.00,x,Transfer,Bank,,,", "wallet"),
        (f"2025-03-01,expense,5.00,{'x' * 256},Groceries,Bank,,,", "description"),
        (f"2025-03-01,expense,5.00,x,Groceries,Bank,,{'n' * 2001},", "notes"),
        (f"2025-03-01,expense,5.00,x,Groceries,Bank,,,{'t' * 51}", "tags"),
        (f"2025-03-01,expense,5.00,x,Groceries,Bank,,,{'|'.join('t' * 21)}", "tags"),
        ("2025-03-01,expense,5.00,x,Groceries,Bank,,", "row"),
        ("2025-03-01,expense,5.00,x,Groceries,Bank,,,,surplus", "row"),
    ],
)
def test_a_bad_row_is_named_by_line_and_field(owner_api, household, row, field):
    response = upload(owner_api, household.ledger, csv_text(GOOD, row, GOOD))
    assert (3, field) in row_errors(response)
    body = response.json()
    assert (body["total_rows"], body["valid_rows"]) == (3, 2)
    assert body["detail"] == (
        "2 rows are ready to import. 1 of 3 rows is invalid: commit with skip_invalid to "
        "import the valid rows only, or correct the file and upload it again."
    )


def test_three_decimals_are_an_error_never_rounded(owner_api, household):
    response = upload(
        owner_api, household.ledger, csv_text("2025-03-01,expense,12.345,x,Groceries,Bank,,,")
    )
    assert response.json()["errors"] == [
        {
            "row": 2,
            "field": "amount",
            # Read, then refused by the wallet's currency (SPEC §14: EUR has 2 places).
            "message": "Use at most 2 decimal places.",
        }
    ]


def test_three_decimals_with_a_decimal_comma(owner_api, household):
    response = upload(
        owner_api,
        household.ledger,
        csv_text('2025-03-01,expense,"1.234,567",x,Groceries,Bank,,,'),
        decimal=",",
    )
    assert row_errors(response) == [(2, "amount")]


def test_a_zero_signed_amount(owner_api, household):
    content = "Date,Amount,Text\n2025-03-01,0.00,x\n"
    response = upload(
        owner_api,
        household.ledger,
        content,
        mapping='{"date": "Date", "signed_amount": "Amount", "description": "Text"}',
        wallet="Bank",
        expense_category="Groceries",
        income_category="Salary",
    )
    assert row_errors(response) == [(2, "signed_amount")]


def test_an_archived_wallet_in_a_row(owner_api, household):
    services.wallet_update(wallet=household.cash, archived=True)
    response = upload(
        owner_api, household.ledger, csv_text("2025-03-01,expense,5.00,x,Groceries,Cash,,,")
    )
    assert response.json()["errors"] == [
        {"row": 2, "field": "wallet", "message": "The wallet 'Cash' is archived."}
    ]


def test_a_huge_cell_is_a_row_error_and_the_rest_still_reads(owner_api, household):
    huge = "2025-03-01,expense,5.00," + "x" * 70_000 + ",Groceries,Bank,,,"
    response = upload(
        owner_api,
        household.ledger,
        csv_text(GOOD, huge, "2025-03-01,expense,1.001,y,Groceries,Bank,,,"),
    )
    assert row_errors(response) == [(3, "row"), (4, "amount")]


def test_an_unterminated_quote_is_a_row_error(owner_api, household):
    content = (
        csv_text(GOOD, '2025-03-01,expense,5.00,"never closed,Groceries,Bank,,,')
        + ("y" * 200 + "\n") * 60
    )
    response = upload(owner_api, household.ledger, content)
    assert response.status_code == 201
    assert response.json()["status"] == "validated"  # line 2 is valid
    assert response.json()["errors"][0]["row"] == 3


def test_errors_are_capped_and_counted(owner_api, household):
    rows = [f"2025-03-01,expense,5.00{i % 10}1,x,Groceries,Nowhere,,," for i in range(700)]
    body = upload(owner_api, household.ledger, csv_text(*rows)).json()
    assert body["error_count"] == 1400
    assert len(body["errors"]) == 1000
    assert body["errors_truncated"] is True
    assert body["errors"][-1]["row"] == 501


def test_every_error_of_a_row_is_reported(owner_api, household):
    response = upload(
        owner_api, household.ledger, csv_text("2025-13-01,expense,5.5.5,x,Nope,Nowhere,,,")
    )
    assert row_errors(response) == [(2, "amount"), (2, "date"), (2, "category"), (2, "wallet")]
