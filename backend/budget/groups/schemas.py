import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import BeforeValidator, field_serializer, field_validator

from budget.common.currencies import amount_str, currency_check
from budget.common.money import AnyMoney, MoneyOut, money_str
from budget.groups.models import SplitMode


def _currency(value: str) -> str:
    return currency_check(value)


def _text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("This cannot be empty.")
    return value


def _weight(value):
    """A split value: a decimal (a string or a JSON number), never a float's inexactness."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError("Expected a number such as 2 or 33.5.")
        return None
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError as error:
        raise ValueError("Expected a number such as 2 or 33.5.") from error
    if not number.is_finite() or number.adjusted() > 12 or -number.as_tuple().exponent > 6:
        raise ValueError("Use a number below 10¹² with at most 6 decimals.")
    return number


Weight = Annotated[Decimal | None, BeforeValidator(_weight)]


def _rate(value):
    """An exchange rate: group units per unit of the expense's currency, a decimal with at
    most 12 significant digits and 12 decimals (as SPEC §14's rates)."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError("Expected a rate such as 1.0842.")
    try:
        number = Decimal(str(value).strip())
    except ArithmeticError as error:
        raise ValueError("Expected a rate such as 1.0842.") from error
    if not number.is_finite() or number <= 0:
        raise ValueError("A rate is a number above 0.")
    number = number.normalize()
    digits, exponent = len(number.as_tuple().digits), number.as_tuple().exponent
    if digits > 12 or -exponent > 12 or number.adjusted() >= 12:
        raise ValueError("Use a rate with at most 12 significant digits and 12 decimals.")
    return number


Rate = Annotated[Decimal | None, BeforeValidator(_rate)]
Name = Annotated[str, BeforeValidator(lambda v: _text(v) if isinstance(v, str) else v)]


class GroupIn(Schema):
    name: Name = Field(max_length=100)
    currency: str = "EUR"

    _check_currency = field_validator("currency")(_currency)


class GroupPatch(Schema):
    name: Name | None = Field(None, max_length=100)
    currency: str | None = None

    @field_validator("currency")
    @classmethod
    def currency_known(cls, value: str | None) -> str | None:
        return None if value is None else _currency(value)


class GroupOut(Schema):
    id: UUID
    name: str
    currency: str
    created_at: dt.datetime
    me: UUID = Field(alias="me_participant", description="The caller's participant id.")
    admin: bool = Field(alias="me_admin", description="Whether the caller may change the group.")
    balance: MoneyOut = Field(
        description="The caller's balance: positive = they are owed, negative = they owe."
    )

    @staticmethod
    def resolve_balance(group) -> Decimal:
        return group.me_paid - group.me_owed

    @field_serializer("balance", when_used="always")
    def balance_out(self, value: Decimal) -> str:
        return money_str(value, self.currency)


def _link(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if value and not value.startswith("https://"):
        raise ValueError("A payment link is an https:// address, such as https://paypal.me/name/")
    return value


def _email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        validate_email(value)
    except ValidationError as error:
        raise ValueError("Enter a valid email address.") from error
    return value


class ParticipantIn(Schema):
    name: Name = Field(max_length=100)
    email: str | None = Field(None, max_length=254)
    admin: bool = False
    payment_link: str | None = Field(None, max_length=480)

    _check_email = field_validator("email")(_email)
    _check_link = field_validator("payment_link")(_link)


class ParticipantPatch(Schema):
    name: Name | None = Field(None, max_length=100)
    admin: bool | None = None
    payment_link: str | None = Field(None, max_length=480)

    _check_link = field_validator("payment_link")(_link)


class ParticipantOut(Schema):
    id: UUID
    name: str
    linked: bool
    admin: bool
    payment_link: str | None

    @staticmethod
    def resolve_linked(participant) -> bool:
        return participant.user_id is not None

    @staticmethod
    def resolve_payment_link(participant) -> str | None:
        return participant.payment_link or None


class PaidIn(Schema):
    participant: UUID
    amount: AnyMoney = Field(description="In the expense's currency, with at most its decimals")


class PartIn(Schema):
    participant: UUID
    value: Weight = None


class SplitIn(Schema):
    mode: SplitMode
    parts: list[PartIn] = Field(max_length=500)


class ExpenseIn(Schema):
    title: Name = Field(max_length=200)
    amount: AnyMoney = Field(gt=0, description="With at most the decimals of `currency`")
    date: dt.date
    currency: str | None = None
    rate: Rate = Field(
        None,
        description="Group units per unit of `currency`; required when it is not the group's",
    )
    category_name: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=2000)
    is_payment: bool = False
    paid_by: list[PaidIn] = Field(max_length=500)
    split: SplitIn

    @field_validator("currency")
    @classmethod
    def currency_known(cls, value: str | None) -> str | None:
        return None if value is None else _currency(value)


class ExpensePatch(Schema):
    title: Name | None = Field(None, max_length=200)
    amount: AnyMoney | None = Field(None, gt=0)
    date: dt.date | None = None
    currency: str | None = None
    rate: Rate = Field(
        None,
        description="Group units per unit of `currency`; required when it is not the group's",
    )
    category_name: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=2000)
    paid_by: list[PaidIn] | None = Field(None, max_length=500)
    split: SplitIn | None = None

    @field_validator("currency")
    @classmethod
    def currency_known(cls, value: str | None) -> str | None:
        return None if value is None else _currency(value)


class PaidOut(Schema):
    participant: UUID = Field(alias="participant_id")
    amount: str = Field(description="In the expense's currency")
    group_amount: MoneyOut = Field(alias="paid", description="In the group's currency")


class PartOut(Schema):
    participant: UUID = Field(alias="participant_id")
    value: str | None

    @staticmethod
    def resolve_value(share) -> str | None:
        return share.value or None


class OwedOut(Schema):
    participant: UUID = Field(alias="participant_id")
    amount: MoneyOut = Field(alias="owed")


class SplitOut(Schema):
    mode: SplitMode
    parts: list[PartOut]


class ExpenseOut(Schema):
    id: UUID
    title: str
    amount: MoneyOut = Field(description="In `currency`")
    date: dt.date
    currency: str
    rate: str | None = Field(description="Group units per unit of `currency`; null: the group's")
    group_amount: MoneyOut = Field(
        description="In the group's currency: amount * rate rounded half away from zero, frozen"
    )
    category_name: str
    notes: str
    is_payment: bool
    paid_by: list[PaidOut]
    split: SplitOut
    owed: list[OwedOut]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_rate(expense) -> str | None:
        return None if expense.rate is None else format(expense.rate.normalize(), "f")

    @field_serializer("amount", when_used="always")
    def amount_out(self, value: Decimal) -> str:
        return amount_str(value, self.currency)

    @staticmethod
    def resolve_paid_by(expense):
        return [
            {
                "participant_id": p.participant_id,
                "amount": amount_str(p.amount, expense.currency),
                "paid": p.paid,
            }
            for p in expense.payers.all()
        ]

    @staticmethod
    def resolve_split(expense):
        return {"mode": expense.split_mode, "parts": list(expense.shares.all())}

    @staticmethod
    def resolve_owed(expense):
        return list(expense.shares.all())


class BalanceOut(Schema):
    participant: UUID
    name: str
    paid: MoneyOut
    owed: MoneyOut
    balance: MoneyOut


class TransferOut(Schema):
    from_participant: UUID = Field(serialization_alias="from")
    from_name: str
    to: UUID
    to_name: str
    amount: MoneyOut
    pay_url: str | None


class SettleUpOut(Schema):
    transfers: list[TransferOut]


class SettlementIn(Schema):
    from_participant: UUID = Field(alias="from")
    to: UUID
    amount: AnyMoney = Field(gt=0, description="In the group's currency, with at most its decimals")
    date: dt.date


class ConnectionIn(Schema):
    ledger: UUID = Field(description="A ledger you edit, in any currency.")
    loan_wallet: UUID = Field(
        description="An active loan wallet of that ledger in the group's currency."
    )
    pay_wallet: UUID = Field(
        description="An active wallet you pay from; in another currency than the group's, "
        "paid amounts are converted at the rate of each expense's date."
    )
    category: UUID | None = None


class ConnectionOut(Schema):
    ledger: UUID = Field(alias="ledger_id")
    loan_wallet: UUID = Field(alias="loan_wallet_id")
    pay_wallet: UUID = Field(alias="pay_wallet_id")
    category: UUID | None = Field(alias="category_id")


class ActivityOut(Schema):
    id: int
    at: dt.datetime
    actor: str | None
    action: Literal["create", "update", "delete"]
    expense: UUID | None = Field(alias="expense_id")
    summary: str
    changes: dict

    @staticmethod
    def resolve_actor(entry) -> str | None:
        actor = entry.actor
        return None if actor is None else (actor.full_name or actor.email)
