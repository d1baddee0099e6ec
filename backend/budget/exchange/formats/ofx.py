"""OFX (Open Financial Exchange) statements, 1.x SGML and 2.x XML; QFX is OFX.

The markup is parsed by ofxtools' `TreeBuilder`, which reads both versions; the header is
read here, because banks write character sets ofxtools' strict header check refuses, and
SPEC §11 picks the encoding (BOM, then the header's declaration, then UTF-8, then a
detector). The parser never resolves entities or DTDs (it is no XML parser), so an XML bomb
in an OFX file is only text. The file is read whole (at most IMPORT_MAX_BYTES), but parsed
a transaction at a time (see `_records`).

Each `STMTTRN` is a record: `DTPOSTED` → date, `TRNAMT` → signed amount, `NAME` (or
`PAYEE/NAME`) → payee, `MEMO` → notes, `FITID` → external id, the statement's `CURDEF` →
currency. The row of a record is its 1-based position in the file.
"""

import html
import re
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from ofxtools.Parser import ParseError, TreeBuilder

from budget.exchange.csv_rows import FileProblem
from budget.exchange.sources import Record, Source, record_fields

_BODY = re.compile(r"<OFX>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z0-9._]+>")
_DATE = re.compile(r"\s*([0-9]{4})([0-9]{2})([0-9]{2})")
_COMMA_AMOUNT = re.compile(r"[+-]?[0-9]+,[0-9]{1,2}")
# One transaction, as the parser would close it; in the skeleton, an empty one stands for it.
_TRANSACTION = re.compile(r"<STMTTRN>.*?</STMTTRN>", re.DOTALL)
_EMPTY_TRANSACTION = "<STMTTRN></STMTTRN>"


def ofx_date(text: str) -> str:
    """`20250301120000.000[-5:EST]` → `2025-03-01`; anything else as written, for the row's
    error to show."""
    match = _DATE.match(text)
    return "-".join(match.groups()) if match else text


def ofx_amount(text: str) -> str:
    """A TRNAMT with a decimal point; some banks write a decimal comma."""
    text = text.strip()
    return text.replace(",", ".") if _COMMA_AMOUNT.fullmatch(text) else text


def _text(element: ET.Element | None, path: str) -> str:
    value = element.findtext(path) if element is not None else None
    return html.unescape(value.strip()) if value else ""


class OfxSource(Source):
    format = "ofx"

    def _body(self) -> str:
        """The markup from `<OFX>` on, its tags in upper case."""
        self.binary.seek(0)
        raw = self.binary.read()
        try:
            text = raw.decode(self.encoding)
        except UnicodeDecodeError as error:
            raise FileProblem(
                f"The OFX file is not {self.encoding} text (byte {error.start + 1}, "
                f"0x{raw[error.start]:02X}); name its encoding with the option `encoding`."
            ) from error
        del raw
        start = _BODY.search(text)
        if start is None:
            raise FileProblem("The file is not an OFX statement: it has no <OFX> element.")
        body = text[start.start() :]
        del text
        if not body.startswith("<OFX>"):  # a few exporters write the tags in lower case
            body = _TAG.sub(lambda tag: tag.group(0).upper(), body)
        return body

    @staticmethod
    def _parse(markup: str) -> ET.Element:
        builder = TreeBuilder()
        try:
            builder.feed(markup)
            return builder.close()
        except (ParseError, AssertionError, IndexError) as error:
            message = str(error.args[0] if error.args else error)[:200]
            raise FileProblem(f"The OFX file cannot be read: {message}") from error

    def records(self) -> Iterator[Record]:
        return self._counted(self._records())

    def _records(self) -> Iterator[Record]:
        """The statement's skeleton (every transaction emptied) is parsed whole, which checks
        the file's structure and says which statement each transaction belongs to; then each
        transaction is parsed on its own. A tree of the whole file took about 1.7 KB per
        transaction (170 MB at 100 000); this keeps one transaction's."""
        body = self._body()
        skeleton = self._parse(_TRANSACTION.sub(_EMPTY_TRANSACTION, body))
        order = {id(e): n for n, e in enumerate(skeleton.iter("STMTTRN"))}
        statements = [e for e in skeleton.iter() if e.tag in ("STMTRS", "CCSTMTRS")] or [skeleton]
        currency_of: dict[int, str] = {}  # transaction (in file order) → its statement's CURDEF
        for statement in statements:
            currency = _text(statement, "CURDEF")
            for transaction in statement.iter("STMTTRN"):
                currency_of[order[id(transaction)]] = currency
        del skeleton, statements, order
        position = 0
        for number, match in enumerate(_TRANSACTION.finditer(body)):
            if number not in currency_of:  # outside a bank or card statement
                continue
            position += 1
            transaction = self._parse(match.group(0))
            fields = self._fields(transaction, currency_of[number])
            yield Record(position, record_fields(fields))

    @staticmethod
    def _fields(transaction: ET.Element, currency: str) -> dict[str, str]:
        fields = {
            "date": ofx_date(_text(transaction, "DTPOSTED")),
            "signed_amount": ofx_amount(_text(transaction, "TRNAMT")),
            "payee": _text(transaction, "NAME") or _text(transaction, "PAYEE/NAME"),
            "notes": _text(transaction, "MEMO"),
            "external_id": _text(transaction, "FITID"),
        }
        if currency:
            fields["currency"] = currency
        return fields
