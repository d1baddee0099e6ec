"""QIF (Quicken Interchange Format) files, read by hand: no maintained library reads them.

A QIF file is lines that each start with a letter saying what follows: `D` date, `T` (or `U`)
signed amount, `P` payee, `M` memo, `L` category (see `qif_category`), `N` number, `C`
cleared; `^` ends a record.
`!Type:Bank` (Cash, CCard, Oth A, Oth L) starts a list of transactions; `!Account` blocks,
`!Option`/`!Clear` lines and lists that hold no transactions (categories, classes, memorized
payees) are passed over. An investment list (`!Type:Invst`: buys, sells, dividends of
securities) is not supported: each of its records is a row error saying so, so the bank
records of the same file can still be imported. Split lines (`S` category, `E` memo, `$`
signed amount) make a split transaction (§13): the record is handed over as one record per
line, each with the record's fields, the line's category and amount, and `split_of` (the
record's first line) joining them again, as the rows of our own CSV export are;
`split_total` is the record's `T`, which the lines must add up to. A subcategory
(`LFood:Groceries`) is looked up as the whole name, then `Groceries`, then `Food`
(`csv_rows.category_candidates`). The row of a record is the line where it starts. Read
line by line: memory stays flat.
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
        splits: list[dict[str, str]] = []  # the record's split lines
        start = 0
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
                fields, splits = {}, []
                continue
            code, value = line[0], line[1:].strip()
            if skipping_block or not reading:
                if code == "^":
                    skipping_block = False
                continue
            if not fields and not splits:
                start = number
            if code == "^":
                if fields or splits:
                    yield from _record(start, fields, splits, investing=investing)
                fields, splits = {}, []
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
            elif code == "S":  # a split line starts with its category
                splits.append({"category": qif_category(value)})
            elif code in "E$":
                if not splits:  # a memo or amount before any S: a line without a category
                    splits.append({"category": ""})
                name = "split_description" if code == "E" else "signed_amount"
                if name in splits[-1]:  # a second E or $: the next line, without a category
                    splits.append({"category": ""})
                splits[-1][name] = value if code == "E" else qif_amount(value)
        if fields or splits:  # the last record without its ^
            yield from _record(start, fields, splits, investing=investing)


def _record(
    start: int, fields: dict[str, str], splits: list[dict[str, str]], *, investing: bool
) -> Iterator[Record]:
    base = record_fields({"date": "", "signed_amount": "", **fields})
    if investing:
        yield Record(start, base, [{"field": "row", "message": INVESTMENT_ERROR}])
        return
    if not splits:
        yield Record(start, base)
        return
    for split in splits:
        yield Record(
            start,
            {
                **base,
                "signed_amount": split.get("signed_amount", ""),
                "category": split["category"],
                "split_description": split.get("split_description", ""),
                "split_of": str(start),
                "split_total": base["signed_amount"],
            },
        )
