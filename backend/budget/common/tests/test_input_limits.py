"""Bad input is a 4xx in the one error shape, never a 500 (SPEC §19): bodies over their
limit → 413, JSON nested deeper than 64 levels → 422, text with NUL characters → 422 naming
the field, malformed multipart → 400. The same on SQLite and PostgreSQL."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from budget.ledgers.models import Ledger
from budget.money.models import Transaction, Wallet

pytestmark = pytest.mark.django_db

CSV = "date,kind,amount,description,category,wallet\n2025-01-02,expense,3.00,Tea,Food,Cash\n"


def refused(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert body["code"] == code, body
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if field is not None:
        assert [e["field"] for e in body["errors"]] == [field], body
    return body


def nested(depth: int, leaf: str = "1") -> str:
    """A JSON text of `depth` arrays, one inside the other."""
    return "[" * depth + leaf + "]" * depth


def document(ledger_name: str = "Restored", **sections) -> dict:
    return {
        "format": "budget-ledger",
        "version": 2,
        "ledger": {"name": ledger_name, "currency": "EUR"},
        "wallets": [{"id": "w1", "name": "Bank", "kind": "virtual"}],
        "buckets": [{"id": "b0", "name": "Unallocated", "is_system": True}],
        "categories": [],
        "transactions": [],
        **sections,
    }


def upload(api, ledger, content: bytes = CSV.encode(), **fields):
    body = {"file": SimpleUploadedFile("bank.csv", content, content_type="text/csv"), **fields}
    return api.client.post(
        f"/api/v1/ledgers/{ledger.pk}/imports", body, HTTP_AUTHORIZATION=f"Bearer {api.token}"
    )


# --- Bodies over the limit → 413 --------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/auth/register",
        "/auth/token",
        "/auth/token/refresh",
        "/ledgers",
        "/ledgers/{lid}/wallets",
        "/ledgers/{lid}/transactions/bulk",
    ],
)
def test_a_json_body_over_the_limit_is_413_on_every_endpoint(owner_api, ledger, settings, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"email": "a@example.com", "name": "x" * 2000, "password": "p", "items": []}
    ledgers, wallets = Ledger.objects.count(), Wallet.objects.count()
    response = owner_api.post(path.format(lid=ledger.pk), body)
    refused(response, 413, "payload_too_large")
    assert (Ledger.objects.count(), Wallet.objects.count()) == (ledgers, wallets)


def test_a_patch_body_over_the_limit_is_413(owner_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    refused(owner_api.patch("/auth/me", {"full_name": "x" * 2000}), 413, "payload_too_large")


def test_form_fields_of_an_import_over_the_limit_are_413(owner_api, ledger, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = upload(owner_api, ledger, wallet="x" * 2000)
    refused(response, 413, "payload_too_large")


def test_the_import_json_limit_stays_its_own(owner_api, settings):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 500
    body = document(transactions=[{"kind": "expense", "amount": "1", "notes": "x" * 600}])
    refused(owner_api.post("/ledgers/import-json", body), 413, "payload_too_large")


# --- JSON nested deeper than 64 levels → 422 --------------------------------------------------


@pytest.mark.parametrize("depth", [65, 10_000])
@pytest.mark.parametrize(
    "path", ["/auth/register", "/auth/token", "/ledgers/{lid}/transactions", "/ledgers"]
)
def test_json_nested_deeper_than_64_levels_is_422(owner_api, ledger, path, depth):
    body = '{"email": ' + nested(depth) + ', "password": "p", "name": "x"}'
    refused(owner_api.post(path.format(lid=ledger.pk), body), 422, "validation_error")


def test_json_nested_deeper_than_64_levels_is_422_before_sign_in(api):
    body = refused(api.post("/auth/token", nested(10_000)), 422, "validation_error")
    assert "64" in body["detail"]


def test_json_nested_64_levels_deep_is_read(owner_api, ledger):
    # 63 arrays inside the object: 64 levels; refused for its type, not its depth.
    body = '{"name": ' + nested(63) + ', "kind": "virtual"}'
    response = owner_api.post(f"/ledgers/{ledger.pk}/wallets", body)
    body = refused(response, 422, "validation_error", field="name")
    assert "64" not in body["detail"]


@pytest.mark.parametrize("depth", [65, 10_000])
def test_an_import_json_document_nested_deeper_than_64_levels_is_422(owner_api, depth):
    ledgers = Ledger.objects.count()
    text = json.dumps(document()).replace('"categories": []', f'"categories": {nested(depth)}')
    refused(owner_api.post("/ledgers/import-json", text), 422, "validation_error")
    assert Ledger.objects.count() == ledgers


@pytest.mark.parametrize("depth", [65, 10_000])
def test_an_import_mapping_nested_deeper_than_64_levels_is_422(owner_api, ledger, depth):
    response = upload(owner_api, ledger, mapping='{"date": ' + nested(depth) + "}")
    refused(response, 422, "validation_error", field="mapping")


# --- Text with NUL characters → 422 naming the field ------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/ledgers/{lid}/wallets", {"name": "Ca\x00sh", "kind": "physical"}, "name"),
        ("post", "/ledgers", {"name": "Home\x00", "currency": "EUR"}, "name"),
        ("patch", "/auth/me", {"full_name": "\x00"}, "full_name"),
        (
            "post",
            "/ledgers/{lid}/transactions/bulk",
            {"items": [{"kind": "adjustment", "amount": "1", "description": "a\x00"}]},
            "items.0.description",
        ),
        (
            "post",
            "/ledgers/{lid}/transactions",
            {"kind": "adjustment", "amount": "1", "tags": ["ok", "b\x00d"]},
            "tags.1",
        ),
        ("post", "/auth/register", {"email": "a@example.com", "password": "\x00pw"}, "password"),
        ("post", "/auth/token", {"email": "a\x00@example.com", "password": "pw"}, "email"),
    ],
)
def test_text_with_a_nul_character_is_422_naming_the_field(
    owner_api, ledger, method, path, body, field
):
    ledgers, wallets = Ledger.objects.count(), Wallet.objects.count()
    response = getattr(owner_api, method)(path.format(lid=ledger.pk), body)
    detail = refused(response, 422, "validation_error", field=field)["detail"]
    assert field in detail
    assert (Ledger.objects.count(), Wallet.objects.count()) == (ledgers, wallets)


def test_a_nul_escape_in_a_json_key_names_the_key(owner_api, ledger):
    body = '{"percents": {"\\u0000": "10"}}'
    response = owner_api.put(f"/ledgers/{ledger.pk}/buckets/allocation", body)
    refused(response, 422, "validation_error", field="percents.\x00")


@pytest.mark.parametrize("param", ["q", "tag", "ordering", "page"])
def test_a_query_string_with_a_nul_character_is_422_naming_it(owner_api, ledger, param):
    response = owner_api.get(f"/ledgers/{ledger.pk}/transactions", {param: "a\x00b"})
    refused(response, 422, "validation_error", field=param)


def test_an_import_json_text_with_a_nul_character_is_422(owner_api):
    doc = document(wallets=[{"id": "w1", "name": "Ba\x00nk", "kind": "virtual"}])
    response = owner_api.post("/ledgers/import-json", doc)
    refused(response, 422, "validation_error", field="wallets.0.name")
    assert not Ledger.objects.filter(name="Restored").exists()


def test_an_import_form_field_with_a_nul_character_is_422(owner_api, ledger):
    refused(upload(owner_api, ledger, wallet="Ca\x00sh"), 422, "validation_error", field="wallet")


def test_an_import_mapping_with_a_nul_escape_is_422(owner_api, ledger):
    response = upload(owner_api, ledger, mapping='{"date": "D\\u0000ay"}')
    refused(response, 422, "validation_error", field="mapping")


def test_a_lone_surrogate_is_422_naming_the_field(owner_api, ledger):
    body = '{"name": "Cash \\ud800", "kind": "physical"}'
    response = owner_api.post(f"/ledgers/{ledger.pk}/wallets", body)
    refused(response, 422, "validation_error", field="name")
    assert not Transaction.objects.exists()


def test_too_many_query_fields_is_400(owner_api, ledger, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    params = {f"x{i}": "1" for i in range(11)}
    refused(owner_api.get(f"/ledgers/{ledger.pk}/transactions", params), 400, "bad_request")


# --- Malformed multipart → 400 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"--x\r\nContent-Disposition: form-data; name=file\r\n\r\na"),
        ("multipart/form-data; boundary=", b"anything"),
        ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data\r\n"),
    ],
)
def test_a_malformed_multipart_import_is_400(owner_api, ledger, content_type, body):
    response = owner_api.client.generic(
        "POST",
        f"/api/v1/ledgers/{ledger.pk}/imports",
        data=body,
        content_type=content_type,
        HTTP_AUTHORIZATION=f"Bearer {owner_api.token}",
    )
    assert response.status_code in (400, 422), response.content
    refused(response, response.status_code, response.json()["code"])
    assert response.status_code != 500
