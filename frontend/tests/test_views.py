from collections.abc import Iterator
from typing import Any
from unittest.mock import patch

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import session
from dashboard.api import (
    SESSION_EXPIRED_MESSAGE,
    ApiError,
    ApiUnavailable,
    FieldError,
    SessionExpired,
)
from tests.conftest import EMAIL
from tests.fake_api import PASSWORD, FakeApiState
from tests.pages import open_page
from tests.report_data import FakeReportClient

APP = "../app.py"
USER = {
    "id": "user-1",
    "email": "ada@example.com",
    "full_name": "Ada Lovelace",
    "default_ledger_id": "ledger-2",
    "date_joined": "2025-01-01T00:00:00Z",
}
LEDGERS = [
    {"id": "ledger-1", "name": "Family", "currency": "USD", "role": "editor"},
    {"id": "ledger-2", "name": "Ada's budget", "currency": "EUR", "role": "owner"},
]


class FakeClient:
    """Stands in for ApiClient at the get_client() boundary."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.failures: dict[str, ApiError] = {}
        # The overview (the landing page) reads reports through get/get_all.
        self.reports = FakeReportClient()

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if name in self.failures:
            raise self.failures[name]

    def sign_in(self, email: str, password: str) -> None:
        self._call("sign_in")

    def register(self, email: str, password: str, full_name: str = "") -> dict[str, Any]:
        self._call("register")
        return USER

    def me(self) -> dict[str, Any]:
        self._call("me")
        return USER

    def ledgers(self) -> list[dict[str, Any]]:
        self._call("ledgers")
        return LEDGERS

    def sign_out(self) -> None:
        self._call("sign_out")

    def get(self, path: str, json: Any = None, params: Any = None) -> Any:
        return self.reports.get(path, params=params)

    def get_all(self, path: str, params: Any = None) -> list[dict[str, Any]]:
        return self.reports.get_all(path, params=params)


@pytest.fixture
def client() -> Iterator[FakeClient]:
    fake = FakeClient()
    st.cache_data.clear()
    with patch("dashboard.api.get_client", return_value=fake):
        yield fake
    st.cache_data.clear()


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=10)


def _signed_in_app() -> AppTest:
    at = _app()
    at.session_state[session.USER_KEY] = USER
    at.session_state[session.LEDGERS_KEY] = LEDGERS
    at.session_state[session.CURRENT_LEDGER_KEY] = USER["default_ledger_id"]
    return at


def _sign_in(at: AppTest) -> None:
    at.text_input(key="sign_in_email").input("ada@example.com")
    at.text_input(key="sign_in_password").input("secret password")
    at.button(key="sign_in_submit").click().run()


def _text(at: AppTest) -> str:
    return "\n".join(str(element.value) for element in [*at.markdown, *at.caption])


def test_signed_out_shows_only_sign_in(client: FakeClient) -> None:
    at = _app().run()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [tab.label for tab in at.tabs] == ["Sign in", "Register", "Forgot password"]
    assert client.calls == []


def test_sign_in_lands_on_the_overview_and_home_lists_the_ledgers(client: FakeClient) -> None:
    at = _app().run()

    _sign_in(at)

    assert not at.exception
    assert client.calls == ["sign_in", "me", "ledgers"]
    assert at.title[0].value == "Overview"

    open_page(at, "home")

    assert client.calls == ["sign_in", "me", "ledgers", "ledgers"]
    assert at.title[0].value == "Home"
    assert "ada@example.com" in _text(at)
    assert "Ada Lovelace" in _text(at)
    table = at.dataframe[0].value
    assert table.to_dict("records") == [
        {"Name": "Family", "Currency": "USD", "Role": "Editor"},
        {"Name": "Ada's budget", "Currency": "EUR", "Role": "Owner"},
    ]
    assert at.selectbox(key="ledger_switcher").value == "ledger-2"
    assert "Ada's budget" in "\n".join(m.value for m in at.sidebar.markdown)


def test_wrong_password_shows_the_api_detail(client: FakeClient) -> None:
    client.failures["sign_in"] = ApiError(
        401, "invalid_credentials", "Email or password is incorrect."
    )
    at = _app().run()

    _sign_in(at)

    assert not at.exception
    assert [error.value for error in at.error] == ["Email or password is incorrect."]
    assert at.title[0].value == "Budget"
    assert session.USER_KEY not in at.session_state


def test_register_error_shows_field_messages(client: FakeClient) -> None:
    client.failures["register"] = ApiError(
        422,
        "validation_error",
        "The password is too weak.",
        [FieldError(field="password", message="This password is too short.")],
    )
    at = _app().run()

    at.text_input(key="register_email").input("new@example.com")
    at.text_input(key="register_password").input("short")
    at.text_input(key="register_confirm").input("short")
    at.button(key="register_submit").click().run()

    assert [error.value for error in at.error] == [
        "The password is too weak. Password: This password is too short."
    ]


def test_register_signs_the_new_user_in(client: FakeClient) -> None:
    at = _app().run()

    at.text_input(key="register_email").input("ada@example.com")
    at.text_input(key="register_password").input("long enough password")
    at.text_input(key="register_confirm").input("long enough password")
    at.button(key="register_submit").click().run()

    assert client.calls[:4] == ["register", "sign_in", "me", "ledgers"]
    assert at.title[0].value == "Overview"


def test_expired_session_returns_to_sign_in_with_the_message(client: FakeClient) -> None:
    client.failures["ledgers"] = SessionExpired()
    at = open_page(_signed_in_app(), "home")

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [warning.value for warning in at.warning] == [SESSION_EXPIRED_MESSAGE]
    assert not at.error


def test_switching_ledger_changes_the_current_ledger(client: FakeClient) -> None:
    at = open_page(_signed_in_app(), "home")

    at.selectbox(key="ledger_switcher").select("ledger-1").run()

    assert at.session_state[session.CURRENT_LEDGER_KEY] == "ledger-1"
    assert "Family" in "\n".join(m.value for m in at.sidebar.markdown)


def test_sign_out_calls_logout_and_returns_to_sign_in(client: FakeClient) -> None:
    at = open_page(_signed_in_app(), "home")

    at.button(key="sign_out").click().run()

    assert "sign_out" in client.calls
    assert at.title[0].value == "Budget"
    assert not at.warning


def test_unreachable_api_on_home_shows_the_message_and_keeps_the_page(client: FakeClient) -> None:
    client.failures["ledgers"] = ApiUnavailable("http://127.0.0.1:8000/api/v1")
    at = open_page(_signed_in_app(), "home")

    assert not at.exception
    assert [error.value for error in at.error] == [
        "The budget server can't be reached at http://127.0.0.1:8000/api/v1. Is it running?"
    ]
    assert at.title[0].value == "Home"
    assert len(at.dataframe[0].value) == 2


def test_real_client_signs_in_and_expires_against_a_running_api(
    api_url: str, api_state: FakeApiState
) -> None:
    with patch("dashboard.config.API_URL", api_url):
        at = _app().run()
        at.text_input(key="sign_in_email").input(EMAIL)
        at.text_input(key="sign_in_password").input(PASSWORD)
        at.button(key="sign_in_submit").click().run()
        assert at.title[0].value == "Overview"

        open_page(at, "home")
        assert at.title[0].value == "Home"
        assert at.dataframe[0].value["Name"].tolist() == ["Ada's budget"]

        api_state.expire_access_tokens()
        at.run()
        assert at.title[0].value == "Home"
        assert len(api_state.calls_to("/auth/token/refresh")) == 1

        api_state.expire_access_tokens()
        api_state.refresh_disabled = True
        at.run()

    assert not at.exception
    assert at.title[0].value == "Budget"
    assert [warning.value for warning in at.warning] == [SESSION_EXPIRED_MESSAGE]
    assert session.TOKENS_KEY not in at.session_state
