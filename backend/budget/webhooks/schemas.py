from datetime import datetime
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator

from budget.webhooks.addresses import UnsafeUrl, url_parts
from budget.webhooks.models import ALL_EVENTS, EVENTS, DeliveryStatus

_EVENTS_HELP = f"Any of {', '.join(EVENTS)}; or {ALL_EVENTS} for all of them."


def _url(value: str) -> str:
    try:
        url_parts(value)
    except UnsafeUrl as error:
        raise ValueError(str(error)) from error
    return value.strip()


def _events(value: list[str]) -> list[str]:
    unknown = [e for e in value if e not in (*EVENTS, ALL_EVENTS)]
    if unknown:
        raise ValueError(f"Unknown event {unknown[0]!r}. {_EVENTS_HELP}")
    if not value:
        raise ValueError(f"Name at least one event. {_EVENTS_HELP}")
    return list(dict.fromkeys(value))


class WebhookIn(Schema):
    url: str = Field(max_length=2000)
    events: list[str] = Field(description=_EVENTS_HELP, max_length=10)
    active: bool = True

    _check_url = field_validator("url")(_url)
    _check_events = field_validator("events")(_events)


class WebhookPatch(Schema):
    url: str | None = Field(None, max_length=2000)
    events: list[str] | None = Field(None, description=_EVENTS_HELP, max_length=10)
    active: bool | None = None

    @field_validator("url")
    @classmethod
    def url_valid(cls, value: str | None) -> str | None:
        return None if value is None else _url(value)

    @field_validator("events")
    @classmethod
    def events_known(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _events(value)


class WebhookOut(Schema):
    id: UUID
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="Signs every delivery (X-Budget-Signature). Shown only in this answer."
    )


class DeliveryOut(Schema):
    id: UUID
    event: str
    status: DeliveryStatus
    attempts: int
    response_code: int | None
    last_error: str
    at: datetime = Field(alias="created_at")
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
