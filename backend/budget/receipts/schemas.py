import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from budget.receipts.models import ReceiptStatus


class AttachmentOut(Schema):
    id: UUID
    filename: str
    content_type: str
    size: int
    created_at: dt.datetime


class Confidence(Schema):
    date: float
    amount: float
    payee: float


class SuggestionOut(Schema):
    kind: str = "expense"
    date: dt.date | None
    amount: str | None = Field(description="The total read, a decimal string; null if none.")
    currency: str
    payee_name: str | None
    description: str = ""
    category: UUID | None
    wallet: UUID | None
    confidence: Confidence


class ReceiptQueuedOut(Schema):
    id: UUID
    status: ReceiptStatus


class ReceiptOut(Schema):
    id: UUID
    status: ReceiptStatus
    filename: str
    content_type: str
    size: int
    suggestion: SuggestionOut | None
    text: str
    detail: str = Field(description="Why the scan failed, when it did.")
    created_at: dt.datetime


class ReceiptAcceptIn(Schema):
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description=(
            "Fields of a new transaction (as POST /transactions takes them) that replace "
            "the suggestion's: `date`, `amount`, `wallet`, `category`, `payee_name`, "
            "`description`, `notes`, `tags`, `bucket`, even `kind`."
        ),
    )
