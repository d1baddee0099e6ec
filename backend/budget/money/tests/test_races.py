"""Archiving or deleting a wallet, bucket or category while a transaction that uses it is
created (PostgreSQL, real threads): whichever comes first wins cleanly, and the other is
refused — never an archived wallet or bucket with money in it, never a 500.

Each test holds one side at the point where the race was lost (its checks done, nothing
written or committed yet) and starts the other side meanwhile; then lets the first go on."""

import json
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.test import Client

from budget.accounts import services as account_services
from budget.money import selectors, services
from budget.money.models import Category, Transaction

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL's row locks and real threads"
    ),
]

HOLD_SECONDS = 1.0  # how long the held side waits for the other to (wrongly) finish


class Held:
    """Wraps `module.name` so that its first call in the thread named `thread` stops there
    until `release()`; `reached` is set when it does."""

    def __init__(self, monkeypatch, module, name: str, thread: str, after: bool = False) -> None:
        self.reached, self.go = threading.Event(), threading.Event()
        original = getattr(module, name)

        def held(*args, **kwargs):
            result = original(*args, **kwargs) if after else None
            if threading.current_thread().name == thread and not self.reached.is_set():
                self.reached.set()
                assert self.go.wait(timeout=30), "never released"
            return result if after else original(*args, **kwargs)

        monkeypatch.setattr(module, name, held)

    def release(self) -> None:
        self.go.set()


def start(name: str, call: Callable, outcomes: dict) -> threading.Thread:
    def run() -> None:
        try:
            outcomes[name] = call()
        except Exception as error:  # reported by the assertion on the outcome
            outcomes[name] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread


def race(first: tuple[str, Callable], second: tuple[str, Callable], held: Held) -> dict:
    """Starts `first` until it is held, then `second`; gives `second` HOLD_SECONDS to
    finish on its own, releases `first`, and returns both responses by name."""
    outcomes: dict = {}
    one = start(first[0], first[1], outcomes)
    assert held.reached.wait(timeout=30), outcomes
    two = start(second[0], second[1], outcomes)
    two.join(timeout=HOLD_SECONDS)
    held.release()
    one.join(timeout=60)
    two.join(timeout=60)
    return outcomes


@pytest.fixture
def client_of(user):
    token = account_services.tokens_issue(user=user)["access"]

    def make():
        client = Client()

        def call(method: str, path: str, body: dict | None = None):
            return client.generic(
                method,
                f"/api/v1/ledgers/{user.default_ledger.pk}{path}",
                data=json.dumps(body or {}),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )

        return call

    return make


def adjustment(**refs) -> dict:
    return {"kind": "adjustment", "date": "2025-03-04", "amount": "5.00", **refs}


def status(response) -> int:
    assert not isinstance(response, Exception), response
    return response.status_code


# --- Wallets and buckets: created first, then archived → the archive is a 409 ----------------


@pytest.mark.parametrize("noun", ["wallets", "buckets"])
def test_archiving_while_a_transaction_is_created_is_409_once_it_holds_money(
    transactional_db, user, ledger, client_of, monkeypatch, noun
):
    wallet = services.wallet_create(ledger=ledger, name="Jar", kind="physical")
    bucket = services.bucket_create(ledger=ledger, name="Trip")
    target = wallet if noun == "wallets" else bucket
    held = Held(monkeypatch, services, "_transaction_build", thread="create")
    create, archive = client_of(), client_of()
    body = adjustment(wallet=str(wallet.pk), bucket=str(bucket.pk))
    outcomes = race(
        ("create", lambda: create("POST", "/transactions", body)),
        ("archive", lambda: archive("PATCH", f"/{noun}/{target.pk}", {"archived": True})),
        held,
    )
    assert status(outcomes["create"]) == 201, outcomes["create"].content
    assert status(outcomes["archive"]) == 409, outcomes["archive"].content
    assert outcomes["archive"].json()["code"] == "balance_not_zero"
    target.refresh_from_db()
    assert target.archived is False


# --- Archived first, then used → the transaction is a 422 -----------------------------------


@pytest.mark.parametrize("noun", ["wallets", "buckets"])
def test_a_transaction_created_while_archiving_is_422(
    transactional_db, user, ledger, client_of, monkeypatch, noun
):
    wallet = services.wallet_create(ledger=ledger, name="Jar", kind="physical")
    bucket = services.bucket_create(ledger=ledger, name="Trip")
    target = wallet if noun == "wallets" else bucket
    held = Held(monkeypatch, services, "_archive_guard", thread="archive", after=True)
    create, archive = client_of(), client_of()
    body = adjustment(wallet=str(wallet.pk), bucket=str(bucket.pk))
    outcomes = race(
        ("archive", lambda: archive("PATCH", f"/{noun}/{target.pk}", {"archived": True})),
        ("create", lambda: create("POST", "/transactions", body)),
        held,
    )
    assert status(outcomes["archive"]) == 200, outcomes["archive"].content
    assert status(outcomes["create"]) == 422, outcomes["create"].content
    field = noun[:-1]
    assert [e["field"] for e in outcomes["create"].json()["errors"]] == [field]
    assert not Transaction.objects.filter(ledger=ledger, kind="adjustment").exists()
    balance = selectors.wallet_balance if noun == "wallets" else selectors.bucket_balance
    assert balance(**{field: target}) == Decimal("0.00")


# --- Deleting a category while a transaction uses it ----------------------------------------


def test_deleting_a_category_a_new_transaction_uses_is_409(
    transactional_db, user, ledger, client_of, monkeypatch
):
    wallet = services.wallet_create(ledger=ledger, name="Jar", kind="physical")
    category = services.category_create(ledger=ledger, name="Hobby", type="expense")
    held = Held(monkeypatch, services, "_transaction_build", thread="create")
    create, delete = client_of(), client_of()
    body = {
        "kind": "expense",
        "date": "2025-03-04",
        "amount": "5.00",
        "wallet": str(wallet.pk),
        "category": str(category.pk),
    }
    outcomes = race(
        ("create", lambda: create("POST", "/transactions", body)),
        ("delete", lambda: delete("DELETE", f"/categories/{category.pk}")),
        held,
    )
    assert status(outcomes["create"]) == 201, outcomes["create"].content
    assert status(outcomes["delete"]) == 409, outcomes["delete"].content
    assert outcomes["delete"].json()["code"] == "in_use"
    assert Category.objects.filter(pk=category.pk).exists()


def test_a_transaction_using_a_category_being_deleted_is_422(
    transactional_db, user, ledger, client_of, monkeypatch
):
    wallet = services.wallet_create(ledger=ledger, name="Jar", kind="physical")
    category = services.category_create(ledger=ledger, name="Hobby", type="expense")
    # Held after the row is deleted, before the deletion commits.
    held = Held(monkeypatch, services, "ledger_version_bump", thread="delete")
    create, delete = client_of(), client_of()
    body = {
        "kind": "expense",
        "date": "2025-03-04",
        "amount": "5.00",
        "wallet": str(wallet.pk),
        "category": str(category.pk),
    }
    outcomes = race(
        ("delete", lambda: delete("DELETE", f"/categories/{category.pk}")),
        ("create", lambda: create("POST", "/transactions", body)),
        held,
    )
    assert status(outcomes["delete"]) == 204, outcomes["delete"].content
    assert status(outcomes["create"]) == 422, outcomes["create"].content
    assert [e["field"] for e in outcomes["create"].json()["errors"]] == ["category"]
    assert not Category.objects.filter(pk=category.pk).exists()
    assert not Transaction.objects.filter(ledger=ledger).exists()


# --- Both at once, many times ----------------------------------------------------------------


def _at_once(ledger, client_of, name: str) -> tuple[int, int]:
    """Creates a transaction with a new wallet and archives the wallet, both at once."""
    wallet = services.wallet_create(ledger=ledger, name=name, kind="physical")
    barrier = threading.Barrier(2)
    create, archive = client_of(), client_of()
    body = adjustment(wallet=str(wallet.pk))

    def created():
        barrier.wait(timeout=30)
        return create("POST", "/transactions", body)

    def archived():
        barrier.wait(timeout=30)
        return archive("PATCH", f"/wallets/{wallet.pk}", {"archived": True})

    results: dict = {}
    for thread in [start("create", created, results), start("archive", archived, results)]:
        thread.join(timeout=60)
    wallet.refresh_from_db()
    balance = selectors.wallet_balance(wallet=wallet)
    assert (wallet.archived, balance) in {(True, Decimal("0.00")), (False, Decimal("5.00"))}
    return status(results["create"]), status(results["archive"])


def test_archive_and_create_at_once_never_leave_an_archived_wallet_with_money(
    transactional_db, user, ledger, client_of
):
    for trial in range(10):
        pair = _at_once(ledger, client_of, f"Jar {trial}")
        assert pair in {(201, 409), (422, 200)}, pair
