"""The pure parts of reading bank files (SPEC §11): dates, amounts and categories as the
formats write them, the delimiter sniffed among preamble lines, the format told by content."""

import io

import pytest

from budget.exchange.csv_rows import FileProblem, Options, category_candidates
from budget.exchange.formats.csv import guess_delimiter
from budget.exchange.formats.ofx import OfxSource, ofx_amount, ofx_date
from budget.exchange.formats.qif import qif_amount, qif_category, qif_date
from budget.exchange.sources import _declared, _format_of


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("1/23'19", "1/23/2019"),
        ("12/ 5'03", "12/5/2003"),
        ("1/ 3' 9", "1/3/2009"),
        ("3/31/2025", "3/31/2025"),
        ("31.03.2025", "31.03.2025"),
    ],
)
def test_qif_apostrophe_years_are_from_2000_on(written, read):
    assert qif_date(written) == read


@pytest.mark.parametrize(
    ("written", "read"),
    [("-1,234.56", "-1234.56"), ("2,450.00", "2450.00"), ("-12.30", "-12.30"), ("12,30", "12,30")],
)
def test_qif_thousands_commas_only_when_they_are_thousands(written, read):
    assert qif_amount(written) == read


@pytest.mark.parametrize(
    ("written", "read"),
    [("Groceries", "Groceries"), ("Leisure/Holiday", "Leisure"), ("[Savings]", ""), ("", "")],
)
def test_qif_category_without_class_or_transfer_account(written, read):
    assert qif_category(written) == read


@pytest.mark.parametrize(
    ("written", "names"),
    [
        ("Groceries", ["Groceries"]),
        ("Food:Groceries", ["Food:Groceries", "Groceries", "Food"]),
        ("A:B:C", ["A:B:C", "C", "A:B", "B", "A"]),
        (" Food : Groceries ", ["Food:Groceries", "Groceries", "Food"]),
        ("Odd:", ["Odd:"]),  # an empty part: the name as written
        ("Food:Food", ["Food:Food", "Food"]),
    ],
)
def test_a_category_path_is_tried_whole_then_its_last_part_then_its_parents(written, names):
    assert category_candidates(written) == names


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("20250301", "2025-03-01"),
        ("20250303120000.000[+1:CET]", "2025-03-03"),
        ("20250331235959", "2025-03-31"),
        ("March 1", "March 1"),  # left for the row's error
    ],
)
def test_ofx_dates(written, read):
    assert ofx_date(written) == read


@pytest.mark.parametrize(("written", "read"), [("-112,45", "-112.45"), ("+5.00", "+5.00")])
def test_ofx_amounts_with_a_decimal_comma(written, read):
    assert ofx_amount(written) == read


def test_the_delimiter_of_the_table_not_of_the_preamble():
    lines = [
        "Statement;Checking\n",
        "Balance;1.234,56\n",
        "Date;Payee;Amount\n",
        "01.03.2025;Shop, Main Street;-4,60\n",
        "02.03.2025;Bakery;-2,10\n",
    ]
    assert guess_delimiter(lines) == ";"
    assert guess_delimiter(["a|b|c\n", "1|2,5|3\n", "4|5|6\n"]) == "|"
    assert guess_delimiter(["a\tb\n", "1\t2\n"]) == "\t"
    assert guess_delimiter(["no delimiter at all\n"]) == ","


def test_a_quoted_cell_over_several_lines_is_one_record_to_the_delimiter_guess():
    # As our own export writes a note with line breaks (found by the round-trip property).
    lines = [
        "date,kind,amount,description,category,wallet,bucket,notes,tags\n",
        '2025-03-01,expense,1.00,,Groceries,Bank,Unallocated,,"0 | 0\n',
        '0 | 0",\n',
    ]
    assert guess_delimiter(lines) == ","


@pytest.mark.parametrize(
    ("head", "encoding"),
    [
        (b'<?xml version="1.0" encoding="ISO-8859-1"?><Document/>', "iso8859-1"),
        (b"OFXHEADER:100\nENCODING:USASCII\nCHARSET:1252\n\n<OFX>", "cp1252"),
        (b"OFXHEADER:100\nENCODING:UTF-8\nCHARSET:NONE\n\n<OFX>", "utf-8"),
        (b"OFXHEADER:100\nENCODING:USASCII\nCHARSET:NONE\n\n<OFX>", None),
        (b"date,amount\n", None),
    ],
)
def test_the_declared_encoding(head, encoding):
    assert _declared(head) == encoding


@pytest.mark.parametrize(
    ("head", "format_"),
    [
        (b"\r\n\r\nOFXHEADER:100\r\nDATA:OFXSGML", "ofx"),
        (b'<?xml version="1.0"?><?OFX OFXHEADER="200"?><OFX>', "ofx"),
        (b"!Type:Bank\nD1/2/2025\n", "qif"),
        (b"!Account\nNChecking\n^\n", "qif"),
        (
            b'<?xml version="1.0"?>\n'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08">',
            "camt",
        ),
        (b"Date;Amount;Text\n", "csv"),
    ],
)
def test_the_format_is_told_by_content(head, format_):
    assert _format_of(head) == format_


def test_other_xml_is_no_bank_export():
    with pytest.raises(FileProblem, match="neither an OFX statement nor an ISO 20022 CAMT"):
        _format_of(b'<?xml version="1.0"?><order/>')


def _ofx_records(markup: str) -> list:
    source = OfxSource(
        io.BytesIO(markup.encode()), encoding="utf-8", options=Options(), max_rows=100
    )
    return list(source.records())


def test_ofx_transactions_are_read_one_by_one_with_their_statements_currency():
    markup = (
        "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX>"
        "<BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>EUR<BANKTRANLIST>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250301<TRNAMT>-1.00<FITID>a<NAME>One</STMTTRN>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250302<TRNAMT>-2.00<FITID>b<NAME>Two</STMTTRN>"
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>"
        "<INVSTMTMSGSRSV1><INVSTMTTRNRS><INVSTMTRS><INVTRANLIST><INVBANKTRAN>"
        "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20250303<TRNAMT>9.00<FITID>i<NAME>Cash in</STMTTRN>"
        "<SUBACCTFUND>CASH</INVBANKTRAN></INVTRANLIST></INVSTMTRS></INVSTMTTRNRS>"
        "</INVSTMTMSGSRSV1>"
        "<CREDITCARDMSGSRSV1><CCSTMTTRNRS><CCSTMTRS><CURDEF>USD<BANKTRANLIST>"
        "<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250304<TRNAMT>-3.00<FITID>c<NAME>Three</STMTTRN>"
        "</BANKTRANLIST></CCSTMTRS></CCSTMTTRNRS></CREDITCARDMSGSRSV1></OFX>"
    )
    records = _ofx_records(markup)
    # The investment statement's cash transaction is not a bank or card statement's: left out.
    assert [(r.row, r.fields["payee"], r.fields["currency"]) for r in records] == [
        (1, "One", "EUR"),
        (2, "Two", "EUR"),
        (3, "Three", "USD"),
    ]


def test_a_broken_transaction_in_an_ofx_file_is_a_file_problem():
    markup = "<OFX><STMTRS><STMTTRN><TRNAMT>1</TRNAMT>tail<NAME>x</STMTTRN></STMTRS></OFX>"
    with pytest.raises(FileProblem, match="The OFX file cannot be read"):
        _ofx_records(markup)


def test_the_ofx_parser_logs_no_line_per_transaction():
    """ofxtools logs each element it reads at INFO: 100 000 log lines, and a quarter of the
    check's time, for a statement of 100 000 transactions. The settings quiet it (its own
    level: the tests' root level is WARNING anyway)."""
    import logging

    assert logging.getLogger("ofxtools").level == logging.WARNING
