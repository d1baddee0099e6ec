"""The exported ledger document (`GET …/export.json`, `POST /ledgers/import-json`).

Plain pydantic models: a document holds many thousand transactions, and validating plain
dicts this way is several times faster than through ninja's Schema."""

import datetime as dt
from typing import Annotated, Literal

from ninja import Schema
from pydantic import BaseModel, Field, field_validator

from budget.common.money import Money, Percent
from budget.ledgers.schemas import _currency, _name
from budget.money.models import AllocationStatus, CategoryType, Kind, WalletKind
from budget.money.schemas import Name, Tag

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
    archived: bool = False


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
    archived: bool = False


class AllocationDoc(BaseModel):
    bucket: Ref
    amount: Money


class TransactionDoc(BaseModel):
    id: OptionalRef = None
    kind: Kind
    date: dt.date
    amount: Money
    description: str = Field("", max_length=255)
    notes: str = Field("", max_length=2000)
    tags: list[Tag] = Field(default_factory=list, max_length=20)
    category: OptionalRef = None
    wallet: OptionalRef = None
    bucket: OptionalRef = None
    from_wallet: OptionalRef = None
    to_wallet: OptionalRef = None
    from_bucket: OptionalRef = None
    to_bucket: OptionalRef = None
    allocation_status: AllocationStatus | None = None
    allocations: list[AllocationDoc] = Field(default_factory=list, max_length=1000)


class LedgerDocument(BaseModel):
    format: Literal["budget-ledger"]
    version: Literal[1]
    ledger: LedgerDoc
    wallets: list[WalletDoc] = Field(default_factory=list, max_length=1000)
    buckets: list[BucketDoc] = Field(min_length=1, max_length=1000)
    categories: list[CategoryDoc] = Field(default_factory=list, max_length=1000)
    transactions: list[TransactionDoc] = Field(default_factory=list)


class ImportedLedgerOut(Schema):
    id: str
    name: str
    currency: str
    role: str
