from datetime import UTC, datetime
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from ninja import Field, Schema
from pydantic import field_validator


class EmailIn(Schema):
    email: str = Field(max_length=254)

    @field_validator("email")
    @classmethod
    def email_is_valid(cls, value: str) -> str:
        value = value.strip().lower()
        try:
            validate_email(value)
        except DjangoValidationError as error:
            raise ValueError("Enter a valid email address.") from error
        return value


class RegisterIn(EmailIn):
    password: str = Field(min_length=1, max_length=128)
    full_name: str = Field("", max_length=150)


class TokenIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=128)


class TokenPairOut(Schema):
    access: str
    refresh: str


class RefreshIn(Schema):
    refresh: str = Field(max_length=2000)


class UserOut(Schema):
    id: UUID
    email: str
    full_name: str
    default_ledger_id: UUID | None
    email_notifications: bool
    date_joined: datetime


class UserPatch(Schema):
    full_name: str | None = Field(None, max_length=150)
    default_ledger_id: UUID | None = None
    email_notifications: bool | None = None


class PasswordChangeIn(Schema):
    current_password: str = Field(max_length=128)
    new_password: str = Field(min_length=1, max_length=128)


class PasswordIn(Schema):
    password: str = Field(max_length=128)


class ApiKeyIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = None

    @field_validator("expires_at")
    @classmethod
    def expires_at_utc(cls, value: datetime | None) -> datetime | None:
        # The same instant in UTC: an ISO time may carry an offset up to ±23:59, PostgreSQL
        # stores only up to ±15:59.
        if value is not None and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value


class ApiKeyOut(Schema):
    id: UUID
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreatedOut(ApiKeyOut):
    key: str = Field(description="The full key. Shown only in this response; store it now.")
