"""The Django admin's sign-in form, throttled like `POST /auth/token`: the form checks a
password, so without this it would be an unthrottled way to guess one."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse

from budget.accounts.throttles import AdminUsernameThrottle, AuthIpThrottle, throttle_wait


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    if request.method == "POST":
        throttles = [AuthIpThrottle("admin_login"), AdminUsernameThrottle("admin_login")]
        wait = throttle_wait(request, throttles)
        if wait is not None:
            response = HttpResponse(
                "Too many sign-in attempts. Try again later.", status=429, content_type="text/plain"
            )
            response["Retry-After"] = str(wait)
            return response
    return admin.site.login(request, extra_context)
