"""A CSV import's form without Streamlit: the options the API takes, the column names on a
file's first line (read in the browser session; the file itself goes to the server), and the
mapping of columns to our fields."""

from __future__ import annotations

import csv
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dashboard import forms

DATE_FORMATS = {
    "iso": "2025-03-31 (ISO)",
    "DD/MM/YYYY": "31/03/2025",
    "MM/DD/YYYY": "03/31/2025",
    "DD.MM.YYYY": "31.03.2025",
}
DECIMALS = {".": "1234.56 (point)", ",": "1234,56 or 1.234,56 (comma)"}
DELIMITERS = {"": "Detect", ",": "Comma ,", ";": "Semicolon ;", "tab": "Tab"}
# Our fields that a column can be mapped to, in the order the mapping shows them.
MAPPED_FIELDS = (
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
FIELD_LABELS = {
    "signed_amount": "Signed amount",
    "date_format": "Date format",
    "file": "File",
    "external_id": "Bank's transaction id",
    "profile": "Profile",
}
SAME_NAME = ""  # a mapping choice: the column named like the field, if the file has one


@dataclass(frozen=True)
class Options:
    """What the form sends with the file, as the API's form fields."""

    date_format: str = "iso"
    decimal: str = "."
    delimiter: str = ""
    wallet: str | None = None
    income_category: str | None = None
    expense_category: str | None = None
    mapping: tuple[tuple[str, str], ...] = ()
    # An import profile: the server takes its options; only the defaults chosen here go along.
    profile: str | None = None

    def fields(self) -> dict[str, str]:
        if self.profile:
            fields = {"profile": self.profile}
            for name in ("wallet", "income_category", "expense_category"):
                value = getattr(self, name)
                if value:
                    fields[name] = str(value)
            return fields
        fields = {"date_format": self.date_format, "decimal": self.decimal}
        if self.delimiter:
            fields["delimiter"] = self.delimiter
        for name in ("wallet", "income_category", "expense_category"):
            value = getattr(self, name)
            if value:
                fields[name] = str(value)
        if self.mapping:
            fields["mapping"] = json.dumps(dict(self.mapping))
        return fields


def header_of(head: bytes, delimiter: str = "") -> list[str]:
    """The column names on the first line of ``head`` (the file's first bytes), as the server
    reads them: UTF-8 with or without a BOM; the delimiter guessed when not given."""
    text = head.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text.strip() else ""
    if not first.strip():
        return []
    sep = {"tab": "\t"}.get(delimiter, delimiter)
    if not sep:
        # The candidate that splits the header into the most columns.
        sep = max((",", ";", "\t"), key=lambda candidate: first.count(candidate))
    [names] = list(csv.reader([first], delimiter=sep, skipinitialspace=True)) or [[]]
    return [name.strip() for name in names if name.strip()]


def mapping_for(header: Sequence[str], chosen: Mapping[str, str]) -> dict[str, str]:
    """Only the fields whose column is not already found by its own name."""
    same = {name.casefold() for name in header}
    return {
        field: column
        for field, column in chosen.items()
        if column and not (column.casefold() == field.casefold() and field.casefold() in same)
    }


def missing_columns(
    header: Sequence[str],
    mapping: Mapping[str, str],
    *,
    signed: bool,
    default_wallet: bool,
    default_category: bool,
) -> list[str]:
    """The required fields that the file (as mapped) and the defaults leave without a value."""
    found = {name.casefold() for name in header} | set(mapping)
    needed = ["date", "signed_amount"] if signed else ["date", "kind", "amount"]
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
    if options.mapping:
        fields["mapping"] = dict(options.mapping)
    return fields


def profile_label(profile: Mapping[str, object], wallet_names: Mapping[str, str]) -> str:
    """A profile's name, and the wallet it is the default of."""
    wallet = profile.get("wallet")
    name = str(profile["name"])
    return f"{name} (default for {wallet_names[str(wallet)]})" if wallet in wallet_names else name
