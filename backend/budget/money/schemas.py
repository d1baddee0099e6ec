import datetime as dt
from typing import Annotated, Any, Literal
from uuid import UUID

from django.db.models import Q
from ninja import Field, FilterLookup, FilterSchema, Schema
from ninja.responses import NinjaJSONEncoder
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PrivateAttr,
    create_model,
    field_serializer,
    field_validator,
    model_serializer,
)

from budget.common.currencies import currency_check, places
from budget.common.money import (
    ZERO,
    AnyMoney,
    Money,
    MoneyOut,
    Percent,
    base_currency,
    money_str,
)
from budget.money import selectors
from budget.money.models import (
    REFERENCE_FIELDS,
    AllocationStatus,
    CategoryType,
    Kind,
    WalletKind,
)

Name = Annotated[str, Field(min_length=1, max_length=100)]


class _Named(Schema):
    @field_validator("name", check_fields=False)
    @classmethod
    def name_not_blank(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not value.strip():
            raise ValueError("The name cannot be empty.")
        return value.strip()


class ArchivedFilter(Schema):
    archived: bool | None = None


# --- Wallets ------------------------------------------------------------------------------


def _currency(value: str | None) -> str | None:
    return None if value is None else currency_check(value)


CurrencyIn = Annotated[
    str | None,
    Field(None, description="ISO 4217 code; see GET /currencies"),
    AfterValidator(_currency),
]


def _in_currency(value, info, name: str = "currency"):
    """A serializer's help: `value` with the decimals of the object's `name` currency."""
    return None if value is None else money_str(value, getattr(info, name, None) or None)


class WalletIn(_Named):
    name: Name
    kind: WalletKind
    currency: CurrencyIn = Field(
        None, description="ISO 4217; default the ledger's. Fixed once it has transactions."
    )
    opening_balance: AnyMoney | None = None
    opening_date: dt.date | None = None
    archived: bool = False


class WalletPatch(_Named):
    name: Name | None = None
    kind: WalletKind | None = None
    currency: CurrencyIn = None
    archived: bool | None = None


class WalletOut(Schema):
    id: UUID
    name: str
    kind: WalletKind
    currency: str
    archived: bool
    balance: MoneyOut = Field(description="In the wallet's currency")
    created_at: dt.datetime

    @field_serializer("balance", when_used="always")
    def balance_out(self, value):
        return _in_currency(value, self)


class ReconcileIn(Schema):
    actual_balance: AnyMoney
    date: dt.date | None = None


# --- Buckets ------------------------------------------------------------------------------


class BucketIn(_Named):
    name: Name
    allocation_percent: Percent = ZERO
    archived: bool = False


class BucketPatch(_Named):
    name: Name | None = None
    allocation_percent: Percent | None = None
    archived: bool | None = None


class BucketOut(Schema):
    id: UUID
    name: str
    allocation_percent: Percent | None
    is_system: bool
    archived: bool
    balance: MoneyOut
    created_at: dt.datetime


class PercentsIn(Schema):
    percents: dict[UUID, Percent]


class BucketListOut(Schema):
    items: list[BucketOut]
    count: int


# --- Categories ---------------------------------------------------------------------------


def _group_clean(value: str | None) -> str:
    """A group name, trimmed; blank or null: no group."""
    return (value or "").strip()


GroupIn = Annotated[
    str | None,
    Field(
        max_length=50,
        description='A short name shared by several categories, e.g. "Fixed costs"; '
        "reports give a subtotal per group. Empty or null: no group",
    ),
    AfterValidator(_group_clean),
]


DefaultBucket = Annotated[
    UUID | None,
    Field(
        description="Expense categories: the bucket an expense of this category goes to when "
        "it names none (an active bucket of the ledger); null: Unallocated"
    ),
]


class CategoryIn(_Named):
    name: Name
    type: CategoryType
    group: GroupIn = None
    default_bucket: DefaultBucket = None
    archived: bool = False


class CategoryPatch(_Named):
    name: Name | None = None
    type: CategoryType | None = None
    group: GroupIn = None
    default_bucket: DefaultBucket = None
    archived: bool | None = None


class CategoryOut(Schema):
    id: UUID
    name: str
    type: CategoryType
    group: str | None = Field(description="The category's group; null: none")
    default_bucket: UUID | None = Field(
        description="The bucket an expense of this category without one goes to; null: none"
    )
    archived: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_default_bucket(category) -> UUID | None:
        return category.default_bucket_id

    @staticmethod
    def resolve_group(category) -> str | None:
        return category.group or None


# --- Payees -------------------------------------------------------------------------------


class PayeeIn(_Named):
    name: Name


class PayeePatch(_Named):
    name: Name | None = None


class PayeeOut(Schema):
    id: UUID
    name: str
    transaction_count: int
    created_at: dt.datetime


class PayeeFilters(Schema):
    q: str | None = Field(None, max_length=100, description="Text in the name.")


class PayeeMergeIn(Schema):
    into: UUID


class PayeeMergeOut(Schema):
    moved: int


# --- Transactions -------------------------------------------------------------------------

Tag = Annotated[str, Field(min_length=1, max_length=50)]


def references_schema(
    name: str, *, base: type[BaseModel] = Schema, annotation: Any = UUID | None, out: bool = False
) -> type[BaseModel]:
    """A schema with the seven references of a transaction (REFERENCE_FIELDS, from the
    model): optional on the way in; on the way out read from the model's `<field>_id`.
    The API's schemas and the exported document all take their references from here."""
    return create_model(
        name,
        __base__=base,
        **{
            field: (annotation, Field(alias=f"{field}_id") if out else None)
            for field in REFERENCE_FIELDS
        },
    )


PayeeName = Annotated[
    str | None,
    Field(
        None,
        max_length=100,
        description="The payee by name, instead of `payee`: matched whatever its case, "
        'created when the ledger has none of that name; "" removes the payee.',
    ),
]


class TransactionFields(references_schema("TransactionReferences")):
    """The fields a transaction and a recurring template share (SPEC §2)."""

    payee_name: PayeeName = None
    description: str = Field("", max_length=255)
    notes: str = Field("", max_length=2000)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    # SPEC §14: what arrives, in the receiving wallet's currency (a transfer between
    # wallets of different currencies only); what a receipt said in another currency.
    to_amount: AnyMoney | None = None
    foreign_amount: AnyMoney | None = None
    foreign_currency: CurrencyIn = None


class TransactionFieldsOut(references_schema("TransactionReferencesOut", out=True)):
    """What a transaction and a recurring template show of their shared fields."""

    kind: Kind
    amount: MoneyOut
    description: str
    notes: str
    tags: list[str]
    payee_name: str | None = None
    to_amount: MoneyOut | None = None
    foreign_amount: MoneyOut | None = None
    foreign_currency: str | None = None

    @staticmethod
    def resolve_foreign_currency(obj) -> str | None:
        return obj.foreign_currency or None

    @field_serializer("foreign_amount", when_used="always")
    def foreign_amount_out(self, value):
        return _in_currency(value, self, "foreign_currency")

    @field_serializer("to_amount", when_used="always")
    def to_amount_out(self, value):
        return _in_currency(value, self, "to_currency")

    @field_serializer("amount", when_used="always")
    def amount_out(self, value):
        return _in_currency(value, self)

    @staticmethod
    def resolve_payee_name(obj) -> str | None:
        # Read through the payee the selector joined (select_related): no query per row.
        return obj.payee.name if obj.payee_id else None


# The bank's id of a transaction (SPEC §11); a transaction's own, not a template's.
ExternalId = Annotated[str | None, Field(None, max_length=255)]


class SplitIn(Schema):
    """One line of a split income or expense (SPEC §13)."""

    category: UUID
    amount: AnyMoney
    bucket: UUID | None = None
    description: str = Field("", max_length=255)


class SplitOut(Schema):
    id: UUID
    category: UUID = Field(alias="category_id")
    category_name: str = Field(alias="category.name")
    bucket: UUID | None = Field(alias="bucket_id")
    bucket_name: str | None
    amount: MoneyOut = Field(description="In the transaction's currency")
    base_amount: MoneyOut = Field(description="The line's part of the base amount")
    description: str

    @staticmethod
    def resolve_bucket_name(obj) -> str | None:
        return obj.bucket.name if obj.bucket_id else None


BaseAmountIn = Annotated[
    Money | None,
    Field(
        None,
        description="In the ledger's currency: what the bank charged, for an amount in "
        "another currency (else converted at the rate of the date). Ignored in the base "
        "currency, where it is the amount.",
    ),
]


class TransactionIn(TransactionFields):
    kind: Kind
    date: dt.date
    amount: AnyMoney
    base_amount: BaseAmountIn = None
    external_id: ExternalId = None
    splits: list[SplitIn] | None = None


class TransactionPatch(TransactionFields):
    kind: Kind | None = None
    date: dt.date | None = None
    amount: AnyMoney | None = None
    base_amount: BaseAmountIn = None
    description: str | None = Field(None, max_length=255)
    notes: str | None = Field(None, max_length=2000)
    tags: list[Tag] | None = Field(None, max_length=20)
    external_id: ExternalId = None
    splits: list[SplitIn] | None = None


# The most transactions one bulk request creates or edits.
BULK_MAX = 1000


class BulkIn(Schema):
    items: list[dict] = Field(min_length=1, max_length=BULK_MAX)


class BulkChanges(TransactionPatch):
    """The fields of a PATCH, set alike on every transaction of a bulk edit. A field this
    does not know is an error (never silently dropped while the answer says "updated")."""

    model_config = ConfigDict(extra="forbid")
    # Checked against the base currency's decimals here (as the field `changes.amount`),
    # and against each transaction's own currency by the service.
    amount: Money | None = None


class BulkPatchIn(Schema):
    ids: list[UUID] = Field(min_length=1, max_length=BULK_MAX)
    changes: BulkChanges


class BulkPatchOut(Schema):
    updated: int


class AllocationOut(Schema):
    bucket: UUID = Field(alias="bucket_id")
    bucket_name: str = Field(alias="bucket.name")
    amount: MoneyOut


class TransactionOut(TransactionFieldsOut):
    id: UUID
    date: dt.date
    currency: str = Field(description="The currency of `amount` (ISO 4217)")
    base_amount: MoneyOut = Field(description="In the ledger's currency, frozen when booked")
    to_currency: str | None = Field(
        None, description="The currency of `to_amount`: the receiving wallet's"
    )

    @model_serializer(mode="wrap", when_used="always")
    def lines_in_currency(self, handler):
        # A split line's amount is in the transaction's currency.
        data = handler(self)
        if places(self.currency) != places(base_currency()):
            for line, row in zip(data.get("splits") or (), self.splits, strict=False):
                line["amount"] = money_str(row.amount, self.currency)
        # The running balance is the filtered wallet's, in its currency (SPEC §14).
        if self.running_balance is not None and self.running_currency:
            data["running_balance"] = money_str(self.running_balance, self.running_currency)
        return data

    allocation_status: AllocationStatus
    allocations: list[AllocationOut] = Field(alias="prefetched_allocations")
    splits: list[SplitOut] = Field(alias="prefetched_splits")
    recurring: UUID | None = Field(None, alias="recurring_id")
    group_expense: UUID | None = Field(None, alias="group_expense_id")
    external_id: str
    created_at: dt.datetime
    updated_at: dt.datetime
    running_balance: MoneyOut | None = Field(
        None,
        description=(
            "Only in the transaction list filtered by one wallet (`wallet=<id>`): that "
            "wallet's balance right after this transaction, counting every transaction of the "
            "wallet in date order, then as entered (whatever the other filters keep). "
            "Null otherwise."
        ),
    )
    # The filtered wallet's currency (set with running_balance); not written.
    running_currency: str | None = Field(None, exclude=True)


_WRITE_TIME = NinjaJSONEncoder().default  # milliseconds, "Z" for UTC, as the API writes them


def _id(value: UUID | None) -> str | None:
    return None if value is None else str(value)


def transaction_out_plain(tx: Any) -> dict[str, Any]:
    """`TransactionOut.model_validate(tx).model_dump()` of a list row read as plain values
    (`selectors.transaction_rows`), with the text the API's JSON encoder writes for ids,
    dates and times: the same bytes once encoded, without validating values the database
    just gave (most of a page's time otherwise). Amounts in their currency's decimals as
    TransactionOut's serializers write them. A change to TransactionOut is a change here:
    test_transaction_list_render pins the two to each other, field for field."""
    code = tx.currency
    row = {name: _id(getattr(tx, f"{name}_id")) for name in REFERENCE_FIELDS}
    row.update(
        kind=tx.kind,
        amount=money_str(tx.amount, code or None),
        description=tx.description,
        notes=tx.notes,
        tags=list(tx.tags),
        payee_name=tx.payee_name,
        to_amount=_in(tx.to_amount, tx.to_currency),
        foreign_amount=_in(tx.foreign_amount, tx.foreign_currency),
        foreign_currency=tx.foreign_currency or None,
        id=str(tx.id),
        date=tx.date.isoformat(),
        currency=code,
        base_amount=money_str(tx.base_amount),
        to_currency=tx.to_currency,
        allocation_status=tx.allocation_status,
        allocations=[
            {
                "bucket": str(a.bucket_id),
                "bucket_name": a.bucket_name,
                "amount": money_str(a.amount),
            }
            for a in tx.prefetched_allocations
        ],
        splits=[
            {
                "id": str(line.id),
                "category": str(line.category_id),
                "category_name": line.category_name,
                "bucket": _id(line.bucket_id),
                "bucket_name": line.bucket_name,
                # A line's amount is in the transaction's currency (see lines_in_currency).
                "amount": money_str(line.amount, code),
                "base_amount": money_str(line.base_amount),
                "description": line.description,
            }
            for line in tx.prefetched_splits
        ],
        recurring=_id(tx.recurring_id),
        group_expense=_id(tx.group_expense_id),
        external_id=tx.external_id,
        created_at=_WRITE_TIME(tx.created_at),
        updated_at=_WRITE_TIME(tx.updated_at),
        running_balance=_in(
            getattr(tx, "running_balance", None), getattr(tx, "running_currency", None)
        ),
    )
    return row


def _in(value, code: str | None) -> str | None:
    """`value` in `code`'s decimals (the base currency's without one), None for None."""
    return None if value is None else money_str(value, code or None)


class TransactionFilters(FilterSchema):
    date_from: Annotated[dt.date | None, FilterLookup("date__gte")] = None
    date_to: Annotated[dt.date | None, FilterLookup("date__lte")] = None
    kind: Kind | None = None
    category: UUID | None = None
    wallet: UUID | None = None
    bucket: UUID | None = None
    tag: str | None = Field(None, max_length=50)
    q: str | None = Field(None, max_length=200)
    min_amount: Money | None = None
    max_amount: Money | None = None
    external_id: str | None = Field(None, max_length=255)
    payee: Annotated[UUID | None, FilterLookup("payee_id")] = None
    _counting: bool = PrivateAttr(False)

    def count_expression(self) -> Q:
        """The same filter, in the form that counts the matches fastest (see
        selectors.category_filter); `get_filter_expression` gives the one that reads a page."""
        self._counting = True
        try:
            return self.get_filter_expression()
        finally:
            self._counting = False

    def filter_category(self, value: UUID | None) -> Q:
        if not value:
            return Q()
        return selectors.category_filter(value, counting=self._counting)

    def filter_wallet(self, value: UUID | None) -> Q:
        return selectors.wallet_filter(value) if value else Q()

    def filter_bucket(self, value: UUID | None) -> Q:
        return selectors.bucket_filter(value) if value else Q()

    def filter_tag(self, value: str | None) -> Q:
        return selectors.tag_filter(value) if value else Q()

    def filter_q(self, value: str | None) -> Q:
        return selectors.text_filter(value) if value else Q()

    def filter_min_amount(self, value) -> Q:
        return selectors.amount_filter(min_amount=value, max_amount=None)

    def filter_max_amount(self, value) -> Q:
        return selectors.amount_filter(min_amount=None, max_amount=value)


Ordering = Literal["date", "-date", "amount", "-amount"]


class AllocationRunOut(Schema):
    allocated: int


class ReconcileOut(Schema):
    adjustment: TransactionOut | None
    balance: MoneyOut
    # The wallet's currency (SPEC §14): the balance is written with its decimals.
    currency: str = Field("", exclude=True)

    @field_serializer("balance", when_used="always")
    def balance_in_currency(self, value):
        return money_str(value, self.currency or None)
