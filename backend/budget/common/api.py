from django.http import HttpRequest
from ninja import Router, Schema, Status

from budget.common.currencies import currencies_list as list_of_currencies
from budget.common.health import services_state

router = Router(tags=["health"])


class HealthOut(Schema):
    status: str
    database: str
    cache: str
    broker: str


@router.get("/health", response={200: HealthOut, 503: HealthOut}, auth=None)
def health(request: HttpRequest):
    """ "ok"; "degraded" (200) while Redis is down, as the API keeps working without it;
    503 only without the database."""
    state = services_state()
    if state["database"] != "ok":
        return Status(503, {"status": "error", **state})
    degraded = "unavailable" in state.values()
    return Status(200, {"status": "degraded" if degraded else "ok", **state})


class CurrencyOut(Schema):
    code: str
    name: str
    places: int


currencies = Router(tags=["currencies"])


@currencies.get("", response=list[CurrencyOut], auth=None)
def currencies_list(request: HttpRequest):
    """Every ISO 4217 currency a ledger, wallet or group may use, with its English name and
    its number of decimals (SPEC §14), by code."""
    return list_of_currencies()
