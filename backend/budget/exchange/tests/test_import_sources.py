"""POST /ledgers/{lid}/imports: the files banks really write (SPEC §11) — the format told by
the content, the encoding, the delimiter and the header line detected, OFX 1.x/2.x, QIF and
CAMT read into the same records as a CSV file, and hostile files refused with a 4xx.

The sample files in `files/` were written for these tests; each import is committed through
the real endpoints and the wallet's balance must end exactly right."""

import io
import random
import re
import time
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from tests.helpers import assert_error

from budget.exchange.models import ImportJob
from budget.exchange.tests.helpers import csv_text, imports_path, upload
from budget.money.models import Category, Transaction
from budget.money.rollup import rollup_drift
from budget.money.services import wallet_create
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
DEFAULTS = {"wallet": "Bank", "income_category": "Salary", "expense_category": "Groceries"}


def sample(name: str) -> bytes:
    return (FILES / name).read_bytes()


def balance(api, h) -> Decimal:
    response = api.get(f"/ledgers/{h.ledger.pk}/wallets/{h.bank.pk}")
    assert response.status_code == 200, response.content
    return Decimal(response.json()["balance"])


def checked(api, h, content: bytes, name: str = "export", **fields) -> dict:
    response = upload(api, h.ledger, content, name=name, **fields)
    assert response.status_code == 201, response.content
    return response.json()


def imported(api, h, commit, content: bytes, **fields) -> tuple[dict, list[Transaction]]:
    """Checks and commits `content`; the job as checked, and the transactions it made."""
    job = checked(api, h, content, **fields)
    assert job["status"] == "validated", job
    done = commit(api, h.ledger, job["id"])
    assert done["status"] == "done", done
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    made = list(
        Transaction.objects.filter(import_job_id=job["id"])
        .select_related("category", "payee")
        .order_by("date", "amount")
    )
    return job, made


def refused(response, status: int = 422, field: str | None = "file") -> str:
    body = assert_error(response, status, None, field)
    assert not ImportJob.objects.exists()
    return body["detail"]


# --- OFX --------------------------------------------------------------------------------------


def test_ofx_1x_sgml_declared_cp1252_imports_to_the_cent(owner_api, household, commit):
    h = household
    before = balance(owner_api, h)
    job, made = imported(
        owner_api, h, commit, sample("checking-cp1252.ofx"), date_format="DD/MM/YYYY", **DEFAULTS
    )
    assert job["detected"] == {
        "format": "ofx",
        "encoding": "cp1252",
        "delimiter": None,
        "header_line": None,
        "date_format": "iso",  # as OFX writes them, whatever the option said
        "decimal": ".",
        "skipped": 0,
    }
    assert [row["row"] for row in job["preview"]] == [1, 2, 3]  # positions in the file
    assert [(str(t.date), t.kind, t.amount, t.description, t.notes) for t in made] == [
        ("2025-03-01", "income", Decimal("2450.00"), "VIR SEPA ACME SARL", "Salaire mars 2025"),
        ("2025-03-03", "expense", Decimal("23.80"), "CB Café Frédéric & Fils", "Carte 4971 02/03"),
        ("2025-03-15", "expense", Decimal("112.45"), "PRLV EDF Électricité", ""),
    ]
    # NAME is the payee (SPEC §12), and the description of a row that has none.
    assert [t.payee.name for t in made] == [t.description for t in made]
    assert balance(owner_api, h) - before == Decimal("2313.75")  # the file's LEDGERBAL


def usd_card(h):
    """The card statement is in USD (CURDEF): it goes into a USD wallet (SPEC §14), its
    rows converted at the ledger's rates."""
    card = wallet_create(ledger=h.ledger, name="US card", kind="virtual", currency="USD")
    for day in (date(2025, 3, 7), date(2025, 3, 12), date(2025, 3, 20)):
        own_rate(h.ledger, "USD", day, "0.9")
    return card


def test_ofx_2x_xml_qfx_reads_name_or_payee_name(owner_api, household, commit):
    h = household
    card = usd_card(h)
    job, made = imported(
        owner_api, h, commit, sample("card-2x.qfx"), **{**DEFAULTS, "wallet": "US card"}
    )
    assert job["detected"]["format"] == "ofx"
    assert job["detected"]["encoding"] == "utf-8"
    assert [(t.kind, t.amount, t.description, t.notes) for t in made] == [
        ("expense", Decimal("64.17"), "WHOLE FOODS MKT #10234", "Groceries & household"),
        ("income", Decimal("15.00"), "STATEMENT CREDIT", ""),
        ("expense", Decimal("9.99"), "STREAMFLIX.COM", ""),
    ]
    assert [(t.currency, t.base_amount) for t in made] == [
        ("USD", Decimal("57.75")),  # 64.17 * 0.9 = 57.753
        ("USD", Decimal("13.50")),
        ("USD", Decimal("8.99")),  # 8.991
    ]
    assert [t.payee.name for t in made] == [t.description for t in made]
    card.refresh_from_db()
    response = owner_api.get(f"/ledgers/{h.ledger.pk}/wallets/{card.pk}")
    assert response.json()["balance"] == "-59.16"


def test_a_usd_statement_into_a_eur_wallet_is_a_row_error(owner_api, household):
    job = checked(owner_api, household, sample("card-2x.qfx"), **DEFAULTS)
    assert job["status"] == "invalid"
    assert job["valid_rows"] == 0
    assert job["errors"][0]["field"] == "currency"
    assert job["errors"][0]["message"] == "This row is in USD; the wallet Bank is in EUR."
    assert not Transaction.objects.filter(import_job_id=job["id"]).exists()


def test_ofx_with_tags_in_lower_case(owner_api, household, commit):
    content = re.sub(rb"</?[A-Z0-9.]+>", lambda tag: tag.group(0).lower(), sample("card-2x.qfx"))
    usd_card(household)
    _, made = imported(owner_api, household, commit, content, **{**DEFAULTS, "wallet": "US card"})
    assert [t.amount for t in made] == [Decimal("64.17"), Decimal("15.00"), Decimal("9.99")]


def test_ofx_is_told_by_content_not_by_name(owner_api, household):
    job = checked(owner_api, household, sample("card-2x.qfx"), name="statement.csv", **DEFAULTS)
    assert job["detected"]["format"] == "ofx"


def test_an_ofx_file_needs_the_default_wallet(owner_api, household):
    response = upload(owner_api, household.ledger, sample("card-2x.qfx"), name="card.qfx")
    assert "option `wallet`" in refused(response, field="wallet")


def test_an_ofx_file_without_transactions(owner_api, household):
    content = sample("card-2x.qfx").split(b"<STMTTRN>")[0] + b"</BANKTRANLIST></CCSTMTRS>"
    content += b"</CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>"
    detail = refused(upload(owner_api, household.ledger, content, **DEFAULTS))
    assert detail == "The OFX file holds no transactions."


def test_a_broken_ofx_file_is_a_422(owner_api, household):
    content = b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><STMTTRN><TRNAMT>1</OFX>tail</FOO>"
    detail = refused(upload(owner_api, household.ledger, content, **DEFAULTS))
    assert detail.startswith("The OFX file cannot be read")


# --- QIF --------------------------------------------------------------------------------------


def test_a_qif_split_record_is_a_split_transaction(owner_api, household, commit):
    h = household
    job, made = imported(
        owner_api, h, commit, sample("checking.qif"), date_format="MM/DD/YYYY", wallet="Bank"
    )
    assert job["total_rows"] == job["valid_rows"] == 4  # one transaction per record
    assert [row["row"] for row in job["preview"]] == [2, 8, 15, 25]
    split = next(t for t in made if t.description == "SuperMart")
    assert (split.kind, split.amount, split.category_id) == ("expense", Decimal("130.00"), None)
    assert [(line.category.name, line.amount) for line in split.splits.order_by("position")] == [
        ("Groceries", Decimal("100.00")),
        ("Leisure", Decimal("30.00")),
    ]


def test_qif_split_lines_must_add_up_to_the_total(owner_api, household):
    text = sample("checking.qif").decode().replace("$-30.00", "$-29.00")
    job = checked(owner_api, household, text.encode(), date_format="MM/DD/YYYY", wallet="Bank")
    assert job["valid_rows"] == 3
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(15, "splits")]
    assert "1.00 under the amount 130.00" in job["errors"][0]["message"]


def test_qif_split_line_of_an_unknown_category_is_an_error_on_the_record(owner_api, household):
    text = sample("checking.qif").decode().replace("SLeisure", "SYachts")
    job = checked(owner_api, household, text.encode(), date_format="MM/DD/YYYY", wallet="Bank")
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(15, "category")]
    assert "Yachts" in job["errors"][0]["message"]


def test_qif_apostrophe_years_categories_and_amounts(owner_api, household, commit):
    h = household
    text = sample("checking.qif").decode()
    without_split = text[: text.index("D3/9'25")] + text[text.index("D3/28'25") :]
    before = balance(owner_api, h)
    job, made = imported(
        owner_api, h, commit, without_split.encode(), date_format="MM/DD/YYYY", wallet="Bank"
    )
    assert job["detected"]["format"] == "qif"
    assert [row["row"] for row in job["preview"]] == [2, 8, 15]  # where each record starts
    assert [(str(t.date), t.amount, t.description, t.notes, t.category.name) for t in made] == [
        ("2025-03-01", Decimal("2450.00"), "ACME Payroll", "March salary", "Salary"),
        ("2025-03-04", Decimal("23.80"), "Corner Bakery", "", "Groceries"),
        ("2025-03-28", Decimal("12.50"), "Cinema Royal", "", "Leisure"),
    ]
    assert [t.payee.name for t in made] == ["ACME Payroll", "Corner Bakery", "Cinema Royal"]
    assert balance(owner_api, h) - before == Decimal("2413.70")


def test_a_qif_category_that_does_not_exist_is_a_row_error(owner_api, household):
    content = b"!Type:CCard\nD03/05/2025\nT-4.00\nPKiosk\nLNewspapers\n^\n"
    job = checked(owner_api, household, content, date_format="MM/DD/YYYY", wallet="Bank")
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(2, "category")]


def test_a_qif_class_is_dropped_and_a_transfer_account_takes_the_default(
    owner_api, household, commit
):
    content = (
        b"!Account\nNChecking\nTBank\n^\n!Type:Bank\n"
        b"D03/05/2025\nT-4.00\nPKiosk\nLLeisure/Holiday 2025\n^\n"
        b"D03/06/2025\nT-100.00\nPTo savings\nL[Savings account]\n^\n"
    )
    job, made = imported(
        owner_api, household, commit, content, date_format="MM/DD/YYYY", **DEFAULTS
    )
    assert [row["row"] for row in job["preview"]] == [6, 11]
    assert [(t.description, t.category.name) for t in made] == [
        ("Kiosk", "Leisure"),
        ("To savings", "Groceries"),
    ]


def test_qif_subcategories_take_the_whole_name_then_the_subcategory_then_the_parent(
    owner_api, household, commit
):
    h = household
    Category.objects.create(ledger=h.ledger, name="Food:Dining", type="expense")
    content = (
        b"!Type:Bank\n"
        b"D03/05/2025\nT-40.00\nPBistro\nLFood:Dining\n^\n"  # the whole name exists
        b"D03/06/2025\nT-20.00\nPSuperMart\nLFood:Groceries\n^\n"  # the subcategory
        b"D03/07/2025\nT-60.00\nPPower Co\nLUtilities:Electric/Home\n^\n"  # the parent
        b"D03/08/2025\nT-9.00\nPGarage\nL Health : Dentist \n^\n"  # spaces around parts
    )
    _job, made = imported(owner_api, h, commit, content, date_format="MM/DD/YYYY", wallet="Bank")
    assert [(t.description, t.category.name) for t in made] == [
        ("Bistro", "Food:Dining"),
        ("SuperMart", "Groceries"),
        ("Power Co", "Utilities"),
        ("Garage", "Health"),
    ]


def test_a_qif_subcategory_of_no_known_category_is_a_row_error_naming_each_try(
    owner_api, household
):
    content = b"!Type:Bank\nD03/05/2025\nT-40.00\nPDealer\nLAuto:Fuel\n^\n"
    job = checked(owner_api, household, content, date_format="MM/DD/YYYY", wallet="Bank")
    assert job["status"] == "invalid"
    assert job["errors"] == [
        {
            "row": 2,
            "field": "category",
            "message": "No category named 'Auto:Fuel' (nor 'Fuel', 'Auto') in this ledger.",
        }
    ]


INVESTMENTS = (
    b"!Type:Invst\n"
    b"D03/05/2025\nNBuy\nYACME Corp\nI12.50\nQ10\nT125.00\n^\n"
    b"D03/20/2025\nNDiv\nYACME Corp\nT4.10\n^\n"
)


def test_a_qif_investment_list_is_a_clear_error_not_a_crash(owner_api, household):
    job = checked(owner_api, household, INVESTMENTS, date_format="MM/DD/YYYY", **DEFAULTS)
    assert job["status"] == "invalid"
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(2, "row"), (9, "row")]
    assert all("(!Type:Invst) are not supported" in e["message"] for e in job["errors"])
    assert [row["description"] for row in job["preview"]] == ["Buy ACME Corp", "Div ACME Corp"]


def test_the_bank_list_of_a_file_with_investments_can_be_imported(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    content = b"!Type:Bank\nD03/04/2025\nT-23.80\nPCorner Bakery\nLGroceries\n^\n" + INVESTMENTS
    job = checked(owner_api, h, content, date_format="MM/DD/YYYY", **DEFAULTS)
    assert (job["status"], job["total_rows"], job["valid_rows"]) == ("validated", 3, 1)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(
            imports_path(h.ledger, job["id"], "commit"), {"skip_invalid": True}
        )
    assert response.status_code == 202, response.content
    assert list(Transaction.objects.values_list("description", flat=True)) == ["Corner Bakery"]


def test_a_qif_file_without_transactions(owner_api, household):
    content = b"!Type:Cat\nNGroceries\nE\n^\n"
    detail = refused(upload(owner_api, household.ledger, content, wallet="Bank"))
    assert detail == "The QIF file holds no transactions."


# --- CAMT -------------------------------------------------------------------------------------


def test_camt053_imports_booked_entries_and_counts_the_others(owner_api, household, commit):
    h = household
    before = balance(owner_api, h)
    job, made = imported(owner_api, h, commit, sample("statement-camt053.xml"), **DEFAULTS)
    assert job["detected"] == {
        "format": "camt",
        "encoding": "utf-8",
        "delimiter": None,
        "header_line": None,
        "date_format": "iso",
        "decimal": ".",
        "skipped": 1,  # the pending entry
    }
    assert [row["row"] for row in job["preview"]] == [1, 2, 4]
    assert [(str(t.date), t.kind, t.amount, t.description, t.notes) for t in made] == [
        ("2025-03-01", "income", Decimal("3100.00"), "Muster GmbH", "Gehalt Maerz 2025"),
        (
            "2025-03-04",
            "expense",
            Decimal("57.30"),
            "REWE Markt GmbH",
            "Kartenzahlung 2025-03-04 18:03",
        ),
        ("2025-03-15", "expense", Decimal("12.00"), "Stadtbibliothek", "Jahresgebuehr"),
    ]
    assert [t.payee.name for t in made] == ["Muster GmbH", "REWE Markt GmbH", "Stadtbibliothek"]
    assert balance(owner_api, h) - before == Decimal("3030.70")


def test_camt_of_later_versions_status_code_and_party_names(owner_api, household, commit):
    # camt.053.001.08 and later: <Sts><Cd>BOOK</Cd></Sts> and RltdPties/Cdtr/Pty/Nm; a
    # camt.054 notification holds entries as well.
    content = (
        '<?xml version="1.0" encoding="ISO-8859-1"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">'
        "<BkToCstmrDbtCdtNtfctn><Ntfctn><Ntry><NtryRef>N-1</NtryRef>"
        '<Amt Ccy="EUR">8.40</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
        "<BookgDt><DtTm>2025-03-09T10:15:00+01:00</DtTm></BookgDt><NtryDtls><TxDtls>"
        "<RltdPties><Cdtr><Pty><Nm>Caf\xe9 Zentral</Nm></Pty></Cdtr></RltdPties>"
        "</TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode("latin-1")
    job, made = imported(owner_api, household, commit, content, **DEFAULTS)
    assert job["detected"]["encoding"] == "iso8859-1"
    assert [(str(t.date), t.amount, t.description) for t in made] == [
        ("2025-03-09", Decimal("8.40"), "Café Zentral")
    ]


def test_a_camt_file_with_no_booked_entry(owner_api, household):
    content = sample("statement-camt053.xml").replace(b"<Sts>BOOK</Sts>", b"<Sts>PDNG</Sts>")
    detail = refused(upload(owner_api, household.ledger, content, **DEFAULTS))
    assert detail == "The CAMT file holds no booked entries (4 entries are not booked yet)."


CAMT_HEAD = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'


def test_an_xml_bomb_is_refused_without_expanding_it(owner_api, household):
    entities = b"".join(
        b'<!ENTITY lol%d "%s">' % (i, b"&lol%d;" % (i - 1) * 10 if i else b"lol") for i in range(10)
    )
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE Document ['
        + entities
        + b"]>"
        + CAMT_HEAD
        + b"<Stmt><Ntry><Amt>&lol9;</Amt></Ntry></Stmt></BkToCstmrStmt></Document>"
    )
    started = time.monotonic()
    detail = refused(upload(owner_api, household.ledger, bomb, **DEFAULTS))
    assert time.monotonic() - started < 5
    assert "DTD or entities" in detail


@pytest.mark.parametrize("target", [b"file:///etc/passwd", b"http://127.0.0.1:9/evil.dtd"])
def test_an_external_entity_is_refused_and_never_fetched(owner_api, household, target):
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "'
        + target
        + b'">]>'
        + CAMT_HEAD
        + b"<Stmt><Ntry><Amt>1</Amt><Sts>BOOK</Sts><NtryRef>&x;</NtryRef></Ntry></Stmt>"
        + b"</BkToCstmrStmt></Document>"
    )
    detail = refused(upload(owner_api, household.ledger, xxe, **DEFAULTS))
    assert "DTD or entities" in detail


# --- CSV: encodings, preambles, delimiters, header lines -------------------------------------


def test_a_cp1252_csv_with_a_six_line_preamble(owner_api, household, commit):
    h = household
    before = balance(owner_api, h)
    job, made = imported(
        owner_api,
        h,
        commit,
        sample("preamble-cp1252.csv"),
        mapping='{"date": "Buchungstag", "signed_amount": "Betrag", "payee": "Empfänger", '
        '"notes": "Verwendungszweck"}',
        date_format="DD.MM.YYYY",
        decimal=",",
        **DEFAULTS,
    )
    detected = job["detected"]
    assert (detected["format"], detected["delimiter"], detected["header_line"]) == ("csv", ";", 7)
    assert detected["encoding"] not in ("utf-8", "ascii")  # the detector's pick
    assert [row["row"] for row in job["preview"]] == [8, 9, 10]  # physical lines
    assert [(t.amount, t.description, t.notes) for t in made] == [
        (Decimal("2500.00"), "Muster GmbH", "Gehalt März"),
        (Decimal("4.60"), "Bäckerei Köhler", "Brötchen"),
        (Decimal("18.90"), "Café Größenwahn", "Frühstück für zwei"),
    ]
    assert balance(owner_api, h) - before == Decimal("2476.50")


def test_errors_name_physical_lines_below_a_preamble(owner_api, household):
    content = "Statement export\nAccount 1234\n\n" + csv_text(
        "2025-03-01,expense,5.00,x,Groceries,Bank,,,",
        "2025-03-02,expense,5.001,y,Groceries,Bank,,,",
    )
    job = checked(owner_api, household, content.encode())
    assert job["detected"]["header_line"] == 4
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(6, "amount")]


def test_a_named_header_line(owner_api, household):
    content = "date,kind,amount,description,category,wallet\nnotes,...\n" + csv_text(
        "2025-03-01,expense,5.00,x,Groceries,Bank,,,"
    )
    job = checked(owner_api, household, content.encode(), header_line="3")
    assert job["status"] == "validated", job
    assert job["detected"]["header_line"] == 3


@pytest.mark.parametrize("line", ["2", "40"])
def test_a_named_header_line_that_holds_none(owner_api, household, line):
    content = "Report\n\n" + csv_text("2025-03-01,expense,5.00,x,Groceries,Bank,,,")
    response = upload(owner_api, household.ledger, content, header_line=line)
    assert "holds no header" in refused(response, field="header_line")


def test_a_utf16_file_with_a_bom(owner_api, household, commit):
    content = csv_text("2025-03-01,expense,5.00,Crème brûlée,Groceries,Bank,,,").encode("utf-16")
    job, made = imported(owner_api, household, commit, content)
    assert job["detected"]["encoding"] == "utf-16"
    assert made[0].description == "Crème brûlée"


def test_a_utf8_bom_is_reported_as_utf8(owner_api, household):
    content = "\ufeff" + csv_text("2025-03-01,expense,5.00,x,Groceries,Bank,,,")
    job = checked(owner_api, household, content.encode())
    assert job["detected"]["encoding"] == "utf-8"


def test_latin1_text_is_read_by_auto_detection(owner_api, household, commit):
    content = csv_text("2025-03-02,expense,5.00,Caf\xe9 cr\xe8me,Groceries,Bank,,,")
    job, made = imported(owner_api, household, commit, content.encode("latin-1"))
    assert job["detected"]["encoding"] != "utf-8"
    assert made[0].description == "Café crème"


def test_a_named_encoding_is_used(owner_api, household, commit):
    content = csv_text("2025-03-02,expense,5.00,Za\xbf\xf3\xb3\xe6,Groceries,Bank,,,")
    job, made = imported(owner_api, household, commit, content.encode("latin-1"), encoding="cp1250")
    assert job["detected"]["encoding"] == "cp1250"
    assert made[0].description == "Zażółć"


def test_a_pipe_delimited_file_without_header_mapped_by_position(owner_api, household, commit):
    h = household
    content = (
        "2025-03-01|4000123|Coffee Corner|-3.50\n"
        "2025-03-02|4000124|Refund, Coffee Corner|3.50\n"
        "2025-03-05|4000125|Bookshop|-21.99\n"
    )
    before = balance(owner_api, h)
    job, made = imported(
        owner_api,
        h,
        commit,
        content.encode(),
        header_line="none",
        mapping='{"date": "#1", "external_id": "#2", "description": "#3", "signed_amount": "#4"}',
        **DEFAULTS,
    )
    assert job["detected"]["delimiter"] == "|"
    assert job["detected"]["header_line"] is None
    assert [row["row"] for row in job["preview"]] == [1, 2, 3]
    assert [(t.kind, t.description) for t in made] == [
        ("expense", "Coffee Corner"),
        ("income", "Refund, Coffee Corner"),
        ("expense", "Bookshop"),
    ]
    assert balance(owner_api, h) - before == Decimal("-21.99")


def test_a_row_shorter_than_the_positions_mapped(owner_api, household):
    content = b"2025-03-01;Coffee;-3.50\n2025-03-02;Tea\n"
    job = checked(
        owner_api,
        household,
        content,
        header_line="none",
        mapping='{"date": "#1", "description": "#2", "signed_amount": "#3"}',
        **DEFAULTS,
    )
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(2, "row")]


def test_a_payee_column_fills_the_description(owner_api, household, commit):
    content = b"Date,Payee,Amount\n2025-03-01,Corner Shop,-2.00\n"
    _, made = imported(
        owner_api,
        household,
        commit,
        content,
        mapping='{"date": "Date", "payee": "Payee", "signed_amount": "Amount"}',
        **DEFAULTS,
    )
    assert made[0].description == "Corner Shop"


def test_a_header_not_found_lists_the_wanted_columns_and_the_first_lines(owner_api, household):
    content = b"Report\nDate;Text;Value\n2025-03-01;x;1\n"
    response = upload(
        owner_api,
        household.ledger,
        content,
        mapping='{"date": "Booking date", "signed_amount": "Amount", "description": "Text"}',
        **DEFAULTS,
    )
    detail = refused(response, field="mapping")
    assert "the columns the mapping names (Booking date, Amount, Text)" in detail
    assert "line 1: Report; line 2: Date | Text | Value" in detail


# --- Files that are no bank export -----------------------------------------------------------


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "start"),
    [
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\n",
            "This is a PDF, not a bank export.",
        ),
        (_zip(["[Content_Types].xml", "xl/workbook.xml"]), "This is an Excel workbook (xlsx)"),
        (_zip(["statement.csv"]), "This is a ZIP archive"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "This is a JPEG image"),
        (b"<!DOCTYPE html>\n<html><body>Log in</body></html>", "This is a web page (HTML)"),
        (b'<?xml version="1.0"?><invoice><total>3</total></invoice>', "This is an XML file, but"),
        (random.Random(13).randbytes(4096), "This is a binary file"),
    ],
)
def test_a_file_that_is_no_bank_export_says_what_it_looks_like(
    owner_api, household, content, start
):
    detail = refused(upload(owner_api, household.ledger, content, name="bank.csv"))
    assert detail.startswith(start)


def test_fifty_megabytes_of_one_line_is_refused_quickly(owner_api, household, settings):
    content = b"x" * (settings.IMPORT_MAX_BYTES - 1024)
    started = time.monotonic()
    detail = refused(upload(owner_api, household.ledger, content))
    assert time.monotonic() - started < 20
    assert "line 1: (unreadable)" in detail


def test_a_format_named_but_not_found(owner_api, household):
    content = csv_text("2025-03-01,expense,5.00,x,Groceries,Bank,,,").encode()
    detail = refused(upload(owner_api, household.ledger, content, format="ofx", wallet="Bank"))
    assert detail == "The file is not an OFX statement: it has no <OFX> element."


def test_format_csv_reads_a_file_that_starts_like_qif(owner_api, household):
    content = b"!Type:Bank,kind,amount,description,category,wallet\n"
    content += b"2025-03-01,expense,1.00,x,Groceries,Bank\n"
    response = upload(owner_api, household.ledger, content, format="csv", header_line="1")
    assert_error(response, 422, None, "file")  # read as CSV: its header lacks `date`
    assert "lacks the required column date" in response.json()["detail"]
