"""QIF (Quicken Interchange Format) files, read by hand: no maintained library reads them.

A QIF file is lines that each start with a letter saying what follows: `D` date, `T` (or `U`)
signed amount, `P` payee, `M` memo, `L` category (see `qif_category`), `N` number, `C`
cleared; `^` ends a record.
`!Type:Bank` (Cash, CCard, Oth A, Oth L) starts a list of transactions; `!Account` blocks,
`!Option`/`!Clear` lines and lists that hold no transactions (categories, classes, memorized
payees) are passed over. An investment list (`!Type:Invst`: buys, sells, dividends of
securities) is not supported: each of its records is a row error saying so, so the bank
records of the same file can still be imported. Split lines (`S`, `E`, `$`) make the record a
row error until split transactions exist (§13). A subcategory (`LFood:Groceries`) is looked up
as the whole name, then `Groceries`, then `Food` (`csv_rows.category_candidates`). The row
of a record is the line where it starts. Read line by line: memory stays flat.
"""

import re
from collections.abc import Iterator

from budget.exchange.sources import Lines, Record, Source, record_fields

TRANSACTION_TYPES = {"bank", "cash", "ccard", "oth a", "oth l", "invoice"}
INVESTMENT_TYPES = {"invst", "port"}
# `1/23'19`, `1/23' 9`, `12/ 5'03`: Quicken writes years from 2000 on with an apostrophe.
_APOSTROPHE_YEAR = re.compile(r"\s*([0-9]{1,2})\s*[/.-]\s*([0-9]{1,2})\s*'\s*([0-9]{1,4})\s*")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
INVESTMENT_ERROR = (
    "Investment transactions (!Type:Invst) are not supported; import the bank or card "
    "account's list instead."
)
SPLIT_ERROR = (
    "Split transactions are not supported yet; this record has split lines (S/E/$). Enter it "
    "by hand, or remove its split lines."
)


def qif_date(text: str) -> str:
    """A QIF date with its `'` year as a four-digit year (`1/23'19` → `1/23/2019`); the
    order of day and month is left to the date format."""
    match = _APOSTROPHE_YEAR.fullmatch(text)
    if match:
        first, second, year = match.groups()
        if len(year) < 4:
            year = str(2000 + int(year))
        return f"{first}/{second}/{year}"
    return re.sub(r"\s+", "", text)


def qif_amount(text: str) -> str:
    """`-1,234.56` → `-1234.56`; other forms are left to the amount's reader."""
    text = text.strip()
    return text.replace(",", "") if _THOUSANDS.fullmatch(text) else text


def qif_category(text: str) -> str:
    """`Groceries/Business` → `Groceries` (the part after `/` is a class); `[Savings]` (a
    transfer to another account of the file's owner) names no category: the default
    applies, as for a row without one."""
    text = text.split("/", 1)[0].strip()
    return "" if text.startswith("[") and text.endswith("]") else text


class QifSource(Source):
    format = "qif"

    def records(self) -> Iterator[Record]:
        return self._counted(self._records())

    def _records(self) -> Iterator[Record]:
        lines = Lines(self.binary, self.encoding)
        reading = False  # in a list of transactions
        investing = False  # ...of investment transactions: each a row error
        skipping_block = False  # an !Account block, up to its ^
        fields: dict[str, str] = {}
        start = 0
        split = False
        for number, raw in enumerate(lines, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip():
                continue
            if line.startswith("!"):
                header = line[1:].strip().casefold()
                if header.startswith("type:"):
                    list_type = header[5:].strip()
                    investing = list_type in INVESTMENT_TYPES
                    reading = list_type in TRANSACTION_TYPES or investing
                    skipping_block = False
                elif header == "account":
                    skipping_block = True
                fields, split = {}, False
                continue
            code, value = line[0], line[1:].strip()
            if skipping_block or not reading:
                if code == "^":
                    skipping_block = False
                continue
            if not fields and not split:
                start = number
            if code == "^":
                if fields or split:
                    yield self._record(start, fields, split=split, investing=investing)
                fields, split = {}, False
            elif investing and code in "NY":  # the action and the security, for the preview
                fields["description"] = f"{fields.get('description', '')} {value}".strip()
            elif code == "D":
                fields["date"] = qif_date(value)
            elif code in "TU":
                fields.setdefault("signed_amount", qif_amount(value))
            elif code == "P":
                fields["payee"] = value
            elif code == "M":
                fields["notes"] = value
            elif code == "L":
                category = qif_category(value)
                if category:
                    fields["category"] = category
            elif code in "SE$":
                split = True
        if fields:  # the last record without its ^
            yield self._record(start, fields, split=split, investing=investing)

    @staticmethod
    def _record(start: int, fields: dict[str, str], *, split: bool, investing: bool) -> Record:
        errors = [_error(INVESTMENT_ERROR)] if investing else [_error(SPLIT_ERROR)] if split else []
        return Record(start, record_fields({"date": "", "signed_amount": "", **fields}), errors)


def _error(message: str) -> dict[str, str]:
    return {"field": "row", "message": message}
