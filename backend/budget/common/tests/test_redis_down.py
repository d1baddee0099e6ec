"""With Redis down the API keeps working (SPEC §19): the cache fails open, enqueues after a
commit are logged and left to the sweeps, and /health says "degraded" with 200.

Redis is made unreachable for real: the cache and the Django-Q2 broker point at a local
port nothing listens on (connection refused), or at a local server that accepts
connections and never answers (a hung Redis)."""

import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_q.conf import Conf
from tests.helpers import PASSWORD

from budget.common import cache as fail_open
from budget.common import tasks
from budget.common.tasks import broker
from budget.money.models import AllocationStatus, Transaction
from budget.money.tests import helpers as money_tests
from config.settings.base import redis_broker, redis_cache

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: bound by the OS as free, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class HungRedis:
    """A local TCP server that accepts connections and never answers, like a hung Redis."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return  # closed
            self.accepted.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.accepted:
            connection.close()


def point_at(url: str, settings, monkeypatch) -> None:
    """The cache and the broker on `url`, configured as settings do with REDIS_URL."""
    settings.CACHES = {"default": redis_cache(url)}
    settings.IMPORT_PROGRESS_CACHE = "default"
    # Django-Q2 reads its settings once at import: its Conf is what a broker is made from.
    monkeypatch.setattr(Conf, "SYNC", False)  # enqueue to the broker, as in production
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "REDIS", redis_broker(url))
    monkeypatch.setattr(Conf, "CACHE", "default")
    broker.cache_clear()
    # Redis is tried afresh by each test, whatever an earlier one saw.
    monkeypatch.setattr(fail_open, "_resting_until", {})
    monkeypatch.setattr(tasks, "_broker_resting_until", 0.0)


@pytest.fixture
def redis_down(closed_port, settings, monkeypatch) -> Iterator[None]:
    point_at(f"redis://127.0.0.1:{closed_port}/0", settings, monkeypatch)
    yield
    broker.cache_clear()


@pytest.fixture
def redis_hung(settings, monkeypatch) -> Iterator[HungRedis]:
    server = HungRedis()
    point_at(f"redis://127.0.0.1:{server.port}/0", settings, monkeypatch)
    yield server
    broker.cache_clear()
    server.close()


@pytest.fixture
def bank(household):
    return household.bank


@pytest.fixture
def income(household) -> dict:
    return money_tests.income(household, amount="100.00")


@pytest.fixture
def expense(household) -> dict:
    return money_tests.expense(household, amount="9.99", date="2025-03-01")


# A real commit: its on-commit hook runs inside the request, as in production.
@pytest.mark.django_db(transaction=True)
def test_income_is_created_once_when_the_broker_is_down(redis_down, owner_api, ledger, income):
    response = owner_api.post(f"/ledgers/{ledger.pk}/transactions", income)
    assert response.status_code == 201, response.content
    assert Transaction.objects.filter(ledger=ledger).count() == 1
    # Its allocation task was lost with the broker: the allocation sweep does it later.
    assert Transaction.objects.get().allocation_status == AllocationStatus.PENDING


# A real commit: its on-commit hook runs inside the request, as in production.
@pytest.mark.django_db(transaction=True)
def test_expense_is_created_once_when_the_broker_is_down(redis_down, owner_api, ledger, expense):
    response = owner_api.post(f"/ledgers/{ledger.pk}/transactions", expense)
    assert response.status_code == 201, response.content
    assert Transaction.objects.filter(ledger=ledger).count() == 1


# A real commit: its on-commit hook runs inside the request, as in production.
@pytest.mark.django_db(transaction=True)
def test_lost_enqueue_is_logged_for_the_sweep(redis_down, owner_api, ledger, income, caplog):
    with caplog.at_level(logging.WARNING, logger="budget.common.tasks"):
        assert owner_api.post(f"/ledgers/{ledger.pk}/transactions", income).status_code == 201
    [record] = [r for r in caplog.records if r.name == "budget.common.tasks"]
    assert "allocate incomes" in record.getMessage()
    assert "sweep" in record.getMessage()


@pytest.fixture
def spent(owner_api, ledger, expense) -> None:
    """An expense written while Redis is still up."""
    assert owner_api.post(f"/ledgers/{ledger.pk}/transactions", expense).status_code == 201


@pytest.fixture
def checked_import(owner_api, ledger, bank) -> str:
    """An import checked while Redis is still up: the path of its job."""
    csv = "date,kind,amount,description,category,wallet\n"
    csv += "2025-03-01,expense,5.00,Bread,Groceries,Bank\n"
    upload = SimpleUploadedFile("bank.csv", csv.encode(), content_type="text/csv")
    response = owner_api.client.post(
        f"/api/v1/ledgers/{ledger.pk}/imports",
        {"file": upload},
        HTTP_AUTHORIZATION=f"Bearer {owner_api.token}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "validated", response.content
    return f"/ledgers/{ledger.pk}/imports/{response.json()['id']}"


@pytest.mark.django_db(transaction=True)
def test_import_commit_answers_when_the_broker_is_down(checked_import, redis_down, owner_api):
    response = owner_api.post(f"{checked_import}/commit", {})
    assert response.status_code == 202, response.content
    # Its task was lost: the job stays running until the import sweep finds it stale.
    assert owner_api.get(checked_import).json()["status"] == "running"


def test_reports_and_lists_answer_when_the_cache_is_down(spent, redis_down, owner_api, ledger):
    for path in ("reports/balances", "reports/monthly?year=2025&month=3", "transactions"):
        response = owner_api.get(f"/ledgers/{ledger.pk}/{path}")
        assert response.status_code == 200, (path, response.content)
    assert owner_api.get(f"/ledgers/{ledger.pk}/transactions").json()["count"] == 1


def test_sign_in_and_register_answer_when_the_cache_is_down(redis_down, api, user):
    registered = api.post("/auth/register", {"email": "new@example.com", "password": PASSWORD})
    assert registered.status_code == 201, registered.content
    signed_in = api.post("/auth/token", {"email": "alice@example.com", "password": PASSWORD})
    assert signed_in.status_code == 200, signed_in.content


def test_health_is_degraded_when_redis_is_down(redis_down, api):
    response = api.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "unavailable",
        "broker": "unavailable",
    }


def test_hung_redis_is_tried_once_then_rested(redis_hung, api, user):
    """A Redis that accepts and never answers costs one short timeout, not one per request
    and cache call: afterwards the cache is skipped for a while."""
    started = time.monotonic()
    for _ in range(3):
        signed_in = api.post("/auth/token", {"email": "alice@example.com", "password": PASSWORD})
        assert signed_in.status_code == 200, signed_in.content
    elapsed = time.monotonic() - started
    # Each sign-in makes four cache calls (two throttles: read and write): one timed out.
    assert len(redis_hung.accepted) == 1
    assert elapsed < 5  # a read timeout of redis-py's default 5 s per call was 60 s


@pytest.mark.django_db(transaction=True)
def test_hung_broker_is_tried_once_then_rested(redis_hung, owner_api, ledger, income):
    """Each write queues a task after its commit; with a hung Redis the first waits for the
    broker's read timeout, the next ones leave their task to the sweep at once."""
    started = time.monotonic()
    for _ in range(3):
        response = owner_api.post(f"/ledgers/{ledger.pk}/transactions", income)
        assert response.status_code == 201, response.content
    elapsed = time.monotonic() - started
    assert Transaction.objects.filter(ledger=ledger).count() == 3
    # Two connections: the cache's (every signed-in request asks it whether its session was
    # revoked, budget.accounts.sessions), then the broker's; each timed out once, then rested.
    assert len(redis_hung.accepted) == 2
    assert elapsed < 5  # three broker timeouts would be 6 s; redis-py's default, 15 s
