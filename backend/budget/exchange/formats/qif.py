"""QIF (Quicken Interchange Format) files, read by hand: no maintained library reads them.

A QIF file is lines that each start with a letter saying what follows: `D` date, `T` (or `U`)
signed amount, `P` payee, `M` memo, `L` category (see `qif_category`), `N` number, `C`
cleared; `^` ends a record.
`!Type:Bank` (Cash, CCard, Oth A, Oth L) starts a list of transactions; `!Account` blocks,
`!Option`/`!Clear` lines and lists that hold no transactions (categories, classes, memorized
payees) are passed over. Split lines (`S`, `E`, `$`) make the record a row error until split
transactions exist (§13). The row of a record is the line where it starts. Read line by
line: memory stays flat.
"""

import re
from collections.abc import Iterator

from budget.exchange.sources import Lines, Record, Source, record_fields

TRANSACTION_TYPES = {"bank", "cash", "ccard", "oth a", "oth l", "invoice"}
# `1/23'19`, `1/23' 9`, `12/ 5'03`: Quicken writes years from 2000 on with an apostrophe.
_APOSTROPHE_YEAR = re.compile(r"\s*([0-9]{1,2})\s*[/.-]\s*([0-9]{1,2})\s*'\s*([0-9]{1,4})\s*")
_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
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
                    reading = header[5:].strip() in TRANSACTION_TYPES
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
                    errors = [{"field": "row", "message": SPLIT_ERROR}] if split else []
                    yield Record(
                        start, record_fields({"date": "", "signed_amount": "", **fields}), errors
                    )
                fields, split = {}, False
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
            errors = [{"field": "row", "message": SPLIT_ERROR}] if split else []
            yield Record(start, record_fields({"date": "", "signed_amount": "", **fields}), errors)
