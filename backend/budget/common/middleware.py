"""Middleware of every API answer: Django's own non-JSON error pages under /api (unknown URL →
404, a wrong method → 405, a crash outside ninja → 500) turned into the API's JSON error shape,
and the server's date on every answer."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from budget.common.activity import acting_request
from budget.common.errors import error_body
from budget.common.money import base_currency_set


class ApiJsonErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        json_response = JsonResponse(error_body(response.status_code), status=response.status_code)
        for header in ("Allow", "Retry-After", "WWW-Authenticate"):
            if header in response:
                json_response[header] = response[header]
        return json_response


TODAY_HEADER = "Budget-Today"


class ApiTodayMiddleware:
    """Every API answer says the server's today (`TIME_ZONE`, as its rules use it): a client
    defaults its date fields to it rather than to its own clock, which may be in another time
    zone or wrong."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            response[TODAY_HEADER] = timezone.localdate().isoformat()
        return response


class ActivityActorMiddleware:
    """The activity log's actor is the request's authenticated user (read when an entry is
    recorded, after authentication): see budget.common.activity."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_request(request):
            return self.get_response(request)


class BaseCurrencyMiddleware:
    """Starts every request without a base currency (two places): the ledger gate sets the
    ledger's, and a worker thread serves many requests (budget.common.money)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        base_currency_set("")
        return self.get_response(request)
