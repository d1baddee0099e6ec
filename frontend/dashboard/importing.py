"""An import's form without Streamlit: the options the API takes, the column names a CSV
file's first lines seem to hold (read in the browser session; the file itself goes to the
server), the mapping of columns to our fields, and what the server detected, in words."""

from __future__ import annotations

import codecs
import csv
import datetime
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dashboard import forms

AUTO = "auto"  # the server detects the option from the file (SPEC §11)
# The server's named date formats (budget.exchange.values.NAMED_FORMATS), as strftime patterns.
NAMED_DATE_FORMATS = {
    "iso": "%Y-%m-%d",
    "YYYY/MM/DD": "%Y/%m/%d",
    "YYYY.MM.DD": "%Y.%m.%d",
    "YYYYMMDD": "%Y%m%d",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD.MM.YYYY": "%d.%m.%Y",
    "DD-MM-YYYY": "%d-%m-%Y",
    "MM-DD-YYYY": "%m-%d-%Y",
    "DD/MM/YY": "%d/%m/%y",
    "MM/DD/YY": "%m/%d/%y",
    "DD.MM.YY": "%d.%m.%y",
    "DD-MM-YY": "%d-%m-%y",
    "DD-Mon-YYYY": "%d-%b-%Y",
    "DD-Mon-YY": "%d-%b-%y",
    "DD Mon YYYY": "%d %b %Y",
    "DD Mon YY": "%d %b %y",
    "Mon DD, YYYY": "%b %d, %Y",
    "Mon DD YYYY": "%b %d %Y",
    "DD/MM'YY": "%d/%m'%y",
    "MM/DD'YY": "%m/%d'%y",
}
PATTERN = "pattern"  # a date format choice: the user's own strftime pattern
_EXAMPLE_DAY = datetime.date(2025, 3, 31)
DATE_FORMATS = {
    AUTO: "Detect (auto)",
    **{
        name: f"{_EXAMPLE_DAY.strftime(pattern)} ({'ISO' if name == 'iso' else name})"
        for name, pattern in NAMED_DATE_FORMATS.items()
    },
    PATTERN: "Other: a pattern such as %d.%m.%Y %H:%M",
}
DECIMALS = {AUTO: "Detect (auto)", ".": "1234.56 (point)", ",": "1234,56 or 1.234,56 (comma)"}
DELIMITERS = {
    AUTO: "Detect (auto)",
    ",": "Comma ,",
    ";": "Semicolon ;",
    "tab": "Tab",
    "|": "Pipe |",
}
ENCODINGS = {
    AUTO: "Detect (auto)",
    "utf-8": "UTF-8",
    "utf-16": "UTF-16",
    "latin-1": "Latin-1 (ISO 8859-1)",
    "cp1252": "Windows-1252 (Western Europe)",
    "cp1250": "Windows-1250 (Central Europe)",
}
FORMATS = {AUTO: "Detect (auto)", "csv": "CSV", "ofx": "OFX / QFX", "qif": "QIF", "camt": "CAMT"}
# Formats that name their own fields: no mapping, and the wallet comes from the form.
STRUCTURED = ("ofx", "qif", "camt")
# How a file gives its amounts (the server's amount ways): the fields each way needs.
AMOUNT_WAYS = {
    "kind": ("kind", "amount"),
    "signed": ("signed_amount",),
    "debit_credit": ("debit", "credit"),
}
AMOUNT_WAY_LABELS = {
    "kind": "A kind column and an amount",
    "signed": "One signed amount (negative = expense)",
    "debit_credit": "Debit and credit columns",
}
# Our fields that a column can be mapped to, in the order the mapping shows them.
MAPPED_FIELDS = (
    "date",
    "kind",
    "amount",
    "signed_amount",
    "debit",
    "credit",
    "description",
    "payee",
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
FIELD_LABELS = {
    "signed_amount": "Signed amount",
    "debit": "Debit (money out)",
    "credit": "Credit (money in)",
    "payee": "Payee",
    "date_format": "Date format",
    "file": "File",
    "external_id": "Bank's transaction id",
    "profile": "Profile",
    "format": "Format",
    "encoding": "Encoding",
    "delimiter": "Delimiter",
    "decimal": "Decimal separator",
    "negate": "Charges are positive",
    "header_line": "Header line",
}
HEADER_LINES = 30  # the server looks for the header among the file's first 30 lines
# Where a CSV's column names are (the option `header_line`): detected, a line, or none.
HEADER_AT_LINE = "line"
NO_HEADER = "none"
HEADER_LINE_CHOICES = {
    AUTO: "Detect (auto)",
    HEADER_AT_LINE: "On line …",
    NO_HEADER: "None: columns by position (#1, #2, …)",
}
_DELIMITER_CANDIDATES = (",", ";", "\t", "|")
SAME_NAME = ""  # a mapping choice: the column named like the field, if the file has one


@dataclass(frozen=True)
class Options:
    """What the form sends with the file, as the API's form fields."""

    date_format: str = AUTO
    decimal: str = AUTO
    delimiter: str = AUTO
    format: str = AUTO
    encoding: str = AUTO
    negate: bool = False
    header_line: str = AUTO  # auto, none, or a line number as text
    wallet: str | None = None
    income_category: str | None = None
    expense_category: str | None = None
    mapping: tuple[tuple[str, str], ...] = ()
    # An import profile: the server takes its options; only the defaults chosen here go along.
    profile: str | None = None

    def fields(self) -> dict[str, str]:
        fields: dict[str, str] = {}
        if self.profile:
            fields["profile"] = self.profile
        else:
            # `auto` is the server's default: only what the person chose goes along.
            for name in (
                "format",
                "encoding",
                "delimiter",
                "header_line",
                "date_format",
                "decimal",
            ):
                value = getattr(self, name)
                if value and value != AUTO:
                    fields[name] = value
            if self.negate:
                fields["negate"] = "true"
        for name in ("wallet", "income_category", "expense_category"):
            value = getattr(self, name)
            if value:
                fields[name] = str(value)
        if self.mapping and not self.profile:
            fields["mapping"] = json.dumps(dict(self.mapping))
        return fields


def sniffed_format(head: bytes) -> str | None:
    """OFX, QIF or CAMT as the server tells them by their first bytes; None for anything else
    (a CSV, as far as the form goes)."""
    text = _decoded(head, AUTO)[:4096].lstrip().upper()
    if text.startswith("OFXHEADER") or "<OFX>" in text:
        return "ofx"
    if text.startswith(("!TYPE", "!ACCOUNT", "!OPTION")):
        return "qif"
    if "CAMT.05" in text and "<DOCUMENT" in text:
        return "camt"
    return None


def header_of(
    head: bytes, delimiter: str = AUTO, encoding: str = AUTO, header_line: str = AUTO
) -> list[str]:
    """The column names of ``head`` (the file's first bytes) as far as the form can tell: the
    delimiter (unless given) is the one that splits most lines into the same number of cells,
    as the server guesses it; the header is the first of the first 30 lines with that many —
    preamble lines (an account number, a date range) have fewer. The server finds the header
    itself; this only offers the names to map.

    ``header_line`` as the option says: a line number takes that line's cells (the file's
    own line, blank ones counted); ``none`` names the columns by position, ``#1`` to ``#N``,
    as the mapping then must."""
    text = _decoded(head, encoding)
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    sep, width, rows = _table_shape(lines, delimiter)
    if header_line == NO_HEADER:
        return [f"#{number}" for number in range(1, width + 1)]
    if header_line.isdigit():
        physical = text.splitlines()
        number = int(header_line)
        if not 1 <= number <= len(physical):
            return []
        rows = list(csv.reader(physical[number - 1 : number], delimiter=sep, skipinitialspace=True))
        header = rows[0] if rows else []
    else:
        header = next((row for row in rows[:HEADER_LINES] if len(row) == width), [])
    return [name.strip() for name in header if name.strip()]


def first_cells(head: bytes, delimiter: str = AUTO, encoding: str = AUTO) -> list[str]:
    """The cells of the file's first line, as samples of what each column holds."""
    lines = [line for line in _decoded(head, encoding).splitlines() if line.strip()]
    if not lines:
        return []
    _, width, rows = _table_shape(lines, delimiter)
    return next((row for row in rows if len(row) == width), rows[0] if rows else [])


def _table_shape(lines: list[str], delimiter: str) -> tuple[str, int, list[list[str]]]:
    """(delimiter, the width most lines agree on, the lines as rows)."""
    sep = {"tab": "\t"}.get(delimiter, delimiter)
    candidates = (sep,) if sep and sep != AUTO else _DELIMITER_CANDIDATES
    best: tuple[tuple[int, int], str, list[list[str]]] = ((0, 0), candidates[0], [])
    for candidate in candidates:
        rows = list(csv.reader(lines, delimiter=candidate, skipinitialspace=True))
        widths = Counter(len(row) for row in rows if len(row) > 1)
        # The most lines that agree on one width; of equals, the wider table.
        score = max(((agreeing, width) for width, agreeing in widths.items()), default=(0, 0))
        if score > best[0]:
            best = (score, candidate, rows)
    (_, width), chosen, rows = best
    if not width:  # one column at most: the first line's single name
        return chosen, 1, list(csv.reader(lines[:1]))
    return chosen, width, rows


def _decoded(head: bytes, encoding: str) -> str:
    if encoding and encoding != AUTO:
        return head.decode(encoding, errors="replace")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head.decode("utf-16", errors="replace")
    return head.decode("utf-8-sig", errors="replace")


def detected_line(detected: Mapping[str, object] | None) -> str:
    """What the server read the file as, in one plain line (shown as text, not Markdown)."""
    if not detected or not detected.get("format"):
        return ""
    kind = str(detected["format"])
    parts = [f"Read as {FORMATS.get(kind, kind.upper())}"]
    if detected.get("encoding"):
        parts.append(str(detected["encoding"]))
    if kind == "csv":
        delimiter = detected.get("delimiter")
        if delimiter:
            shown = "tab" if delimiter in ("\t", "tab") else delimiter
            parts.append(f"delimiter {shown}")
        header = detected.get("header_line")
        parts.append(f"header on line {header}" if header else "no header line")
    if detected.get("date_format") and kind not in ("ofx", "camt"):
        parts.append(f"dates {detected['date_format']}")
    if detected.get("decimal") and kind in ("csv", "qif"):
        parts.append(f"decimal {detected['decimal']}")
    line = " · ".join(parts)
    skipped = int(detected.get("skipped") or 0)
    if skipped:
        entries = "entry" if skipped == 1 else "entries"
        line += f". {skipped:,} {entries} not booked {'was' if skipped == 1 else 'were'} left out."
    return line


def mapping_for(
    header: Sequence[str], chosen: Mapping[str, str], *, way: str = "kind"
) -> dict[str, str]:
    """The mapping to send: none while every column is found by its own name (and amounts come
    as a kind and an amount); else every field's column, the chosen one or the one named like
    the field — given a mapping, the server reads only the columns it names (SPEC §11)."""
    own = {name.casefold(): name for name in header}
    others = {f for w, fields in AMOUNT_WAYS.items() if w != way for f in fields}
    full = {}
    for field in MAPPED_FIELDS:
        column = chosen.get(field) or own.get(field.casefold())
        if column and field not in others:
            full[field] = column
    renamed = any(column.casefold() != field.casefold() for field, column in full.items())
    return full if renamed or way != "kind" else {}


def missing_columns(
    header: Sequence[str],
    mapping: Mapping[str, str],
    *,
    way: str = "kind",
    default_wallet: bool,
    default_category: bool,
) -> list[str]:
    """The required fields that the file (as mapped) and the defaults leave without a value."""
    found = {name.casefold() for name in header} | set(mapping)
    needed = ["date", *AMOUNT_WAYS[way]]
    if "payee" not in found:  # a row without a description takes its payee as one
        needed.append("description")
    if not default_category:
        needed.append("category")
    if not default_wallet:
        needed.append("wallet")
    return [field for field in needed if field not in found]


def field_label(name: str) -> str:
    """A field's name on the import form (its own fields first)."""
    return FIELD_LABELS.get(name) or forms.field_label(name)


def profile_options(options: Options) -> dict[str, object]:
    """What an import profile saves of the form: its fields, the mapping as an object."""
    fields: dict[str, object] = dict(options.fields())
    if options.negate:
        fields["negate"] = True
    if options.mapping:
        fields["mapping"] = dict(options.mapping)
    return fields


def profile_label(profile: Mapping[str, object], wallet_names: Mapping[str, str]) -> str:
    """A profile's name, and the wallet it is the default of."""
    wallet = profile.get("wallet")
    name = str(profile["name"])
    return f"{name} (default for {wallet_names[str(wallet)]})" if wallet in wallet_names else name
