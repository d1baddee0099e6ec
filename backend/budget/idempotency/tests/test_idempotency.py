"""Idempotency-Key on every POST under /ledgers/{lid}/ (SPEC §19): the same key with the same
body within 24 hours answers the first answer again and writes nothing; another body → 409."""

import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.http import HttpResponse
from django.test import Client
from django.test.client import encode_multipart
from tests.routes import fill, ledger_operations

from budget.accounts import services as account_services
from budget.exchange.models import ImportJob
from budget.idempotency.middleware import answer_is_kept, covers, record_claim, record_finish
from budget.idempotency.models import IdempotencyRecord
from budget.ledgers.models import Ledger, Membership
from budget.money.models import Transaction
from budget.money.tests import helpers as money_tests

KEY = "3f0c2a8e-order-42"


def key(value: str = KEY) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": value}


@pytest.fixture
def bank(household):
    return household.bank


@pytest.fixture
def expense(household) -> dict:
    return money_tests.expense(
        household, amount="12.30", date="2025-03-01", description="Groceries"
    )


def tx_path(ledger) -> str:
    return f"/ledgers/{ledger.pk}/transactions"


def test_the_same_key_and_body_answers_the_first_answer_and_writes_once(owner_api, ledger, expense):
    first = owner_api.post(tx_path(ledger), expense, **key())
    again = owner_api.post(tx_path(ledger), expense, **key())

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"]
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Transaction.objects.filter(ledger=ledger).count() == 1


def test_without_a_key_every_post_writes(owner_api, ledger, expense):
    owner_api.post(tx_path(ledger), expense)
    owner_api.post(tx_path(ledger), expense)

    assert Transaction.objects.filter(ledger=ledger).count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_with_another_body_is_409_and_writes_nothing(owner_api, ledger, expense):
    owner_api.post(tx_path(ledger), expense, **key())

    other = owner_api.post(tx_path(ledger), {**expense, "amount": "99.00"}, **key())

    body = assert_error(other, 409, "idempotency_key_reused")
    assert "Idempotency-Key" in body["detail"]
    assert list(Transaction.objects.values_list("amount", flat=True)) == [Decimal("12.30")]


def test_a_4xx_answer_is_replayed_too(owner_api, ledger, expense):
    bad = {**expense, "amount": "-5"}
    first = owner_api.post(tx_path(ledger), bad, **key())
    again = owner_api.post(tx_path(ledger), bad, **key())

    assert first.status_code == again.status_code == 422
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert not Transaction.objects.exists()


def test_keys_of_different_users_are_independent(owner_api, api, ledger, expense, make_user):
    bob = make_user("bob@example.com")
    Membership.objects.create(ledger=ledger, user=bob, role="editor")

    alice_answer = owner_api.post(tx_path(ledger), expense, **key())
    bob_answer = api.as_user(bob).post(tx_path(ledger), expense, **key())

    assert alice_answer.status_code == bob_answer.status_code == 201
    assert "Idempotent-Replayed" not in bob_answer
    assert Transaction.objects.filter(ledger=ledger).count() == 2


def test_a_jwt_and_an_api_key_of_one_user_share_the_key(owner_api, api, user, ledger, expense):
    raw_key = account_services.api_key_create(user=user, name="script")[1]

    first = owner_api.post(tx_path(ledger), expense, **key())
    again = api.with_token(raw_key).post(tx_path(ledger), expense, **key())

    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    assert Transaction.objects.count() == 1


def test_a_key_is_per_path(owner_api, ledger, bank, expense):
    owner_api.post(tx_path(ledger), expense, **key())
    wallet = owner_api.post(
        f"/ledgers/{ledger.pk}/wallets", {"name": "Jar", "kind": "physical"}, **key()
    )

    assert wallet.status_code == 201
    assert "Idempotent-Replayed" not in wallet


def test_a_key_runs_again_after_24_hours_and_the_old_record_goes(api, user, ledger, expense):
    start = datetime(2025, 3, 1, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        api.as_user(user).post(tx_path(ledger), expense, **key())
        api.as_user(user).post(tx_path(ledger), expense, **key("another-key"))
    with time_machine.travel(start + timedelta(hours=23, minutes=59), tick=False):
        again = api.as_user(user).post(tx_path(ledger), expense, **key())
        assert again["Idempotent-Replayed"] == "true"
    with time_machine.travel(start + timedelta(hours=24, seconds=1), tick=False):
        body = {**expense, "amount": "1.00"}  # another body is no conflict any more
        later = api.as_user(user).post(tx_path(ledger), body, **key())

    assert later.status_code == 201
    assert "Idempotent-Replayed" not in later
    assert Transaction.objects.count() == 3
    # The user's expired records were purged when the new one was written.
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == [KEY]


def test_get_is_unaffected(owner_api, ledger, expense):
    owner_api.post(tx_path(ledger), expense, **key())

    listed = owner_api.get(tx_path(ledger), **key())

    assert listed.status_code == 200
    assert "Idempotent-Replayed" not in listed
    assert listed.json()["count"] == 1


def test_posts_outside_a_ledger_are_unaffected(api, owner_api, user):
    for _ in range(2):
        assert owner_api.post("/ledgers", {"name": "Trip", "currency": "EUR"}, **key()).status_code
        token = api.post(
            "/auth/token",
            {"email": user.email, "password": "correct-horse-battery-staple"},
            **key(),
        )
        assert token.status_code == 200
        assert "Idempotent-Replayed" not in token

    assert Ledger.objects.filter(name="Trip").count() == 2
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    "value",
    ["", "x" * 256, "clé", "tab\there", "new\x7fline"],
    ids=["empty", "too-long", "not-ascii", "tab", "control"],
)
def test_a_malformed_key_is_422_and_writes_nothing(owner_api, ledger, expense, value):
    response = owner_api.post(tx_path(ledger), expense, **key(value))

    assert_error(response, 422, "validation_error", field="Idempotency-Key")
    assert not Transaction.objects.exists()


def test_a_key_of_255_printable_characters_is_accepted(owner_api, ledger, expense):
    value = ("a-Z 0~!" * 40)[:255]

    assert owner_api.post(tx_path(ledger), expense, **key(value)).status_code == 201
    assert owner_api.post(tx_path(ledger), expense, **key(value))["Idempotent-Replayed"] == "true"


def test_an_unauthenticated_post_with_a_key_is_401(api, ledger, expense):
    assert_error(api.post(tx_path(ledger), expense, **key()), 401, "not_authenticated")
    assert not IdempotencyRecord.objects.exists()


def test_every_post_under_a_ledger_checks_the_key(owner_api, ledger):
    posts = [path for method, path in ledger_operations() if method == "POST"]
    assert posts

    for template in posts:
        path = fill(template, lid=ledger.pk)
        response = owner_api.post(path, {}, **key(""))
        assert_error(response, 422, "validation_error", field="Idempotency-Key")


@pytest.mark.parametrize(
    ("method", "path", "covered"),
    [
        ("POST", "/api/v1/ledgers/{lid}/transactions", True),
        ("POST", "/api/v1/ledgers/6b1f0c1e-1111-4222-8333-944455556666/imports", True),
        ("POST", "/api/v1/groups/{gid}/expenses", True),
        ("PATCH", "/api/v1/ledgers/{lid}/transactions/{id}", False),
        ("PATCH", "/api/v1/ledgers/{lid}/transactions/bulk", True),
        ("PATCH", "/api/v1/ledgers/6b1f0c1e-1111-4222-8333-944455556666/transactions/bulk", True),
        ("PATCH", "/api/v1/ledgers/bulk", False),
        ("POST", "/api/v1/ledgers", False),
        ("POST", "/api/v1/ledgers/import-json", False),
        ("POST", "/api/v1/auth/token", False),
        ("POST", "/api/v1/notifications/read-all", False),
    ],
)
def test_the_covered_paths(method, path, covered):
    assert covers(method, path) is covered


KEPT = [200, 201, 202, 204, 400, 403, 404, 409, 413, 422]
NOT_KEPT = [401, 429, 500, 502, 503]


@pytest.mark.parametrize("status", KEPT + NOT_KEPT)
def test_2xx_and_4xx_answers_are_kept_but_not_5xx_401_or_429(status):
    assert answer_is_kept(HttpResponse(status=status)) is (status in KEPT)


def test_a_5xx_answer_releases_the_key_so_the_retry_runs(user):
    scope = {"user": user, "key": KEY, "method": "POST", "path": "/api/v1/ledgers/x/y"}
    record, claimed = record_claim(**scope, body_hash="abc")
    assert claimed

    record_finish(record=record, response=HttpResponse(status=503))

    assert record_claim(**scope, body_hash="abc")[1] is True


def test_a_kept_answer_is_not_claimed_again(user):
    scope = {"user": user, "key": KEY, "method": "POST", "path": "/api/v1/ledgers/x/y"}
    record, _ = record_claim(**scope, body_hash="abc")

    record_finish(record=record, response=HttpResponse(b"{}", status=201))

    again, claimed = record_claim(**scope, body_hash="abc")
    assert not claimed
    assert (again.status, bytes(again.content)) == (201, b"{}")


def test_a_body_over_the_upload_limit_with_a_key_is_413(owner_api, ledger, expense, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

    response = owner_api.post(tx_path(ledger), expense, **key())

    assert_error(response, 413, "payload_too_large")
    assert not Transaction.objects.exists()
    assert not IdempotencyRecord.objects.exists()


CSV = (
    b"date,kind,amount,description,category,wallet\n2025-03-01,expense,4.50,Bread,Groceries,Bank\n"
)


def multipart(boundary: str, content: bytes = CSV) -> tuple[bytes, str]:
    upload = SimpleUploadedFile("bank.csv", content, content_type="text/csv")
    return encode_multipart(boundary, {"file": upload}), f"multipart/form-data; boundary={boundary}"


def test_an_upload_sent_again_with_another_boundary_is_replayed(owner_api, ledger, bank):
    path = f"/api/v1/ledgers/{ledger.pk}/imports"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {owner_api.token}", **key()}
    answers = []
    for boundary in ("first-boundary-1111", "second-boundary-2222"):
        body, content_type = multipart(boundary)
        answers.append(owner_api.client.post(path, body, content_type=content_type, **auth))
    body, content_type = multipart("third", CSV.replace(b"4.50", b"5.50"))
    other = owner_api.client.post(path, body, content_type=content_type, **auth)

    assert answers[0].status_code == 201, answers[0].content
    assert answers[1]["Idempotent-Replayed"] == "true"
    assert answers[1].content == answers[0].content
    assert_error(other, 409, "idempotency_key_reused")
    assert ImportJob.objects.count() == 1


def test_a_malformed_multipart_with_a_key_is_400(owner_api, ledger):
    path = f"/api/v1/ledgers/{ledger.pk}/imports"
    response = owner_api.client.post(
        path,
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc',
        content_type="multipart/form-data; boundary=",
        HTTP_AUTHORIZATION=f"Bearer {owner_api.token}",
        **key(),
    )

    assert response.status_code in (400, 422), response.content
    assert not ImportJob.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_with_one_key_at_once_write_once(user, ledger, bank, expense):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the test holds a row lock while two requests run")
    token = account_services.tokens_issue(user=user)["access"]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", **key()}
    answers: dict[str, object] = {}

    def send(name: str) -> None:
        try:
            answers[name] = Client().post(
                "/api/v1" + tx_path(ledger), expense, content_type="application/json", **headers
            )
        finally:
            connections.close_all()

    # The ledger row is locked, so the first request stops inside its write (the rollup
    # takes that lock) after it has claimed the key.
    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        cursor.execute("SELECT id FROM ledgers_ledger WHERE id = %s FOR UPDATE", [ledger.pk])
        first = threading.Thread(target=send, args=("first",))
        first.start()
        deadline = time.monotonic() + 20
        while not IdempotencyRecord.objects.filter(key=KEY).exists():
            assert time.monotonic() < deadline, "the first request never claimed the key"
            time.sleep(0.02)
        second = threading.Thread(target=send, args=("second",))
        second.start()
        second.join(timeout=20)
        cursor.execute("COMMIT")
    first.join(timeout=20)

    assert answers["first"].status_code == 201, answers["first"].content
    assert_error(answers["second"], 409, "idempotency_key_in_progress")
    assert answers["second"]["Retry-After"]
    assert Transaction.objects.filter(ledger=ledger).count() == 1
    third = Client().post(
        "/api/v1" + tx_path(ledger), expense, content_type="application/json", **headers
    )
    assert third["Idempotent-Replayed"] == "true"
    assert third.content == answers["first"].content


def assert_error(response, status: int, code: str, field: str | None = None) -> dict:
    """The API's one error shape, with `code` (and `field` among the errors)."""
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert body["detail"]
    assert body["code"] == code, body
    if field:
        assert field in {e["field"] for e in body["errors"]}, body
    return body
