"""Reading an uploaded CSV file into transaction data, one row at a time (SPEC §9, §10).

No database here: `CsvReader` turns the uploaded bytes into rows of cells with their line
numbers, never holding more than one line in memory; `Columns` says which cell holds which
field; `RowParser` turns the cells of one row into the fields of a transaction (dates and
amounts in the file's format, names of wallets, buckets and categories into ids), to be
checked by `budget.money.rules` like every other transaction.
"""

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any
from uuid import UUID

from budget.common.money import MAX_AMOUNT, money_str
from budget.exchange.csv_cells import csv_cell_restore
from budget.money.models import REFERENCE_FIELDS, REFERENCE_NOUN, Kind

# Our field names, in the order of the default format, then the optional ones.
FIELDS = (
    "date",
    "kind",
    "amount",
    "signed_amount",
    "description",
    "category",
    "wallet",
    "bucket",
    "notes",
    "tags",
    "from_wallet",
    "to_wallet",
    "from_bucket",
    "to_bucket",
    "external_id",
)
KINDS = {kind.value: kind for kind in Kind}
DEFAULT_COLUMNS = ("date", "kind", "amount", "description", "category", "wallet")
DATE_FORMATS = {
    "iso": (re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})"), ("y", "m", "d"), "2025-03-31"),
    "DD/MM/YYYY": (
        re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"),
        ("d", "m", "y"),
        "31/03/2025",
    ),
    "MM/DD/YYYY": (
        re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})"),
        ("m", "d", "y"),
        "03/31/2025",
    ),
    "DD.MM.YYYY": (
        re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})"),
        ("d", "m", "y"),
        "31.03.2025",
    ),
}
DELIMITERS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
# With a decimal point: no thousands separators (a comma there would be ambiguous). With a
# decimal comma: groups of three digits separated by dots or by spaces (also the no-break
# spaces spreadsheets write), consistently.
# Digits are ASCII only (Python's \d takes any script's), and a group never starts with 0:
# "0.001" is no amount with a decimal comma.
_POINT_AMOUNT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_COMMA_AMOUNT = re.compile(
    r"[+-]?(?:[0-9]+|[1-9][0-9]{0,2}(?:\.[0-9]{3})+|[1-9][0-9]{0,2}(?:[ \u00a0\u202f][0-9]{3})+)"
    r"(?:,[0-9]+)?"
)
AMOUNT_EXAMPLES = {".": "1234.56", ",": "1234,56 or 1.234,56"}

MAX_LINE_BYTES = 64 * 1024  # a valid row is a few kilobytes at most
MAX_FIELD_CHARS = 10_000  # a quoted cell spanning lines is cut off here


class FileProblem(Exception):
    """The file as a whole cannot be read: answered as 422 (413 for `too_large`)."""

    def __init__(self, message: str, *, field: str = "file", too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.too_large = too_large


# --- Lines and cells ------------------------------------------------------------------------


class CsvReader:
    """The rows of an uploaded file as (line number, cells), the header first.

    The bytes are read line by line and decoded strictly as UTF-8 (a BOM is skipped), so a
    file in another encoding is refused with the line and byte that give it away. A line
    longer than MAX_LINE_BYTES is not kept: its row gets an error (`long_lines`).
    """

    def __init__(self, binary: IO[bytes], *, delimiter: str | None, max_rows: int) -> None:
        self.binary = binary
        self.max_rows = max_rows
        self.long_lines: set[int] = set()
        self.line_count = 0
        self._offset = 0
        lines = self._text_lines()
        first = next(lines, None)
        if first is None:
            raise FileProblem("The file is empty.")
        self.delimiter = delimiter or guess_delimiter(first)
        self._reader = csv.reader(_chain(first, lines), delimiter=self.delimiter, strict=False)

    def _text_lines(self) -> Iterator[str]:
        while True:
            raw = self.binary.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.line_count += 1
            number = self.line_count
            start = self._offset
            self._offset += len(raw)
            if number == 1:
                if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                    raise FileProblem(
                        'The file is UTF-16 text; save it as UTF-8 ("CSV UTF-8") and upload it '
                        "again."
                    )
                if raw.startswith(codecs.BOM_UTF8):
                    raw, start = raw[len(codecs.BOM_UTF8) :], start + len(codecs.BOM_UTF8)
                if b"\r" in raw.rstrip(b"\r\n"):
                    raise FileProblem(
                        "The lines of the file end with a carriage return only (an old Mac "
                        'format); save it as "CSV UTF-8" and upload it again.'
                    )
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                self._skip_rest_of_line()
                self.long_lines.add(number)
                yield "\n"  # an empty line in its place; the row loop reports it
                continue
            if b"\x00" in raw:
                position = start + raw.index(b"\x00") + 1
                raise FileProblem(
                    f"The file is not a CSV text file: line {number} contains a NUL byte "
                    f"(byte {position} of the file)."
                )
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise FileProblem(
                    f"The file is not UTF-8 text: line {number}, byte {error.start + 1} of the "
                    f"line (byte {start + error.start + 1} of the file, "
                    f"0x{raw[error.start]:02X}) cannot be decoded. Save the file as UTF-8 "
                    '("CSV UTF-8") and upload it again.'
                ) from error

    def _skip_rest_of_line(self) -> None:
        while True:
            raw = self.binary.readline(MAX_LINE_BYTES)
            self._offset += len(raw)
            if not raw or raw.endswith(b"\n"):
                return

    def rows(self) -> Iterator[tuple[int, list[str] | None]]:
        """(line where the row starts, cells), the header included; cells is None for a
        row that cannot be read (a line too long, a cell too large). Blank lines are skipped."""
        count = 0
        previous_end = 0
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error:
                cells = None
            line = previous_end + 1
            previous_end = self._reader.line_num
            if line in self.long_lines:
                cells = None
            elif cells is not None and not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > self.max_rows + 1:  # + the header
                raise FileProblem(
                    f"The file has more than {self.max_rows} rows; split it into smaller files.",
                    too_large=True,
                )
            yield line, cells


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def guess_delimiter(header: str) -> str:
    """The most frequent of , ; and tab in the header line (outside quotes); comma on a tie."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


# --- Columns ---------------------------------------------------------------------------------


@dataclass
class Options:
    mapping: dict[str, str] = field(default_factory=dict)
    date_format: str = "iso"
    decimal: str = "."
    delimiter: str | None = None
    wallet: UUID | None = None  # defaults, already resolved to ids
    income_category: UUID | None = None
    expense_category: UUID | None = None


def _key(name: str) -> str:
    return name.strip().casefold()


def columns_resolve(header: list[str], options: Options) -> dict[str, int]:
    """Which cell holds which field: {field: index}. Raises FileProblem naming every
    required column that is missing, or a mapping that names no column of the file."""
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        positions.setdefault(_key(name), []).append(index)
    shown = ", ".join(name.strip() for name in header[:30] if name.strip())

    columns: dict[str, int] = {}
    claimed: set[str] = set()
    for our, theirs in options.mapping.items():
        if _key(theirs) not in positions:
            raise FileProblem(
                f"The mapping names the column '{theirs}' for {our}, but the file has no such "
                f"column. Its columns are: {shown}.",
                field="mapping",
            )
        claimed.add(_key(theirs))
    signed = "signed_amount" in options.mapping
    for our in FIELDS:
        if signed and our in {"kind", "amount"}:
            continue
        name = options.mapping.get(our)
        if name is None and our not in claimed and _key(our) in positions:
            name = our
        if name is None:
            continue
        found = positions[_key(name)]
        if len(found) > 1:
            raise FileProblem(
                f"The column '{name.strip()}' appears {len(found)} times in the header; "
                "rename the extra ones.",
            )
        columns[our] = found[0]

    needed = ["date", *(["signed_amount"] if signed else ["kind", "amount"]), "description"]
    if not (options.income_category or options.expense_category):
        needed.append("category")
    if not options.wallet:
        needed.append("wallet")
    missing = [name for name in needed if name not in columns]
    if missing and len(missing) == len(needed):
        preview = ", ".join(cell.strip() for cell in header[:6])
        raise FileProblem(
            "The first line must be a header naming the columns "
            f"({', '.join(DEFAULT_COLUMNS)}); it reads: {preview}. Add a header line, or map "
            "the file's columns with `mapping`."
        )
    if missing:
        hints = []
        if "category" in missing:
            hints.append("a default income_category / expense_category")
        if "wallet" in missing:
            hints.append("a default wallet")
        hint = f", or give {' and '.join(hints)}" if hints else ""
        raise FileProblem(
            f"The file lacks the required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}. Its columns are: {shown}. Name them in the header or map "
            f"them with `mapping`{hint}."
        )
    return columns


# --- Cells -----------------------------------------------------------------------------------


def parse_date(text: str, date_format: str) -> date:
    pattern, order, example = DATE_FORMATS[date_format]
    match = pattern.fullmatch(text)
    if match is None:
        raise ValueError(f"'{text}' is not a date in the format {date_format} (e.g. {example}).")
    parts = dict(zip(order, map(int, match.groups()), strict=True))
    try:
        return date(parts["y"], parts["m"], parts["d"])
    except ValueError as error:
        raise ValueError(f"'{text}' is not a real date.") from error


def parse_amount(text: str, decimal: str) -> Decimal:
    """An exact Decimal with two places; a third decimal place is refused, never rounded."""
    pattern = _COMMA_AMOUNT if decimal == "," else _POINT_AMOUNT
    if not pattern.fullmatch(text):
        hint = ""
        if decimal == "." and "," in text and _COMMA_AMOUNT.fullmatch(text):
            hint = " If the file writes a decimal comma, choose decimal ','."
        raise ValueError(
            f"'{text}' is not an amount; write it like {AMOUNT_EXAMPLES[decimal]} "
            f"(no currency sign).{hint}"
        )
    if decimal == ",":
        text = re.sub(r"[. \u00a0\u202f]", "", text).replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as error:  # pragma: no cover - the pattern only lets numbers in
        raise ValueError(f"'{text}' is not an amount.") from error
    if number != number.quantize(Decimal("0.01"), rounding="ROUND_DOWN"):
        raise ValueError(f"'{text}' has more than 2 decimal places; nothing is rounded.")
    if abs(number) > MAX_AMOUNT:
        raise ValueError("The amount is too large (at most 999999999999.99).")
    return number.quantize(Decimal("0.01"))


NUMBER_FIELDS = frozenset({"amount", "signed_amount"})


def _cell_text(name: str, cell: str) -> str:
    """A cell's text. One our export neutralised (SPEC §19) is read back exactly, its quote
    off; every other cell is trimmed of the spaces banks pad cells with."""
    if name not in NUMBER_FIELDS:
        restored = csv_cell_restore(cell)
        if restored != cell:
            return restored
    return cell.strip()


def parse_tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.split("|") if tag.strip()]


# --- Rows ------------------------------------------------------------------------------------


@dataclass
class Names:
    """A ledger's wallets, buckets and categories, found by name (case-insensitive) or id."""

    wallet: dict[str, Any] = field(default_factory=dict)
    bucket: dict[str, Any] = field(default_factory=dict)
    category: dict[str, Any] = field(default_factory=dict)

    def add(self, noun: str, obj: Any) -> None:
        lookup = getattr(self, noun)
        lookup[obj.name.casefold()] = obj
        lookup[str(obj.pk)] = obj

    def find(self, noun: str, text: str) -> Any:
        return getattr(self, noun).get(text.strip().casefold())


@dataclass
class ParsedRow:
    data: dict[str, Any] | None  # the transaction's fields; None when a cell is bad
    errors: list[dict[str, str]]
    cells: dict[str, str]  # the raw text per field, for the preview of a bad row


class RowParser:
    def __init__(
        self, *, header: list[str], columns: dict[str, int], options: Options, names: Names
    ):
        self.header = header
        self.columns = columns
        self.options = options
        self.names = names
        self.width = len(header)

    def parse(self, cells: list[str]) -> ParsedRow:
        errors: list[dict[str, str]] = []

        def error(name: str, message: str) -> None:
            errors.append({"field": name, "message": message})

        if len(cells) > self.width and not any(cell.strip() for cell in cells[self.width :]):
            cells = cells[: self.width]  # a trailing delimiter
        if len(cells) != self.width:
            error(
                "row",
                f"This row has {len(cells)} cells but the header has {self.width}; quote "
                "values that contain the delimiter, and close every quote.",
            )
            return ParsedRow(None, errors, {})
        text = {name: _cell_text(name, cells[index]) for name, index in self.columns.items()}
        for name, value in text.items():
            if len(value) > MAX_FIELD_CHARS:
                error(name, f"The cell holds {len(value)} characters; far more than allowed.")
                text[name] = value[:100] + "…"
        if errors:
            return ParsedRow(None, errors, text)

        data: dict[str, Any] = {}
        options = self.options
        if "signed_amount" in self.columns:
            try:
                signed = parse_amount(text["signed_amount"], options.decimal)
            except ValueError as e:
                error(
                    "signed_amount", str(e) if text["signed_amount"] else "The amount is required."
                )
            else:
                if signed == 0:
                    error("signed_amount", "A zero amount is neither an income nor an expense.")
                data["kind"] = Kind.INCOME if signed > 0 else Kind.EXPENSE
                data["amount"] = abs(signed)
        else:
            kind = text["kind"].casefold()
            if kind in KINDS:
                data["kind"] = KINDS[kind]
            else:
                error(
                    "kind",
                    f"'{text['kind']}' is not a kind; use income, expense, transfer or adjustment."
                    if text["kind"]
                    else "The kind is required (income, expense, transfer or adjustment).",
                )
            try:
                data["amount"] = parse_amount(text["amount"], options.decimal)
            except ValueError as e:
                error("amount", str(e) if text["amount"] else "The amount is required.")
        try:
            data["date"] = parse_date(text["date"], options.date_format)
        except ValueError as e:
            error("date", str(e) if text["date"] else "The date is required.")

        data["description"] = text.get("description", "")
        data["notes"] = text.get("notes", "")
        data["tags"] = parse_tags(text.get("tags", ""))
        for name, noun in REFERENCE_NOUN.items():
            value = text.get(name, "")
            if not value:
                data[name] = None
                continue
            obj = self.names.find(noun, value)
            if obj is None:
                error(name, f"No {noun} named '{value}' in this ledger.")
            data[name] = obj.pk if obj is not None else None
        self._defaults(data)
        return ParsedRow(None if errors else data, errors, text)

    def _defaults(self, data: dict[str, Any]) -> None:
        kind = data.get("kind")
        if kind in (Kind.INCOME, Kind.EXPENSE, Kind.ADJUSTMENT) and not data["wallet"]:
            data["wallet"] = self.options.wallet
        if not data["category"]:
            if kind == Kind.INCOME:
                data["category"] = self.options.income_category
            elif kind == Kind.EXPENSE:
                data["category"] = self.options.expense_category


def preview_row(
    line: int, parsed: ParsedRow, *, valid: bool, names_by_id: dict[Any, str]
) -> dict[str, Any]:
    """A row as the dashboard shows it before the commit: names, not ids; the cells as
    written when they could not be read."""
    if parsed.data is None:
        cells = parsed.cells
        return {
            "row": line,
            "valid": False,
            "kind": cells.get("kind"),
            "date": cells.get("date"),
            "amount": cells.get("amount", cells.get("signed_amount")),
            "description": cells.get("description"),
            **{name: cells.get(name) or None for name in REFERENCE_FIELDS},
            "notes": cells.get("notes", ""),
            "tags": parse_tags(cells.get("tags", "")),
            "duplicate": None,
        }
    data = parsed.data
    return {
        "row": line,
        "valid": valid,
        "kind": str(data["kind"]),
        "date": data["date"].isoformat(),
        "amount": money_str(data["amount"]),
        "description": data["description"],
        **{name: names_by_id.get(data[name]) for name in REFERENCE_FIELDS},
        "notes": data["notes"],
        "tags": data["tags"],
        "duplicate": None,
    }
