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
    otp: str | None = Field(
        None,
        max_length=64,
        description="With two-factor sign-in on: the app's current code, or a backup code.",
    )


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
    email_verified: bool
    locale: str
    date_joined: datetime


class UserPatch(Schema):
    full_name: str | None = Field(None, max_length=150)
    default_ledger_id: UUID | None = None
    email_notifications: bool | None = None
    locale: str | None = Field(
        None,
        max_length=20,
        description='How the dashboard writes money and dates ("" follows the browser).',
    )


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


class AcceptedOut(Schema):
    detail: str


class PasswordResetConfirmIn(Schema):
    token: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=1, max_length=128)


class MailedTokenIn(Schema):
    token: str = Field(min_length=1, max_length=200)


class TwoFactorStatusOut(Schema):
    enabled: bool
    backup_codes_left: int


class TwoFactorSetupOut(Schema):
    secret: str = Field(description="Base32, for typing into an authenticator app.")
    otpauth_url: str = Field(description="The same secret as an otpauth:// URL, for a QR code.")


class OtpCodeIn(Schema):
    code: str = Field(min_length=1, max_length=64)


class BackupCodesOut(Schema):
    backup_codes: list[str] = Field(
        description="Single-use codes for signing in without the app. Shown only here."
    )


class TwoFactorDisableIn(Schema):
    password: str = Field(max_length=128)
    code: str = Field(min_length=1, max_length=64, description="A current code or a backup code.")


class SessionOut(Schema):
    id: UUID
    created: datetime = Field(alias="created_at")
    last_used: datetime = Field(alias="last_used_at")
    user_agent: str
    current: bool = Field(description="The session of the access token this request was made with.")

    @staticmethod
    def resolve_current(obj, context) -> bool:
        return str(obj.id) == str(getattr(context["request"], "session_id", None))
