"""Reading the records of an uploaded file into transaction data, one at a time (SPEC §9,
§10, §11).

No database here: `budget.exchange.sources` turns the uploaded bytes (CSV, OFX, QIF, CAMT)
into records, our field → the file's text; `RowParser` turns the text of one record into the
fields of a transaction (dates and amounts in the file's format, names of wallets, buckets
and categories into ids), to be checked by `budget.money.rules` like every other transaction.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from budget.common.currencies import amount_str_exact, currency_check
from budget.exchange.csv_cells import QUOTE, csv_cell_restore
from budget.exchange.values import AUTO, parse_amount, parse_date
from budget.money.models import REFERENCE_FIELDS, REFERENCE_NOUN, Kind
from budget.money.services import payee_name_clean

# Our field names, in the order of the default format, then the optional ones.
FIELDS = (
    "date",
    "kind",
    "amount",
    "signed_amount",
    "debit",
    "credit",
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
    # The payee's name (SPEC §12): found or created by name when the row is imported. A
    # record without a description takes it as its description too (budget.exchange.sources).
    "payee",
    "external_id",
    # SPEC §14: the row's currency must be its wallet's; the amount in the ledger's
    # currency (else converted at the rate of the date), the transfer's receiving amount,
    # what the receipt said. The export writes them all.
    "currency",
    "base_amount",
    "to_amount",
    "foreign_amount",
    "foreign_currency",
    # Never read into the transaction (a date is a day).
    "time",  # mapped so that a file's time column is named, and then ignored (SPEC §11)
    # The lines of a split transaction (SPEC §13): consecutive rows with the same split_of
    # are one transaction, each row a line in its category with its amount.
    "split_of",
    "split_bucket",
    "split_description",
)
KINDS = {kind.value: kind for kind in Kind}
DEFAULT_COLUMNS = ("date", "kind", "amount", "description", "category", "wallet")
# The three ways a file gives amounts; a mapping picks one (SPEC §9, §11).
AMOUNT_WAYS = {
    "kind": ("kind", "amount"),
    "signed": ("signed_amount",),
    "debit_credit": ("debit", "credit"),
}


def amount_way(mapping: dict[str, str]) -> str:
    """How the mapped file gives its amounts: a kind column and magnitudes, signed amounts,
    or a debit and a credit column."""
    if "debit" in mapping or "credit" in mapping:
        return "debit_credit"
    return "signed" if "signed_amount" in mapping else "kind"


MAX_FIELD_CHARS = 10_000  # a quoted cell spanning lines is cut off here


class FileProblem(Exception):
    """The file as a whole cannot be read: answered as 422 (413 for `too_large`)."""

    def __init__(self, message: str, *, field: str = "file", too_large: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.too_large = too_large


# --- Columns ---------------------------------------------------------------------------------


@dataclass
class Options:
    mapping: dict[str, str] = field(default_factory=dict)
    date_format: str = AUTO  # auto is resolved (values_detect) before any row is parsed
    decimal: str = AUTO
    negate: bool = False  # flips the sign of signed amounts (debit ↔ credit)
    delimiter: str | None = None  # None: guessed
    format: str = "auto"
    encoding: str = "auto"
    header_line: int | str = "auto"  # a line number, "auto" or "none"
    wallet: UUID | None = None  # defaults, already resolved to ids
    income_category: UUID | None = None
    expense_category: UUID | None = None


OTHER_WAYS = {
    way: {f for other in AMOUNT_WAYS.values() for f in other} - set(fields)
    for way, fields in AMOUNT_WAYS.items()
}


# --- Cells -----------------------------------------------------------------------------------


NUMBER_FIELDS = frozenset(
    {"amount", "signed_amount", "debit", "credit", "base_amount", "to_amount", "foreign_amount"}
)
# SPEC §14's amounts of a row, each optional.
CURRENCY_AMOUNTS = ("base_amount", "to_amount", "foreign_amount")


def csv_cell_text(name: str, cell: str) -> str:
    """A cell's text. One our export neutralised (SPEC §19) is read back exactly, its quote
    off; every other cell is trimmed of the spaces banks pad cells with."""
    # Only a cell starting with a quote can be neutralised: the test first (2.6 million
    # cells in a file of 100 000 rows).
    if cell[:1] == QUOTE and name not in NUMBER_FIELDS:
        restored = csv_cell_restore(cell)
        if restored != cell:
            return restored
    return cell.strip()


def parse_tags(text: str) -> list[str]:
    if not text:  # most rows
        return []
    return [tag.strip() for tag in text.split("|") if tag.strip()]


# --- Rows ------------------------------------------------------------------------------------


@dataclass
class Names:
    """A ledger's wallets, buckets and categories, found by name (case-insensitive) or id."""

    wallet: dict[str, Any] = field(default_factory=dict)
    bucket: dict[str, Any] = field(default_factory=dict)
    category: dict[str, Any] = field(default_factory=dict)
    base: str = ""  # the ledger's currency
    # find_category's answers by cell text: a file names the same few categories in
    # every row.
    _categories_found: dict[str, Any] = field(default_factory=dict, repr=False)

    def add(self, noun: str, obj: Any) -> None:
        lookup = getattr(self, noun)
        lookup[obj.name.casefold()] = obj
        lookup[str(obj.pk)] = obj
        self._categories_found.clear()

    def find(self, noun: str, text: str) -> Any:
        return getattr(self, noun).get(text.strip().casefold())

    def find_category(self, text: str) -> Any:
        """A category by name; a path that names none is tried part by part (see
        `category_candidates`)."""
        if text not in self._categories_found:
            self._categories_found[text] = next(
                (
                    found
                    for name in category_candidates(text)
                    if (found := self.find("category", name))
                ),
                None,
            )
        return self._categories_found[text]


def category_candidates(text: str) -> list[str]:
    """The names a category cell may mean, in the order they are tried. A path such as
    QIF's `Food:Groceries` (a subcategory; other apps export groups alike) is the whole
    name first, then its last part, then its parent, and so on up: `Food:Groceries`,
    `Groceries`, `Food`. A ledger's categories are flat, so the most specific name it has
    wins; a path of which no part is a category stays a row error."""
    parts = [part.strip() for part in text.split(":")]
    if len(parts) < 2 or not all(parts):
        return [text]
    names = []
    for end in range(len(parts), 0, -1):
        names += [":".join(parts[:end]), parts[end - 1]]
    return list(dict.fromkeys(names))


@dataclass
class ParsedRow:
    data: dict[str, Any] | None  # the transaction's fields; None when a cell is bad
    errors: list[dict[str, str]]
    cells: dict[str, str]  # the raw text per field, for the preview of a bad row


class RowParser:
    """The fields of one record (our field → the file's text; see `budget.exchange.sources`)
    as a transaction's data."""

    def __init__(self, *, options: Options, names: Names):
        self.options = options
        self.names = names
        # Each date text read once (a file of 100 000 rows has about a thousand days): the
        # date, or why the text is none, by (text, format).
        self._dates: dict[tuple[str, str], date | str] = {}

    def _date(self, text: str) -> date:
        key = (text, self.options.date_format)
        if key not in self._dates:
            try:
                self._dates[key] = parse_date(text, self.options.date_format)
            except ValueError as e:
                self._dates[key] = str(e)
        found = self._dates[key]
        if isinstance(found, str):
            raise ValueError(found)
        return found

    def parse(self, text: dict[str, str]) -> ParsedRow:
        errors: list[dict[str, str]] = []

        def error(name: str, message: str) -> None:
            errors.append({"field": name, "message": message})

        text = dict(text)
        if max(map(len, text.values()), default=0) > MAX_FIELD_CHARS:  # seldom: no loop
            for name, value in text.items():
                if len(value) > MAX_FIELD_CHARS:
                    error(name, f"The cell holds {len(value)} characters; far more than allowed.")
                    text[name] = value[:100] + "…"
            return ParsedRow(None, errors, text)

        data: dict[str, Any] = {}
        options = self.options
        if "debit" in text or "credit" in text:
            self._debit_credit(text, data, error)
        elif "signed_amount" in text:
            try:
                signed = parse_amount(text["signed_amount"], options.decimal)
            except ValueError as e:
                error(
                    "signed_amount", str(e) if text["signed_amount"] else "The amount is required."
                )
            else:
                if signed == 0:
                    error("signed_amount", "A zero amount is neither an income nor an expense.")
                data["kind"] = Kind.INCOME if (signed > 0) != options.negate else Kind.EXPENSE
                data["amount"] = abs(signed)
        else:
            text.setdefault("kind", "")
            text.setdefault("amount", "")
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
        text.setdefault("date", "")
        try:
            data["date"] = self._date(text["date"])
        except ValueError as e:
            error("date", str(e) if text["date"] else "The date is required.")

        data["description"] = text.get("description", "")
        data["notes"] = text.get("notes", "")
        data["tags"] = parse_tags(text.get("tags", ""))
        # The payee by name, created at the commit when the ledger has none of that name.
        data["payee"] = None
        payee = text.get("payee")
        data["payee_name"] = (payee_name_clean(payee) or None) if payee else None
        for name, noun in REFERENCE_NOUN.items():
            if name == "payee":
                continue
            value = text.get(name, "")
            if not value:
                data[name] = None
                continue
            if name == "category":
                obj = self.names.find_category(value)
            else:
                obj = self.names.find(noun, value)
            if obj is None:
                others = category_candidates(value)[1:] if name == "category" else []
                nor = f" (nor {', '.join(repr(n) for n in others)})" if others else ""
                error(name, f"No {noun} named '{value}'{nor} in this ledger.")
            data[name] = obj.pk if obj is not None else None
        self._defaults(data)
        self._currencies(text, data, error)
        return ParsedRow(None if errors else data, errors, text)

    def _currencies(self, text: dict[str, str], data: dict[str, Any], error) -> None:
        """SPEC §14: the row's `currency` (a column, or the statement's) is its wallet's;
        the other amounts are read as given (their decimals are checked with the rules of
        every transaction)."""
        for name in CURRENCY_AMOUNTS:
            if text.get(name):
                try:
                    data[name] = parse_amount(text[name], self.options.decimal)
                except ValueError as e:
                    error(name, str(e))
        if text.get("foreign_currency"):
            try:
                data["foreign_currency"] = currency_check(text["foreign_currency"])
            except ValueError as e:
                error("foreign_currency", str(e))
        written = text.get("currency", "").strip()
        if not written:
            return
        try:
            currency = currency_check(written)
        except ValueError as e:
            error("currency", str(e))
            return
        wallet = self.names.find("wallet", str(data.get("wallet") or data.get("from_wallet") or ""))
        expected = (wallet.currency if wallet is not None else "") or self.names.base
        if expected and currency != expected:
            holder = f"the wallet {wallet.name}" if wallet is not None else "the ledger"
            error("currency", f"This row is in {currency}; {holder} is in {expected}.")

    def splits_join(self, rows: list[ParsedRow]) -> tuple[dict[str, Any], list[tuple[int, dict]]]:
        """The rows of one split transaction (each parsed, none with errors) as its data: the
        first row's fields, the lines' sum as its amount (or the record's `split_total`, which
        the lines must then add up to), a line per row. Errors as (row index, error)."""
        errors: list[tuple[int, dict]] = []
        first = rows[0].data
        kind = first["kind"]
        lines = []
        for index, row in enumerate(rows):
            data, cells = row.data, row.cells
            if data["kind"] != kind:
                errors.append(
                    (
                        index,
                        {
                            "field": "kind",
                            "message": f"The first line of this split is "
                            f"{'an' if kind == Kind.INCOME else 'a'} {kind}, this one "
                            f"{'an' if data['kind'] == Kind.INCOME else 'a'} {data['kind']}; "
                            "the lines of a split are all incomes or all expenses.",
                        },
                    )
                )
            bucket = None
            if cells.get("split_bucket"):
                found = self.names.find("bucket", cells["split_bucket"])
                if found is None:
                    errors.append(
                        (
                            index,
                            {
                                "field": "split_bucket",
                                "message": f"No bucket named '{cells['split_bucket']}' here.",
                            },
                        )
                    )
                bucket = found.pk if found is not None else None
            lines.append(
                {
                    "category": data["category"],
                    "amount": data["amount"],
                    "bucket": bucket,
                    "description": cells.get("split_description", ""),
                }
            )
        joined = {**first, "category": None, "splits": lines}
        # The export writes each line's base amount: the transaction's is their sum.
        bases = [row.data.get("base_amount") for row in rows]
        joined["base_amount"] = None if None in bases else sum(bases, Decimal("0.00"))
        joined["amount"] = sum((line["amount"] for line in lines), Decimal("0.00"))
        total = rows[0].cells.get("split_total")
        if total:
            try:
                joined["amount"] = abs(parse_amount(total, self.options.decimal))
            except ValueError as e:
                errors.append((0, {"field": "amount", "message": str(e)}))
        return joined, errors

    def _debit_credit(self, text: dict[str, str], data: dict[str, Any], error) -> None:
        """Two columns of magnitudes (a sign in them means nothing): a debit is an expense, a
        credit an income; `negate` swaps them."""
        amounts = {}
        for name in ("debit", "credit"):
            if text.get(name):
                try:
                    amounts[name] = abs(parse_amount(text[name], self.options.decimal))
                except ValueError as e:
                    error(name, str(e))
                    return
        debit, credit = amounts.get("debit"), amounts.get("credit")
        if debit and credit:
            error("credit", "The row has both a debit and a credit; leave one of them empty.")
        elif not (debit or credit):
            error("debit", "The row has neither a debit nor a credit amount.")
        else:
            data["kind"] = Kind.EXPENSE if bool(debit) != self.options.negate else Kind.INCOME
            data["amount"] = debit or credit

    def _defaults(self, data: dict[str, Any]) -> None:
        kind = data.get("kind")
        if kind in (Kind.INCOME, Kind.EXPENSE, Kind.ADJUSTMENT) and not data["wallet"]:
            data["wallet"] = self.options.wallet

    def category_default(self, data: dict[str, Any]) -> None:
        """The import's default category for a row that has none after the rules and the
        payee history had their turn (SPEC §11)."""
        kind = data.get("kind")
        if not data["category"]:
            if kind == Kind.INCOME:
                data["category"] = self.options.income_category
            elif kind == Kind.EXPENSE:
                data["category"] = self.options.expense_category


def preview_row(
    line: int, parsed: ParsedRow, *, valid: bool, names_by_id: dict[Any, str], currency: str
) -> dict[str, Any]:
    """A row as the dashboard shows it before the commit: names, not ids; the cells as
    written when they could not be read. `currency` is the row's (its wallet's, SPEC §14):
    the amount has its decimals, as the transaction will answer it ("1200" JPY, "1.250"
    KWD)."""
    if parsed.data is None:
        cells = parsed.cells
        return {
            "row": line,
            "valid": False,
            "kind": cells.get("kind"),
            "date": cells.get("date"),
            "amount": next(
                (cells[f] for f in ("amount", "signed_amount", "debit", "credit") if cells.get(f)),
                None,
            ),
            "currency": currency,
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
        "amount": amount_str_exact(data["amount"], currency),
        "currency": currency,
        "description": data["description"],
        **{name: names_by_id.get(data[name]) for name in REFERENCE_FIELDS},
        "payee": data.get("payee_name"),  # by name, as the other references
        "notes": data["notes"],
        "tags": data["tags"],
        "duplicate": None,
    }
