import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from ninja import FilterLookup, FilterSchema, Schema
from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

from budget.rates.values import currency_parse, rate_parse, rate_text

_RATE_SCHEMA = {"type": "string", "pattern": r"^\d+(\.\d+)?$", "example": "1.0856"}
_CURRENCY_SCHEMA = {"type": "string", "pattern": "^[A-Z]{3}$", "example": "USD"}

# A string or a JSON number in; a plain decimal string out.
Rate = Annotated[
    Decimal,
    BeforeValidator(rate_parse),
    PlainSerializer(rate_text, return_type=str, when_used="json"),
    WithJsonSchema(_RATE_SCHEMA),
]
# Ninja writes its answers from the Python dump, so the output type writes a string there too.
RateOutValue = Annotated[
    Decimal,
    PlainSerializer(rate_text, return_type=str),
    WithJsonSchema(_RATE_SCHEMA),
]
Currency = Annotated[str, BeforeValidator(currency_parse), WithJsonSchema(_CURRENCY_SCHEMA)]


class RateIn(Schema):
    currency: Currency
    date: dt.date
    rate: Rate


class RateOut(Schema):
    id: UUID
    currency: str
    date: dt.date
    rate: RateOutValue
    created_at: dt.datetime
    created_by: UUID | None = None

    @staticmethod
    def resolve_created_by(obj) -> UUID | None:
        return obj.created_by_id


class RateFilters(FilterSchema):
    currency: Currency | None = None
    date_from: Annotated[dt.date | None, FilterLookup("date__gte")] = None
    date_to: Annotated[dt.date | None, FilterLookup("date__lte")] = None


class LookupQuery(Schema):
    currency: Currency
    date: dt.date


class LookupOut(Schema):
    currency: str
    base: str
    date: dt.date
    rate: RateOutValue | None
    source: Literal["ledger", "reference", "identity"] | None
    rate_date: dt.date | None
