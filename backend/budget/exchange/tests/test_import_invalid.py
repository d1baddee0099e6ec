"""POST /ledgers/import-json refuses a bad document whole: 422 naming the fields (or 413
for a body over the limit), and nothing is created."""

import copy
import json

import pytest
from conftest import assert_error

from budget.ledgers.models import Ledger
from budget.money.models import Transaction

pytestmark = pytest.mark.django_db

BANK, CASH, UNALLOCATED, SAVINGS, SALARY, GROCERIES = "w1", "w2", "b0", "b1", "c1", "c2"
DOCUMENT = {
    "format": "budget-ledger",
    "version": 1,
    "ledger": {"name": "Restored", "currency": "EUR"},
    "wallets": [
        {"id": BANK, "name": "Bank", "kind": "virtual", "archived": False},
        {"id": CASH, "name": "Cash", "kind": "physical", "archived": False},
    ],
    "buckets": [
        {"id": UNALLOCATED, "name": "Unallocated", "allocation_percent": None, "is_system": True},
        {"id": SAVINGS, "name": "Savings", "allocation_percent": "50.00", "is_system": False},
    ],
    "categories": [
        {"id": SALARY, "name": "Salary", "type": "income", "archived": False},
        {"id": GROCERIES, "name": "Groceries", "type": "expense", "archived": False},
    ],
    "transactions": [
        {
            "id": "t1",
            "kind": "income",
            "date": "2025-03-01",
            "amount": "100.00",
            "wallet": BANK,
            "category": SALARY,
            "allocation_status": "allocated",
            "allocations": [{"bucket": SAVINGS, "amount": "50.00"}],
        },
        {
            "id": "t2",
            "kind": "transfer",
            "date": "2025-03-02",
            "amount": "10.00",
            "from_wallet": BANK,
            "to_wallet": CASH,
        },
    ],
}


def _document(change) -> dict:
    doc = copy.deepcopy(DOCUMENT)
    change(doc)
    return doc


def _set(path: str, value):
    def change(doc):
        *parents, last = path.split(".")
        target = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def test_the_sample_document_is_valid(owner_api):
    response = owner_api.post("/ledgers/import-json", DOCUMENT)
    assert response.status_code == 201, response.content
    ledger = Ledger.objects.get(pk=response.json()["id"])
    assert ledger.name == "Restored"
    assert Transaction.objects.filter(ledger=ledger).count() == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("format", "something-else"), "format"),
        (_set("version", 2), "version"),
        (_set("transactions.0.amount", "1.234"), "transactions.0.amount"),
        (_set("transactions.1.amount", "abc"), "transactions.1.amount"),
        (_set("transactions.0.wallet", "nowhere"), "transactions.0.wallet"),
        (_set("transactions.1.to_wallet", BANK), "transactions.1.to_wallet"),
        (_set("transactions.1.wallet", BANK), "transactions.1.wallet"),
        (_set("transactions.0.category", GROCERIES), "transactions.0.category"),
        (
            _set("transactions.0.allocations.0.bucket", UNALLOCATED),
            "transactions.0.allocations.0.bucket",
        ),
        (_set("transactions.0.allocations.0.amount", "100.01"), "transactions.0.allocations"),
        (_set("transactions.1.allocation_status", "pending"), "transactions.1.allocation_status"),
        (_set("transactions.1.date", "2025-02-30"), "transactions.1.date"),
        (_set("wallets.1.name", "BANK"), "wallets.1.name"),
        (_set("wallets.1.id", BANK), "wallets.1.id"),
        (_set("wallets.0.kind", "crypto"), "wallets.0.kind"),
        (_set("buckets.1.allocation_percent", "100.01"), "buckets.1.allocation_percent"),
        (_set("buckets.1.is_system", True), "buckets"),
        (_set("ledger.currency", "XXY"), "ledger.currency"),
        (lambda doc: doc.pop("ledger"), "ledger"),
    ],
)
def test_an_invalid_document_is_422_naming_the_field_and_creates_nothing(owner_api, change, field):
    ledgers = Ledger.objects.count()
    response = owner_api.post("/ledgers/import-json", _document(change))
    assert_error(response, 422, "validation_error", field=field)
    assert Ledger.objects.count() == ledgers


def test_every_bad_transaction_is_named_at_once(owner_api):
    def change(doc):
        doc["transactions"][0]["wallet"] = "nowhere"
        doc["transactions"][1]["to_wallet"] = BANK

    body = assert_error(owner_api.post("/ledgers/import-json", _document(change)), 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"transactions.0.wallet", "transactions.1.to_wallet"} <= fields


def test_too_many_transactions_is_422(owner_api, settings):
    settings.EXCHANGE_IMPORT_MAX_TRANSACTIONS = 1
    ledgers = Ledger.objects.count()
    response = owner_api.post("/ledgers/import-json", DOCUMENT)
    assert_error(response, 422, "validation_error", field="transactions")
    assert Ledger.objects.count() == ledgers


def test_a_body_over_the_limit_is_413(owner_api, settings):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 1000
    ledgers = Ledger.objects.count()
    body = _document(_set("transactions.0.notes", "x" * 2000))
    response = owner_api.post("/ledgers/import-json", body)
    assert_error(response, 413, "payload_too_large")
    assert Ledger.objects.count() == ledgers


def test_a_body_bigger_than_djangos_default_limit_is_accepted(owner_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = _document(_set("transactions.0.notes", "x" * 1500))
    assert len(json.dumps(body)) > 1000
    assert owner_api.post("/ledgers/import-json", body).status_code == 201


@pytest.mark.parametrize("body", ["not json", "[]", "null", '"text"'])
def test_a_body_that_is_not_a_document_is_refused(owner_api, body):
    response = owner_api.post("/ledgers/import-json", body)
    assert response.status_code in (400, 422), response.content
    assert Ledger.objects.filter(name="Restored").count() == 0


def test_import_needs_authentication(api):
    assert_error(api.post("/ledgers/import-json", DOCUMENT), 401, "not_authenticated")


def test_import_json_does_not_shadow_the_ledger_routes(owner_api, ledger):
    assert owner_api.get(f"/ledgers/{ledger.pk}").status_code == 200
    assert_error(owner_api.get("/ledgers/import-json"), 405)
