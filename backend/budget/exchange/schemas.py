"""The exported ledger document (`GET …/export.json`, `POST /ledgers/import-json`), and the
CSV import job (`/ledgers/{lid}/imports`).

The document's models are plain pydantic models: a document holds many thousand
transactions, and validating plain dicts this way is several times faster than through
ninja's Schema."""

import datetime as dt
from functools import lru_cache
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Schema
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from budget.common.money import AnyMoney, Money, Percent
from budget.common.parser import JsonTooDeep, UnstorableText, json_loads
from budget.exchange.csv_rows import FIELDS, amount_way
from budget.exchange.models import ImportJob, ImportStatus
from budget.exchange.progress import is_stale, processed_of
from budget.exchange.values import NAMED_FORMATS, date_format_check
from budget.ledgers.schemas import _currency, _name
from budget.money.models import AllocationStatus, CategoryType, Kind, WalletKind
from budget.money.schemas import Name, Tag, _Named, references_schema
from budget.planning.models import Frequency, Threshold
from budget.planning.schemas import Month, WholePercent
from budget.rates.schemas import Currency, Rate

Ref = Annotated[str, Field(min_length=1, max_length=64)]
OptionalRef = Ref | None


class LedgerDoc(BaseModel):
    name: str = Field(max_length=100)
    currency: str = "EUR"

    _check_name = field_validator("name")(_name)
    _check_currency = field_validator("currency")(_currency)


class WalletDoc(BaseModel):
    id: Ref
    name: Name
    kind: WalletKind
    # SPEC §14: written only for a wallet in another currency than the ledger's.
    currency: str | None = None
    archived: bool = False

    _check_currency = field_validator("currency")(lambda v: None if v is None else _currency(v))


class BucketDoc(BaseModel):
    id: Ref
    name: Name
    allocation_percent: Percent | None = None
    is_system: bool = False
    archived: bool = False


class CategoryDoc(BaseModel):
    id: Ref
    name: Name
    type: CategoryType
    group: str | None = Field(None, max_length=50)
    default_bucket: Ref | None = None  # a bucket of the document; expense categories only
    archived: bool = False


class PayeeDoc(BaseModel):
    id: Ref
    name: Name


class AllocationDoc(BaseModel):
    bucket: Ref
    amount: Money


class SplitDoc(BaseModel):
    """A line of a split income or expense (SPEC §13)."""

    category: Ref
    amount: AnyMoney
    base_amount: AnyMoney | None = None  # written when it differs from the amount
    bucket: OptionalRef = None
    description: str = Field("", max_length=255)


class _TransactionFieldsDoc(
    references_schema("_ReferencesDoc", base=BaseModel, annotation=OptionalRef)
):
    """The fields of SPEC §2 that a transaction and a recurring template share; the
    references are the document's own ids."""

    kind: Kind
    amount: AnyMoney
    description: str = Field("", max_length=255)
    notes: str = Field("", max_length=2000)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    # The payee's name, for people reading the document; a restore goes by `payee` (the
    # document's id) and, without one, finds or creates the payee of this name.
    payee_name: str | None = Field(None, max_length=100)
    # SPEC §14: written only when set.
    to_amount: AnyMoney | None = None
    foreign_amount: AnyMoney | None = None
    foreign_currency: str | None = Field(None, max_length=3)


class TransactionDoc(_TransactionFieldsDoc):
    id: OptionalRef = None
    date: dt.date
    allocation_status: AllocationStatus | None = None
    allocations: list[AllocationDoc] = Field(default_factory=list, max_length=1000)
    splits: list[SplitDoc] = Field(default_factory=list, max_length=1000)
    # An occurrence of a template: the template's document id and the schedule date it
    # stands for. Deleting a template keeps its transactions and their recurring_date, so
    # recurring_date may come alone; recurring never comes without it.
    recurring: OptionalRef = None
    recurring_date: dt.date | None = None
    external_id: str = Field("", max_length=255)  # the bank's id (SPEC §11)
    # SPEC §14: written only for a transaction in another currency than the ledger's.
    currency: str | None = Field(None, max_length=3)
    base_amount: AnyMoney | None = None


class RecurringDoc(_TransactionFieldsDoc):
    id: Ref
    frequency: Frequency
    interval: int = Field(1, ge=1, le=1000)
    start_date: dt.date
    end_date: dt.date | None = None
    active: bool = True
    # Where the schedule stands: the newest occurrence made, and the next one to make.
    # Left out, next_date is worked out from the schedule and last_date.
    last_date: dt.date | None = None
    next_date: dt.date | None = None


class BudgetAlertDoc(BaseModel):
    """A threshold whose notification was already sent for that month."""

    month: Month
    threshold: Threshold


class BudgetDoc(BaseModel):
    id: Ref
    category: Ref
    amount: Money
    alert_percent: WholePercent = Field(80, ge=1, le=100)
    rollover: bool = False
    start_month: Month
    end_month: Month | None = None
    alerts: list[BudgetAlertDoc] = Field(default_factory=list, max_length=10_000)


class GoalDoc(BaseModel):
    id: Ref
    name: Name
    bucket: Ref
    target_amount: Money
    target_date: dt.date | None = None

    @field_validator("name")
    @classmethod
    def name_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("The name cannot be empty.")
        return value.strip()


class ImportedText(BaseModel):
    """The text fields of an imported row, with the limits of `TransactionFields`."""

    description: str = Field("", max_length=255)
    notes: str = Field("", max_length=2000)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    external_id: str = Field("", max_length=255)


# ImportedText's limits of its plain texts: a row without tags whose texts are within them
# passes ImportedText, and the check of 100 000 rows skips building the model for it.
IMPORTED_TEXT_LIMITS = {
    name: next(m.max_length for m in info.metadata if getattr(m, "max_length", None))
    for name, info in ImportedText.model_fields.items()
    if info.annotation is str
}


@lru_cache(maxsize=1024)
def _tags_pass(tags: tuple) -> bool:
    # Cached: the rows of a file (and the tags rules add) repeat a few sets of tags.
    try:
        ImportedText(tags=list(tags))
    except ValidationError:
        return False
    return True


def imported_text_fits(texts: dict) -> bool:
    """Whether `texts` (ImportedText's fields) surely pass ImportedText: texts within
    their limits, and tags that pass it. A loop, not all(): 100 000 rows."""
    for name, limit in IMPORTED_TEXT_LIMITS.items():
        value = texts[name]
        if not isinstance(value, str) or len(value) > limit:
            return False
    tags = texts["tags"]
    if not tags:
        return True
    try:
        return isinstance(tags, list) and _tags_pass(tuple(tags))
    except TypeError:  # a tag that is no text: ImportedText says so
        return False


class RateDoc(BaseModel):
    """One of the ledger's own exchange rates (SPEC §14): one `currency` is worth `rate`
    units of the ledger's currency on `date`."""

    currency: Currency
    date: dt.date
    rate: Rate


class LedgerDocument(BaseModel):
    """Version 2 added `recurring`, `budgets`, `goals` and the transactions' `recurring`
    and `recurring_date`; version 3 the transactions' `splits`, `payees` and the `payee` of
    transactions and templates. An older document has none of them, and restores as such.
    SPEC §14's fields (currencies, base amounts, `rates`) are optional within version 3."""

    format: Literal["budget-ledger"]
    version: Literal[1, 2, 3]
    ledger: LedgerDoc
    wallets: list[WalletDoc] = Field(default_factory=list, max_length=1000)
    buckets: list[BucketDoc] = Field(min_length=1, max_length=1000)
    categories: list[CategoryDoc] = Field(default_factory=list, max_length=1000)
    payees: list[PayeeDoc] = Field(default_factory=list, max_length=100_000)
    transactions: list[TransactionDoc] = Field(default_factory=list)
    recurring: list[RecurringDoc] = Field(default_factory=list, max_length=10_000)
    rates: list[RateDoc] = Field(default_factory=list, max_length=100_000)
    budgets: list[BudgetDoc] = Field(default_factory=list, max_length=10_000)
    goals: list[GoalDoc] = Field(default_factory=list, max_length=10_000)


class ImportedLedgerOut(Schema):
    id: str
    name: str
    currency: str
    role: str


# --- CSV import jobs --------------------------------------------------------------------------

DateFormat = Annotated[
    str,
    Field(
        max_length=100,
        description="auto (tries common formats, asks when two read every date differently), "
        f"one of {', '.join(NAMED_FORMATS)}, or a pattern of %d %m %y %Y %b %B %H %M %S %z %p "
        "%I with any literal text, e.g. %d.%m.%Y %H:%M.",
    ),
]
ImportFormat = Literal["auto", "csv", "ofx", "qif", "camt"]
OptionalName = Annotated[str, Field(max_length=100)] | None


def _blank_is_none(value: Any) -> Any:
    """A form sends an empty string for a field left empty; a tab is a delimiter, kept."""
    if isinstance(value, str) and value != "\t":
        return value.strip() or None
    return value


class ImportOptionsIn(Schema):
    """The form fields next to the file of `POST /ledgers/{lid}/imports`."""

    # A JSON text in the form; documented as a string so the docs page offers a text box.
    mapping: Annotated[
        dict[str, str] | None,
        WithJsonSchema(
            {
                "type": "string",
                "description": "JSON object: our field → the file's column, e.g. "
                '{"date": "Booking date", "signed_amount": "Amount", "description": "Text"}.',
            }
        ),
    ] = None
    date_format: DateFormat | None = "auto"
    decimal: Literal["auto", ".", ","] | None = Field(
        "auto", description="auto: the separator that reads every amount ('.' when both do)."
    )
    negate: bool | None = Field(
        False, description="Flips the sign of every amount (cards that export charges as positive)."
    )
    format: ImportFormat | None = Field(
        "auto", description="auto: told by the content (OFX, QIF, CAMT, else CSV)."
    )
    encoding: str | None = Field(
        "auto",
        max_length=40,
        description="auto (a BOM, the file's declaration, UTF-8, else detected) or a Python "
        "codec name: utf-8, utf-16, latin-1, cp1252, cp1250, …",
    )
    delimiter: str | None = Field(
        "auto", description="auto (sniffs , ; tab |), any single character, or `tab`."
    )
    header_line: int | Literal["auto", "none"] | None = Field(
        "auto",
        description="auto: the first of the first 30 lines naming every column wanted; a line "
        'number ≥ 1; or none (no header: the mapping names columns by position, "#3").',
    )
    profile: UUID | None = Field(
        None, description="An import profile of this ledger: its options, unless given here."
    )
    wallet: OptionalName = Field(None, description="Default wallet (id or name).")
    income_category: OptionalName = Field(None, description="Default income category.")
    expense_category: OptionalName = Field(None, description="Default expense category.")

    _blank = field_validator(
        "date_format",
        "decimal",
        "format",
        "encoding",
        "negate",
        "delimiter",
        "wallet",
        "income_category",
        "expense_category",
        mode="before",
    )(_blank_is_none)

    @field_validator("date_format")
    @classmethod
    def date_format_known(cls, value: str | None) -> str | None:
        return None if value is None else date_format_check(value)

    @field_validator("encoding")
    @classmethod
    def encoding_known(cls, value: str | None) -> str | None:
        if value is None or value == "auto":
            return value
        from budget.exchange.sources import codec_name

        if codec_name(value) is None:
            raise ValueError(
                f"Unknown encoding '{value}'; use auto or a codec name such as utf-8, utf-16, "
                "latin-1, cp1252, cp1250."
            )
        return value

    @field_validator("delimiter")
    @classmethod
    def delimiter_one_character(cls, value: str | None) -> str | None:
        if value is None or value in ("auto", "tab"):
            return value
        if len(value) != 1 or value in '\r\n"' or value.isalnum():
            raise ValueError(
                "The delimiter is auto, tab or one character that is not a letter, a digit, a "
                "quote or a line break."
            )
        return value

    @field_validator("header_line", mode="before")
    @classmethod
    def header_line_known(cls, value: Any) -> int | str | None:
        """auto, none, or the line number as an int (a form sends text)."""
        value = _blank_is_none(value)
        if value is None or value in ("auto", "none") or (type(value) is int and value >= 1):
            return value
        if not str(value).isdigit() or not 1 <= int(value) <= 1_000_000:
            raise ValueError("The header line is auto, none or a line number from 1 on.")
        return int(value)

    @field_validator("mapping", mode="before")
    @classmethod
    def mapping_json(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, str):
            try:
                value = json_loads(value)
            except (JsonTooDeep, UnstorableText):
                raise  # their own message, under `mapping`
            except ValueError as error:
                raise ValueError(
                    'The mapping must be a JSON object, e.g. {"date": "Booking date"}.'
                ) from error
        if not isinstance(value, dict):
            raise ValueError('The mapping must be a JSON object, e.g. {"date": "Booking date"}.')
        unknown = [key for key in value if key not in FIELDS]
        if unknown:
            raise ValueError(
                f"Unknown field{'s' if len(unknown) > 1 else ''} in the mapping: "
                f"{', '.join(map(str, unknown))}. Use: {', '.join(FIELDS)}."
            )
        for key, column in value.items():
            if not isinstance(column, str) or not column.strip() or len(column) > 200:
                raise ValueError(f"The mapping of {key} must name a column of the file.")
        if "signed_amount" in value and {"kind", "amount"} & set(value):
            raise ValueError(
                "Map either signed_amount (its sign gives the kind) or kind and amount, not both."
            )
        if amount_way(value) == "debit_credit":
            if not {"debit", "credit"} <= set(value):
                raise ValueError("Map debit and credit together: the file's two amount columns.")
            if {"signed_amount", "kind", "amount"} & set(value):
                raise ValueError(
                    "Map either debit and credit, or signed_amount, or kind and amount; not two "
                    "of them."
                )
        return value


# --- Import profiles ----------------------------------------------------------------------------


class ImportProfileOptions(ImportOptionsIn):
    """The options a profile saves: any of the import's form fields (the mapping as an
    object or its JSON text), checked as the import checks them; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def no_profile_in_a_profile(cls, value: Any) -> Any:
        if isinstance(value, dict) and "profile" in value:
            raise ValueError("A profile cannot name another profile.")
        return value


class ImportProfileIn(_Named):
    name: Name
    options: ImportProfileOptions = Field(default_factory=ImportProfileOptions)
    wallet: UUID | None = Field(
        None, description="The wallet this profile is the default for (one per wallet)."
    )


class ImportProfilePatch(_Named):
    name: Name | None = None
    options: ImportProfileOptions | None = None
    wallet: UUID | None = None


class ImportProfileOut(Schema):
    id: UUID
    name: str
    options: dict[str, Any]
    wallet: UUID | None = Field(None, alias="wallet_id")
    created_at: dt.datetime
    updated_at: dt.datetime


class CommitIn(Schema):
    skip_duplicates: bool = False
    skip_invalid: bool = Field(
        False, description="Import the valid rows of a file that has invalid ones too."
    )


class RowErrorOut(Schema):
    row: int
    field: str
    message: str


class DuplicateOut(Schema):
    row: int
    transaction: UUID


class ImportJobSummaryOut(Schema):
    id: UUID
    status: ImportStatus
    filename: str
    total_rows: int
    valid_rows: int
    error_count: int
    duplicate_count: int
    processed: int
    total: int
    created: int = Field(alias="created_count")
    skip_duplicates: bool
    stale: bool
    detail: str
    options: dict[str, Any]
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @staticmethod
    def resolve_processed(job: ImportJob) -> int:
        return processed_of(job)

    @staticmethod
    def resolve_stale(job: ImportJob) -> bool:
        return is_stale(job)


class DetectedOut(Schema):
    """What the check read the file as (SPEC §11)."""

    format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    header_line: int | None = None
    date_format: str | None = None
    decimal: str | None = None
    skipped: int = Field(0, description="Entries a CAMT file holds but not booked, left out.")


class ImportJobOut(ImportJobSummaryOut):
    detected: DetectedOut
    errors: list[RowErrorOut]
    errors_truncated: bool
    duplicates: list[DuplicateOut]
    duplicates_truncated: bool
    preview: list[dict[str, Any]]

    @staticmethod
    def resolve_errors_truncated(job: ImportJob) -> bool:
        return job.error_count > len(job.errors)

    @staticmethod
    def resolve_duplicates_truncated(job: ImportJob) -> bool:
        return job.duplicate_count > len(job.duplicates)
