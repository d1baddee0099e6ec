import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import model_validator


class ActivityFilters(Schema):
    object_type: str | None = Field(
        None, max_length=30, description="transaction, wallet, bucket, category, budget, …"
    )
    object_id: UUID | None = Field(None, description="one object's history")
    actor: UUID | None = Field(None, description="a member's user id")
    action: str | None = Field(None, max_length=20, description="create, update, delete, …")
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @model_validator(mode="after")
    def _range(self) -> "ActivityFilters":
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to.")
        return self


class ActorOut(Schema):
    id: UUID | None = Field(description="null: the system, or an account that was deleted")
    email: str


class EntryOut(Schema):
    id: UUID
    at: dt.datetime
    actor: ActorOut
    via: str = Field(description='"password", "api_key:<name>", "worker" or "system"')
    action: str
    object_type: str
    object_id: UUID | None
    summary: str
    changes: dict[str, list[Any]] = Field(description="{field: [old, new]}")
    count: int = Field(description="how many objects one bulk write or import touched")

    @staticmethod
    def resolve_actor(obj: Any) -> dict[str, Any]:
        return {"id": obj.actor_id, "email": obj.actor_email}
