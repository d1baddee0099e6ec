import contextlib
import socket
import time
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
import requests

from dashboard.api import (
    SESSION_EXPIRED_MESSAGE,
    TRANSFER_TIMEOUT_SECONDS,
    ApiClient,
    ApiError,
    ApiUnavailable,
    FieldError,
    MemoryTokenStore,
    SessionExpired,
    Tokens,
)
from tests.conftest import EMAIL
from tests.fake_api import PASSWORD, FakeApiState


class RecordingSession(requests.Session):
    """A real requests session that remembers the keyword arguments of every request."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict[str, Any]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append({"method": method, "url": url, **kwargs})
        return super().request(method, url, *args, **kwargs)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_sign_in_stores_the_token_pair(client: ApiClient) -> None:
    client.sign_in(EMAIL, PASSWORD)

    assert client.tokens.get() == Tokens(access="access-1", refresh="refresh-1")


def test_wrong_password_shows_the_api_detail_and_does_not_refresh(
    client: ApiClient, api_state: FakeApiState
) -> None:
    with pytest.raises(ApiError) as caught:
        client.sign_in(EMAIL, "wrong")

    assert type(caught.value) is ApiError
    assert caught.value.status == 401
    assert caught.value.code == "invalid_credentials"
    assert str(caught.value) == "Email or password is incorrect."
    assert client.tokens.get() is None
    assert api_state.calls_to("/auth/token/refresh") == []


def test_authenticated_calls_send_the_access_token(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)

    assert client.me()["email"] == EMAIL
    assert api_state.calls_to("/auth/me")[0].headers["Authorization"] == "Bearer access-1"


def test_the_client_keeps_the_servers_today_from_its_answers(
    client: ApiClient, api_state: FakeApiState
) -> None:
    assert client.server_today is None
    api_state.today = "2031-02-03"
    client.sign_in(EMAIL, PASSWORD)
    assert client.server_today == date(2031, 2, 3)
    api_state.today = "2031-02-04"  # midnight passed on the server
    client.me()
    assert client.server_today == date(2031, 2, 4)


def test_expired_access_token_is_refreshed_once_and_the_request_retried(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)
    api_state.expire_access_tokens()

    user = client.me()

    assert user["email"] == EMAIL
    refreshes = api_state.calls_to("/auth/token/refresh")
    assert [call.body for call in refreshes] == [{"refresh": "refresh-1"}]
    me_calls = api_state.calls_to("/auth/me")
    assert [call.headers["Authorization"] for call in me_calls] == [
        "Bearer access-1",
        "Bearer access-2",
    ]
    assert client.tokens.get() == Tokens(access="access-2", refresh="refresh-2")


def test_failed_refresh_clears_tokens_and_raises_session_expired(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)
    api_state.expire_access_tokens()
    api_state.refresh_disabled = True

    with pytest.raises(SessionExpired) as caught:
        client.ledgers()

    assert isinstance(caught.value, ApiError)
    assert str(caught.value) == SESSION_EXPIRED_MESSAGE
    assert client.tokens.get() is None
    assert len(api_state.calls_to("/auth/token/refresh")) == 1
    assert len(api_state.calls_to("/ledgers")) == 1


def test_401_after_a_successful_refresh_ends_the_session_without_looping(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)
    api_state.reject_every_access_token = True

    with pytest.raises(SessionExpired):
        client.me()

    assert len(api_state.calls_to("/auth/token/refresh")) == 1
    assert len(api_state.calls_to("/auth/me")) == 2
    assert client.tokens.get() is None


def test_authenticated_call_without_tokens_is_an_expired_session(
    client: ApiClient, api_state: FakeApiState
) -> None:
    with pytest.raises(SessionExpired):
        client.me()

    assert api_state.calls_to("/auth/token/refresh") == []


def test_error_body_becomes_api_error_with_field_messages(client: ApiClient) -> None:
    with pytest.raises(ApiError) as caught:
        client.register("new@example.com", "short", "New Person")

    error = caught.value
    assert (error.status, error.code, error.detail) == (
        422,
        "validation_error",
        "The password is too weak.",
    )
    assert error.errors == [FieldError(field="password", message="This password is too short.")]
    assert str(error) == "The password is too weak. Password: This password is too short."


def test_conflict_keeps_the_api_detail(client: ApiClient) -> None:
    with pytest.raises(ApiError) as caught:
        client.register(EMAIL, PASSWORD)

    assert caught.value.status == 409
    assert caught.value.code == "email_taken"
    assert str(caught.value) == "An account with this email already exists."


def test_register_returns_the_new_user(client: ApiClient, api_state: FakeApiState) -> None:
    user = client.register("new@example.com", PASSWORD, "New Person")

    assert user["email"] == "new@example.com"
    assert api_state.calls_to("/auth/register")[0].body == {
        "email": "new@example.com",
        "password": PASSWORD,
        "full_name": "New Person",
    }
    assert "Authorization" not in api_state.calls_to("/auth/register")[0].headers


def test_row_errors_name_the_row_and_field(client: ApiClient) -> None:
    client.sign_in(EMAIL, PASSWORD)

    with pytest.raises(ApiError) as caught:
        client.post("/test/bulk-error", json={"items": []})

    assert caught.value.errors == [
        FieldError(row=3, field="amount", message="Enter at most 2 decimals.")
    ]
    assert str(caught.value) == (
        "Some rows are not valid; nothing was created. Row 3, amount: Enter at most 2 decimals."
    )


def test_error_without_json_body_still_reads_as_a_sentence(client: ApiClient) -> None:
    with pytest.raises(ApiError) as caught:
        client.request("GET", "/test/proxy-error", authenticated=False)

    assert caught.value.status == 502
    assert str(caught.value) == "The budget server answered with an error (HTTP 502)."


def test_connection_refused_is_api_unavailable() -> None:
    url = f"http://127.0.0.1:{_free_port()}/api/v1"
    client = ApiClient(url, timeout=2, tokens=MemoryTokenStore())

    with pytest.raises(ApiUnavailable) as caught:
        client.sign_in(EMAIL, PASSWORD)

    assert isinstance(caught.value, ApiError)
    assert str(caught.value) == f"The budget server can't be reached at {url}. Is it running?"


def test_no_content_answer_returns_none(client: ApiClient) -> None:
    client.sign_in(EMAIL, PASSWORD)

    assert client.delete("/test/empty") is None


def test_money_goes_out_as_strings_and_numbers_come_back_as_decimal(client: ApiClient) -> None:
    client.sign_in(EMAIL, PASSWORD)

    answer = client.post("/test/echo", json={"amount": Decimal("12.30")})

    assert answer["received"] == {"amount": "12.30"}
    assert answer["amount"] == Decimal("12.30")
    assert isinstance(answer["amount"], Decimal)


def test_slow_answer_times_out_as_api_unavailable(api_url: str) -> None:
    client = ApiClient(api_url, timeout=0.2, tokens=MemoryTokenStore())

    started = time.monotonic()
    with pytest.raises(ApiUnavailable):
        client.request("GET", "/test/slow", authenticated=False)

    assert time.monotonic() - started < 0.9


def test_every_request_passes_the_timeout(api_url: str, api_state: FakeApiState) -> None:
    http = RecordingSession()
    client = ApiClient(api_url, timeout=3.5, tokens=MemoryTokenStore(), http=http)
    client.sign_in(EMAIL, PASSWORD)
    api_state.expire_access_tokens()
    client.me()
    client.ledgers()
    client.sign_out()

    paths = [sent["url"].removeprefix(api_url) for sent in http.sent]
    assert paths == [
        "/auth/token",
        "/auth/me",
        "/auth/token/refresh",
        "/auth/me",
        "/ledgers",
        "/auth/logout",
    ]
    assert {sent["timeout"] for sent in http.sent} == {3.5}


def test_ledgers_reads_every_page(client: ApiClient, api_state: FakeApiState) -> None:
    api_state.ledgers = [
        {"id": f"ledger-{n}", "name": f"L{n}", "currency": "EUR", "role": "viewer"}
        for n in range(120)
    ]
    client.sign_in(EMAIL, PASSWORD)

    ledgers = client.ledgers()

    assert [ledger["id"] for ledger in ledgers] == [f"ledger-{n}" for n in range(120)]
    assert [call.query for call in api_state.calls_to("/ledgers")] == [
        "page=1&page_size=50",
        "page=2&page_size=50",
        "page=3&page_size=50",
    ]


def test_sign_out_blacklists_the_refresh_token_and_forgets_tokens(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)

    client.sign_out()

    assert api_state.calls_to("/auth/logout")[0].body == {"refresh": "refresh-1"}
    assert "refresh-1" in api_state.blacklisted
    assert client.tokens.get() is None


def test_sign_out_with_expired_access_blacklists_the_rotated_token(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)
    api_state.expire_access_tokens()

    client.sign_out()

    assert [call.body for call in api_state.calls_to("/auth/logout")] == [
        {"refresh": "refresh-1"},
        {"refresh": "refresh-2"},
    ]
    assert "refresh-2" in api_state.blacklisted
    assert client.tokens.get() is None


def test_sign_out_forgets_tokens_even_when_the_server_is_down() -> None:
    url = f"http://127.0.0.1:{_free_port()}/api/v1"
    client = ApiClient(url, timeout=2, tokens=MemoryTokenStore(Tokens("a", "r")))

    client.sign_out()

    assert client.tokens.get() is None


def test_a_slow_delete_gets_the_transfer_timeout(api_url: str, api_state: FakeApiState) -> None:
    http = RecordingSession()
    client = ApiClient(api_url, timeout=3.5, tokens=MemoryTokenStore(), http=http)
    client.sign_in(EMAIL, PASSWORD)
    for slow in (False, True):
        with contextlib.suppress(ApiError):
            client.delete("/ledgers/x/imports/y", slow=slow)

    assert [sent["timeout"] for sent in http.sent[1:]] == [3.5, TRANSFER_TIMEOUT_SECONDS]


LEDGER_ECHO = "/ledgers/ledger-1/test/echo"


def _keys(api_state: FakeApiState, path: str) -> list[str | None]:
    return [call.headers.get("Idempotency-Key") for call in api_state.calls_to(path)]


def test_each_post_under_a_ledger_sends_a_fresh_idempotency_key(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)

    client.post(LEDGER_ECHO, json={"amount": "1.00"})
    client.post(LEDGER_ECHO, json={"amount": "1.00"})

    first, second = _keys(api_state, LEDGER_ECHO)
    assert first
    assert second
    assert first != second
    assert 1 <= len(first) <= 255
    assert first.isascii()
    assert first.isprintable()


def test_the_retry_after_a_token_refresh_sends_the_same_key(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)
    api_state.expire_access_tokens()

    client.post(LEDGER_ECHO, json={"amount": "1.00"})

    calls = api_state.calls_to(LEDGER_ECHO)
    assert [call.headers["Authorization"] for call in calls] == [
        "Bearer access-1",
        "Bearer access-2",
    ]
    first, retry = _keys(api_state, LEDGER_ECHO)
    assert first is not None
    assert retry == first


def test_an_upload_under_a_ledger_keeps_its_key_on_the_retry(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)
    api_state.expire_access_tokens()
    path = "/ledgers/ledger-1/test/upload"

    answer = client.upload(path, files={"file": ("bank.csv", b"date\n", "text/csv")})

    assert answer["files"]["file"]["name"] == "bank.csv"
    first, retry = _keys(api_state, path)
    assert first is not None
    assert retry == first


def test_other_requests_send_no_idempotency_key(client: ApiClient, api_state: FakeApiState) -> None:
    client.sign_in(EMAIL, PASSWORD)
    client.post("/test/echo", json={"amount": "1.00"})
    client.ledgers()
    with contextlib.suppress(ApiError):
        client.patch("/ledgers/ledger-1/wallets/w1", json={"name": "Bank"})
    with contextlib.suppress(ApiError):
        client.post("/ledgers", json={"name": "Trip", "currency": "EUR"})

    assert all("Idempotency-Key" not in call.headers for call in api_state.calls)
    assert len(api_state.calls) == 5


def test_two_factor_sign_in_sends_the_code(client: ApiClient, api_state: FakeApiState) -> None:
    api_state.users[EMAIL]["otp"] = "123456"
    with pytest.raises(ApiError) as required:
        client.sign_in(EMAIL, PASSWORD)
    assert (required.value.status, required.value.code) == (401, "otp_required")
    assert client.tokens.get() is None
    with pytest.raises(ApiError) as invalid:
        client.sign_in(EMAIL, PASSWORD, "000000")
    assert invalid.value.code == "otp_invalid"

    client.sign_in(EMAIL, PASSWORD, "123456")
    assert client.tokens.get() is not None
    assert api_state.calls_to("/auth/token")[-1].body["otp"] == "123456"
    assert "otp" not in api_state.calls_to("/auth/token")[0].body


def test_the_browser_s_user_agent_goes_to_the_api(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.user_agent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    client.sign_in(EMAIL, PASSWORD)
    client.me()
    agents = {call.headers.get("User-Agent") for call in api_state.calls}
    assert agents == {"Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"}


def test_reset_and_verification_calls_need_no_sign_in(
    client: ApiClient, api_state: FakeApiState
) -> None:
    for call in (
        lambda: client.password_reset(EMAIL),
        lambda: client.password_reset_confirm("tok", "new secret 22"),
        lambda: client.verify_email("tok"),
    ):
        with pytest.raises(ApiError):  # the fake API has no such routes: 404
            call()
    sent = [c for c in api_state.calls if c.path.startswith("/api/v1/auth/")]
    assert [c.path.removeprefix("/api/v1") for c in sent] == [
        "/auth/password-reset",
        "/auth/password-reset/confirm",
        "/auth/verify-email",
    ]
    assert all("Authorization" not in c.headers for c in sent)
    assert [c.body for c in sent] == [
        {"email": EMAIL},
        {"token": "tok", "new_password": "new secret 22"},
        {"token": "tok"},
    ]
