"""Turns Django's own non-JSON error pages under /api (unknown URL → 404, a wrong
method → 405, a crash outside ninja → 500) into the API's JSON error shape."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from budget.common.errors import error_body


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
