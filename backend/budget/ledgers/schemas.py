from datetime import datetime
from typing import Literal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import field_validator

from budget.common.currencies import currency_check
from budget.ledgers.models import InvitationKind, Role


def _currency(value: str) -> str:
    return currency_check(value)


def _name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("The name cannot be empty.")
    return value


class LedgerIn(Schema):
    name: str = Field(max_length=100)
    currency: str = "EUR"

    _check_name = field_validator("name")(_name)
    _check_currency = field_validator("currency")(_currency)


class LedgerPatch(Schema):
    name: str | None = Field(None, max_length=100)
    currency: str | None = None

    @field_validator("name")
    @classmethod
    def name_not_empty(cls, value: str | None) -> str | None:
        return None if value is None else _name(value)

    @field_validator("currency")
    @classmethod
    def currency_known(cls, value: str | None) -> str | None:
        return None if value is None else _currency(value)


class LedgerOut(Schema):
    id: UUID
    name: str
    currency: str
    role: Role
    created_at: datetime


class MemberIn(Schema):
    email: str = Field(max_length=254)
    role: Role = Role.VIEWER

    @field_validator("email")
    @classmethod
    def email_valid(cls, value: str) -> str:
        value = value.strip()
        try:
            validate_email(value)
        except ValidationError as error:
            raise ValueError("Enter a valid email address.") from error
        return value


class MemberPatch(Schema):
    role: Role


class MemberOut(Schema):
    user_id: UUID
    email: str = Field(alias="user.email")
    full_name: str = Field(alias="user.full_name")
    role: Role
    joined_at: datetime = Field(alias="created_at")


class InvitationSent(Schema):
    """The answer to an invitation: the same whether or not the address has an account."""

    email: str
    role: Role
    detail: str


class InvitationOut(Schema):
    """A pending invitation as the ledger's owners see it: the address only."""

    id: UUID
    email: str
    role: Role
    created_at: datetime


class InvitationForMe(Schema):
    """An invitation as the invitee sees it."""

    id: UUID
    kind: InvitationKind
    name: str
    role: Role
    invited_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_name(invitation) -> str:
        return (invitation.ledger or invitation.group).name

    @staticmethod
    def resolve_invited_by(invitation) -> str | None:
        inviter = invitation.invited_by
        return None if inviter is None else (inviter.full_name or inviter.email)


class GroupJoined(Schema):
    """What accepting a group invitation answers: the group joined (SPEC §15)."""

    kind: Literal["group"]
    id: UUID
    name: str
    currency: str
