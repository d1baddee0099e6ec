"""Remembered sessions in Redis (dashboard/vault.py, RedisSessionVault): two dashboard replicas
share them, a claim code works once on whichever replica, and a Redis that is down only means
"nothing remembered". Against a real Redis (tests/redis_store.py)."""

from __future__ import annotations

import hashlib
import logging
import socket
import time
import uuid
from collections.abc import Iterator
from unittest.mock import patch

import pytest
import redis
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import session
from dashboard import vault as vault_module
from dashboard.api import ApiClient, Tokens
from dashboard.vault import RedisSessionVault, SessionVault, vault_from_env
from tests.conftest import EMAIL
from tests.fake_api import PASSWORD, FakeApiState
from tests.redis_store import TEST_REDIS_URL, delete_keys, unreachable_reason


@pytest.fixture
def prefix() -> Iterator[str]:
    reason = unreachable_reason()
    if reason:
        pytest.skip(reason)
    prefix = f"test-dashboard-{uuid.uuid4().hex}:"
    yield prefix
    delete_keys(prefix)


def _replica(prefix: str, **options: float) -> RedisSessionVault:
    return RedisSessionVault(TEST_REDIS_URL, prefix=prefix, **options)


def test_two_replicas_share_a_session_and_a_claim_code_works_once(prefix: str) -> None:
    one, two = _replica(prefix), _replica(prefix)
    opened = one.open(Tokens("a1", "r1"))
    assert opened is not None
    session_id, code = opened

    assert two.claim(code) == session_id
    assert one.claim(code) is None
    assert two.claim(code) is None
    assert two.claim("made-up") is None
    assert one.tokens(session_id) == two.tokens(session_id) == Tokens("a1", "r1")


def test_a_rotation_on_one_replica_is_seen_on_the_other_and_the_last_one_wins(
    prefix: str,
) -> None:
    one, two = _replica(prefix), _replica(prefix)
    session_id, _ = one.open(Tokens("a1", "r1")) or ("", "")

    assert two.update(session_id, Tokens("a2", "r2"))
    assert one.tokens(session_id) == Tokens("a2", "r2")
    one.update(session_id, Tokens("a3", "r3"))
    assert two.tokens(session_id) == Tokens("a3", "r3")


def test_close_on_one_replica_ends_the_session_everywhere(prefix: str) -> None:
    one, two = _replica(prefix), _replica(prefix)
    session_id, code = one.open(Tokens("a", "r")) or ("", "")

    two.close(session_id)
    one.update(session_id, Tokens("late", "rotation"))  # a tab rotating just then

    assert one.tokens(session_id) is None
    assert two.tokens(session_id) is None
    assert one.claim(code) is None  # nothing left to hand a cookie for
    assert two.tokens(None) is None
    two.close(None)


def test_an_expired_claim_code_is_refused(prefix: str) -> None:
    one, two = _replica(prefix, claim_seconds=0.05), _replica(prefix)
    session_id, code = one.open(Tokens("a", "r")) or ("", "")

    time.sleep(0.15)

    assert two.claim(code) is None
    assert two.tokens(session_id) == Tokens("a", "r")  # the session itself lives on


def test_an_expired_session_is_forgotten(prefix: str) -> None:
    one = _replica(prefix, lifetime_seconds=0.05)
    session_id, code = one.open(Tokens("a", "r")) or ("", "")

    time.sleep(0.15)

    assert one.tokens(session_id) is None
    assert one.claim(code) is None


def test_keys_expire_with_the_lifetime_and_never_show_the_cookie_value(prefix: str) -> None:
    one = _replica(prefix, lifetime_seconds=7 * 86400)
    session_id, code = one.open(Tokens("a", "r")) or ("", "")
    client = redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    session_key = f"{prefix}session:{hashlib.sha256(session_id.encode()).hexdigest()}"
    claim_key = f"{prefix}claim:{hashlib.sha256(code.encode()).hexdigest()}"

    assert 7 * 86400 - 5 < client.ttl(session_key) <= 7 * 86400
    assert 0 < client.ttl(claim_key) <= 60
    one.update(session_id, Tokens("a2", "r2"))
    assert 7 * 86400 - 5 < client.ttl(session_key) <= 7 * 86400  # the lifetime stays fixed

    stored = {key: client.get(key) for key in client.scan_iter(match=f"{prefix}*")}
    assert set(stored) == {session_key, claim_key}
    assert not any(session_id in key or session_id in value for key, value in stored.items())
    assert not any(code in key or code in value for key, value in stored.items())


def test_the_stored_pair_is_encrypted_and_opens_only_with_its_session_id(prefix: str) -> None:
    """Whoever reads that Redis reads no token: the pair is sealed with a key derived from the
    session id, which only the browser's cookie holds."""
    one, two = _replica(prefix), _replica(prefix)
    access, refresh = "access-" + uuid.uuid4().hex, "refresh-" + uuid.uuid4().hex
    session_id, _ = one.open(Tokens(access, refresh)) or ("", "")
    other_id, _ = one.open(Tokens("a", "r")) or ("", "")
    client = redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    key = f"{prefix}session:{hashlib.sha256(session_id.encode()).hexdigest()}"
    other_key = f"{prefix}session:{hashlib.sha256(other_id.encode()).hexdigest()}"

    sealed = client.get(key)
    for text in (access, refresh, access[7:], refresh[8:], "refresh"):
        assert text not in sealed
    assert two.tokens(session_id) == Tokens(access, refresh)
    one.update(session_id, Tokens(access, refresh))
    assert client.get(key) != sealed  # a fresh IV each write
    assert two.tokens(session_id) == Tokens(access, refresh)

    # Under another session's key it opens for nobody; altered, neither.
    client.set(other_key, sealed, keepttl=True)
    assert two.tokens(other_id) is None
    client.set(key, sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB"))
    assert two.tokens(session_id) is None


def test_a_pair_stored_in_plain_text_by_an_earlier_version_means_signing_in_again(
    prefix: str,
) -> None:
    one = _replica(prefix)
    session_id, _ = one.open(Tokens("a", "r")) or ("", "")
    client = redis.Redis.from_url(TEST_REDIS_URL, decode_responses=True)
    key = f"{prefix}session:{hashlib.sha256(session_id.encode()).hexdigest()}"
    client.set(key, '{"access": "a", "refresh": "r"}', keepttl=True)
    assert one.tokens(session_id) is None


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_unreachable_redis_means_nothing_remembered_and_one_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = RedisSessionVault(f"redis://127.0.0.1:{_closed_port()}/0")
    caplog.set_level(logging.WARNING, logger="dashboard.vault")

    started = time.monotonic()
    assert down.open(Tokens("a", "r")) is None
    assert down.claim("code") is None
    assert down.tokens("session") is None
    assert not down.update("session", Tokens("a", "r"))
    down.close("session")
    monkeypatch.setattr(vault_module, "REDIS_RETRY_SECONDS", 0.0)
    assert down.tokens("session") is None  # asked again, still down: no second warning

    assert time.monotonic() - started < 3
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "sign-ins are not remembered" in warnings[0].getMessage()


def test_the_store_follows_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DASHBOARD_REDIS_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(vault_from_env(), SessionVault)

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/3")
    fallback = vault_from_env()
    assert isinstance(fallback, RedisSessionVault)
    assert fallback.client.connection_pool.connection_kwargs["db"] == 3

    monkeypatch.setenv("DASHBOARD_REDIS_URL", "redis://127.0.0.1:6379/4")
    chosen = vault_from_env()
    assert isinstance(chosen, RedisSessionVault)
    assert chosen.client.connection_pool.connection_kwargs["db"] == 4
    assert chosen.client.connection_pool.connection_kwargs["socket_timeout"] == 1.0


def test_signing_in_works_while_the_redis_is_down_just_not_remembered(
    api_state: FakeApiState, api_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        session, "VAULT", RedisSessionVault(f"redis://127.0.0.1:{_closed_port()}/0")
    )
    client = ApiClient(api_url, timeout=2, tokens=session.SessionTokenStore())
    st.cache_data.clear()
    with patch("dashboard.api.get_client", return_value=client):
        at = AppTest.from_file("../app.py", default_timeout=10).run()
        at.text_input(key="sign_in_email").input(EMAIL)
        at.text_input(key="sign_in_password").input(PASSWORD)
        at.button(key="sign_in_submit").click().run()
        assert not at.exception
        assert session.USER_KEY in at.session_state
        assert session.VAULT_ID_KEY not in at.session_state  # nothing to hand a cookie for

        at.run()  # the next rerun still calls the API with the tab's own tokens
        assert not at.exception
        assert session.USER_KEY in at.session_state


def _rotate_while_down_page() -> None:
    import streamlit as st

    from dashboard import session
    from dashboard.api import Tokens

    st.session_state[session.VAULT_ID_KEY] = "remembered"
    session.SessionTokenStore().set(Tokens("a2", "r2"))
    st.write(str(st.session_state.get(session.VAULT_ID_KEY)))
    st.write(session.SessionTokenStore().get().refresh)


def test_a_rotation_the_redis_cannot_keep_leaves_the_tab_on_its_own_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        session, "VAULT", RedisSessionVault(f"redis://127.0.0.1:{_closed_port()}/0")
    )

    at = AppTest.from_function(_rotate_while_down_page, default_timeout=10).run()

    assert not at.exception
    assert [m.value for m in at.markdown] == ["None", "r2"]


def test_a_redis_that_never_answers_costs_one_timeout_then_is_left_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()  # connections queue up; nobody ever reads or answers
        port = silent.getsockname()[1]
        hung = RedisSessionVault(f"redis://127.0.0.1:{port}/0", timeout_seconds=0.3)
        caplog.set_level(logging.WARNING, logger="dashboard.vault")

        started = time.monotonic()
        assert hung.tokens("session") is None
        first = time.monotonic() - started
        assert hung.tokens("session") is None
        assert hung.open(Tokens("a", "r")) is None
        rest = time.monotonic() - started - first

    assert 0.2 < first < 2
    assert rest < 0.1
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
