"""Deliveries (SPEC §16): each event is one signed POST per webhook that wants it, sent by a
Django-Q2 task after the write commits (the sync broker runs it inline here), to a real
receiver on 127.0.0.1; failures are retried with backoff up to WEBHOOK_MAX_ATTEMPTS."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone
from tests.helpers import assert_ledger_of_parent

from budget.exchange.tests.helpers import csv_text, imports_path, validated
from budget.money.tests.helpers import expense, income, post_ok, tx_path
from budget.planning import services as planning
from budget.webhooks import services, tasks
from budget.webhooks.models import Delivery, Webhook
from budget.webhooks.tests.helpers import signature_valid

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 15, 12, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _in_march_2025():
    with time_machine.travel(START, tick=False):
        yield


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Runs what a block queued on commit (the delivery tasks), as a real request would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


def hook(ledger, receiver, events=("*",), **fields) -> Webhook:
    return services.webhook_create(ledger=ledger, url=receiver.url, events=list(events), **fields)


def test_a_created_transaction_is_posted_signed(owner_api, household, receiver, run_on_commit):
    webhook = hook(household.ledger, receiver)
    with run_on_commit():
        tx = post_ok(owner_api, household.ledger, expense(household, description="Bread"))

    [request] = receiver.requests
    assert request.path == "/hooks/budget?source=test"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Budget-Event"] == "transaction.created"
    assert signature_valid(webhook.secret, request.headers["X-Budget-Signature"], request.body)
    stamp = int(request.headers["X-Budget-Signature"].split(",")[0].removeprefix("t="))
    assert stamp == int(START.timestamp())
    delivery = Delivery.objects.get()
    assert request.json == {
        "id": str(delivery.pk),
        "event": "transaction.created",
        "ledger": str(household.ledger.pk),
        "at": "2025-03-15T12:00:00Z",
        "data": {
            "count": 1,
            "transactions": [
                {
                    "id": tx["id"],
                    "date": "2025-03-02",
                    "kind": "expense",
                    "amount": "25.50",
                    "currency": "EUR",  # SPEC §14
                    "base_amount": "25.50",
                    "description": "Bread",
                    "notes": "",
                    "tags": [],
                    "category": str(household.groceries.pk),
                    "wallet": str(household.bank.pk),
                    "bucket": str(household.unallocated.pk),
                    "from_wallet": None,
                    "to_wallet": None,
                    "from_bucket": None,
                    "to_bucket": None,
                    "payee": None,
                    "payee_name": None,
                    "external_id": None,
                    "allocation_status": "not_applicable",
                }
            ],
        },
    }
    assert request.headers["X-Budget-Delivery"] == str(delivery.pk)
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 1, 200)


def test_a_wrong_secret_does_not_verify(owner_api, household, receiver, run_on_commit):
    hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    [request] = receiver.requests
    assert not signature_valid("whsec_other", request.headers["X-Budget-Signature"], request.body)
    tampered = request.body.replace(b"25.50", b"99.50")
    secret = Webhook.objects.get().secret
    assert not signature_valid(secret, request.headers["X-Budget-Signature"], tampered)


def test_updates_and_deletes_are_announced(owner_api, household, receiver, run_on_commit):
    hook(household.ledger, receiver, events=["transaction.updated", "transaction.deleted"])
    with run_on_commit():
        tx = post_ok(owner_api, household.ledger, expense(household))
    assert receiver.requests == []  # not subscribed to transaction.created
    path = tx_path(household.ledger, tx["id"])
    with run_on_commit():
        assert owner_api.patch(path, {"amount": "30.00"}).status_code == 200
    with run_on_commit():
        assert owner_api.delete(path).status_code == 204

    updated, deleted = (r.json for r in receiver.requests)
    assert updated["event"] == "transaction.updated"
    assert updated["data"]["transactions"][0]["amount"] == "30.00"
    assert deleted["event"] == "transaction.deleted"
    assert deleted["data"] == {"count": 1, "transactions": [updated["data"]["transactions"][0]]}


def test_only_active_webhooks_that_want_the_event_get_it(
    owner_api, household, receiver, run_on_commit
):
    hook(household.ledger, receiver, events=["budget.alert"])
    hook(household.ledger, receiver, active=False)
    wanted = hook(household.ledger, receiver, events=["transaction.created"])
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    assert [d.webhook_id for d in Delivery.objects.all()] == [wanted.pk]
    assert len(receiver.requests) == 1


def test_another_ledgers_writes_reach_no_webhook(api, household, stranger, receiver, run_on_commit):
    hook(household.ledger, receiver)
    with run_on_commit():
        response = api.as_user(stranger).post(
            tx_path(stranger.default_ledger), {**expense(household), "wallet": None}
        )
    assert response.status_code == 422
    assert receiver.requests == []
    assert not Delivery.objects.exists()


def test_a_bulk_write_is_one_event_with_its_count(
    owner_api, household, receiver, run_on_commit, settings
):
    settings.WEBHOOK_MAX_ITEMS = 2
    hook(household.ledger, receiver)
    items = [expense(household, description=f"Item {n}") for n in range(3)]
    with run_on_commit():
        response = owner_api.post(f"{tx_path(household.ledger)}/bulk", {"items": items})
    assert response.status_code == 201
    [request] = receiver.requests
    data = request.json["data"]
    assert data["count"] == 3
    assert [t["description"] for t in data["transactions"]] == ["Item 0", "Item 1"]


def test_a_refused_write_sends_nothing(owner_api, household, receiver, run_on_commit):
    hook(household.ledger, receiver)
    items = [expense(household), expense(household, amount="-1")]
    with run_on_commit():
        response = owner_api.post(f"{tx_path(household.ledger)}/bulk", {"items": items})
    assert response.status_code == 422
    assert not Delivery.objects.exists()
    assert receiver.requests == []


def test_a_failed_attempt_is_retried_with_backoff(owner_api, household, receiver, run_on_commit):
    receiver.statuses = [500, 200]
    hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, income(household))

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, 500)
    assert delivery.last_error == "Answered 500."
    assert delivery.next_attempt_at == START + timedelta(seconds=30)

    # Not due yet: the sweep leaves it.
    assert tasks.deliveries_sweep() == {"queued": 0, "forgotten": 0}
    with time_machine.travel(START + timedelta(seconds=31), tick=False):
        assert tasks.deliveries_sweep()["queued"] == 1  # the sync broker runs it now

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("succeeded", 2, 200)
    assert delivery.last_error == ""
    first, second = receiver.requests
    assert first.body == second.body  # the same event, the same id: receivers drop repeats


def test_after_six_failed_attempts_the_delivery_fails(
    owner_api, household, receiver, run_on_commit
):
    receiver.statuses = [503]
    hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    waits = []
    now = START
    delivery = Delivery.objects.get()
    while delivery.status == "pending":
        waits.append(delivery.next_attempt_at - delivery.last_attempt_at)
        now = delivery.next_attempt_at
        with time_machine.travel(now, tick=False):
            tasks.deliveries_sweep()
        delivery.refresh_from_db()
    assert [w.total_seconds() for w in waits] == [30, 120, 480, 1920, 7680]
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("failed", 6, 503)
    assert len(receiver.requests) == 6
    with time_machine.travel(now + timedelta(days=1), tick=False):
        assert tasks.deliveries_sweep()["queued"] == 0


def test_an_attempt_runs_once_however_often_it_is_queued(
    owner_api, household, receiver, run_on_commit
):
    hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    delivery = Delivery.objects.get()
    assert tasks.delivery_attempt_task(str(delivery.pk)) == "skipped"
    assert len(receiver.requests) == 1


def test_redirects_are_not_followed(owner_api, household, receiver, run_on_commit):
    receiver.statuses = [302]
    receiver.location = "http://127.0.0.1:9/elsewhere"
    hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.response_code) == ("pending", 302)
    assert "redirects are not followed" in delivery.last_error
    assert len(receiver.requests) == 1


def test_the_address_is_checked_again_at_delivery(
    owner_api, household, receiver, run_on_commit, settings
):
    hook(household.ledger, receiver)  # allowed when it was saved
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    delivery = Delivery.objects.get()
    assert receiver.requests == []
    assert delivery.response_code is None
    assert "127.0.0.1, a loopback address" in delivery.last_error


def test_a_receiver_that_is_down_is_an_error_not_a_crash(
    owner_api, household, run_on_commit, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    services_hook = Webhook.objects.create(
        ledger=household.ledger, url="http://127.0.0.1:9/closed", events=["*"], secret="whsec_x"
    )
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    delivery = Delivery.objects.get(webhook=services_hook)
    assert delivery.status == "pending"
    assert delivery.last_error.startswith("Could not connect")


def test_an_import_announces_itself_not_its_rows(owner_api, household, receiver, run_on_commit):
    hook(household.ledger, receiver)
    job = validated(
        owner_api,
        household.ledger,
        csv_text(
            "2025-03-01,expense,12.00,Bread,Groceries,Bank,,,",
            "2025-03-02,expense,8.00,Milk,Groceries,Bank,,,",
        ),
    )
    with run_on_commit():
        response = owner_api.post(imports_path(household.ledger, job["id"], "commit"), {})
    assert response.status_code == 202, response.content
    assert [r.json["event"] for r in receiver.requests] == ["import.finished"]
    data = receiver.requests[0].json["data"]
    assert data == {
        "id": job["id"],
        "status": "done",
        "filename": "bank.csv",
        "created": 2,
        "detail": "2 transactions were imported.",
    }


def test_a_budget_alert_is_announced(owner_api, household, receiver, run_on_commit):
    hook(household.ledger, receiver, events=["budget.alert"])
    planning.budget_create(
        ledger=household.ledger,
        category=household.groceries.pk,
        amount=Decimal("100.00"),
        start_month=date(2025, 3, 1),
    )
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household, amount="85.00", date="2025-03-10"))
    [request] = receiver.requests
    assert request.json["event"] == "budget.alert"
    data = request.json["data"]
    assert (data["kind"], data["category_name"], data["month"]) == (
        "budget_warning",
        "Groceries",
        "2025-03",
    )
    assert data["title"] == "Budget warning: Groceries at 85.00 %"


def test_the_delivery_log(owner_api, household, receiver, run_on_commit):
    receiver.statuses = [500]
    webhook = hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    body = owner_api.get(f"/ledgers/{household.ledger.pk}/webhooks/{webhook.pk}/deliveries").json()
    delivery = Delivery.objects.get()
    assert body == {
        "items": [
            {
                "id": str(delivery.pk),
                "event": "transaction.created",
                "status": "pending",
                "attempts": 1,
                "response_code": 500,
                "last_error": "Answered 500.",
                "at": "2025-03-15T12:00:00Z",
                "last_attempt_at": "2025-03-15T12:00:00Z",
                "next_attempt_at": "2025-03-15T12:00:30Z",
            }
        ],
        "count": 1,
    }


def test_the_delivery_log_costs_a_fixed_number_of_queries(
    owner_api, household, receiver, django_assert_max_num_queries
):
    webhook = hook(household.ledger, receiver)
    for _ in range(5):
        post_ok(owner_api, household.ledger, expense(household))  # recorded, not sent
    path = f"/ledgers/{household.ledger.pk}/webhooks/{webhook.pk}/deliveries"
    with django_assert_max_num_queries(4):  # membership, the webhook, the count, the page
        assert owner_api.get(path).json()["count"] == 5


def test_old_deliveries_are_forgotten(owner_api, household, receiver, run_on_commit, settings):
    hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    later = timezone.now() + timedelta(days=settings.WEBHOOK_KEEP_DAYS + 1)
    with time_machine.travel(later, tick=False):
        assert tasks.deliveries_sweep() == {"queued": 0, "forgotten": 1}
    assert not Delivery.objects.exists()


def test_the_body_is_compact_json(owner_api, household, receiver, run_on_commit):
    hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    body = receiver.requests[0].body
    assert body == json.dumps(json.loads(body), separators=(",", ":")).encode()


def test_a_slow_receiver_times_out(owner_api, household, receiver, run_on_commit, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.delay = 3
    hook(household.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, household.ledger, expense(household))
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.response_code) == ("pending", 1, None)
    assert delivery.last_error == "No answer within 1 s."


def test_a_payload_carries_the_currency_and_base_amount(
    owner_api, household, receiver, run_on_commit
):
    from budget.money.services import wallet_create
    from budget.rates.tests.helpers import own_rate

    h = household
    yen = wallet_create(ledger=h.ledger, name="Tokyo", kind="virtual", currency="JPY")
    own_rate(h.ledger, "JPY", date(2025, 3, 2), "0.0061")
    hook(h.ledger, receiver)
    with run_on_commit():
        post_ok(owner_api, h.ledger, expense(h, amount="1200", wallet=str(yen.pk)))
    [request] = receiver.requests
    [item] = request.json["data"]["transactions"]
    assert (item["amount"], item["currency"], item["base_amount"]) == ("1200", "JPY", "7.32")


def test_a_delivery_carries_its_webhooks_ledger(owner_api, household, bob, receiver):
    """README "Distributing by ledger": the row's ledger_id is its webhook's."""
    hook(household.ledger, receiver)
    hook(bob.default_ledger, receiver)
    post_ok(owner_api, household.ledger, expense(household))
    services.event_record(ledger_id=bob.default_ledger.pk, event="budget.alert", data={})

    pairs = assert_ledger_of_parent(Delivery, "webhook", at_least=2)
    assert sorted(own for own, _ in pairs) == sorted([household.ledger.pk, bob.default_ledger.pk])
