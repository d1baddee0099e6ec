"""The ledger document and SPEC §14: recurring templates keep their to_amount and the
receipt's foreign amount, and the ledger's own exchange rates go along (still version 3: a
document without them restores as before)."""

from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.money.services import wallet_create
from budget.planning.models import RecurringTransaction
from budget.rates.models import LedgerRate
from budget.rates.tests.helpers import own_rate

pytestmark = pytest.mark.django_db


def _template(owner_api, ledger, **body) -> dict:
    response = owner_api.post(
        f"/ledgers/{ledger.pk}/recurring",
        {"frequency": "monthly", "start_date": "2025-03-01", "description": "T", **body},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_templates_currency_fields_and_rates_round_trip(owner_api, ledger):
    yen = wallet_create(ledger=ledger, name="Tokyo", kind="virtual", currency="JPY")
    bank = wallet_create(ledger=ledger, name="Bank", kind="virtual")
    groceries = ledger.categories.get(name="Groceries")
    own_rate(ledger, "JPY", date(2025, 3, 1), "0.0061")
    own_rate(ledger, "USD", date(2025, 2, 28), "0.92")
    _template(
        owner_api,
        ledger,
        kind="transfer",
        amount="100.00",
        from_wallet=str(bank.pk),
        to_wallet=str(yen.pk),
        to_amount="16300",
    )
    _template(
        owner_api,
        ledger,
        kind="expense",
        amount="5.00",
        wallet=str(bank.pk),
        category=str(groceries.pk),
        foreign_amount="5.5",
        foreign_currency="USD",
    )
    original = owner_api.get(f"/ledgers/{ledger.pk}/export.json").json()
    assert original["version"] == 3
    assert original["rates"] == [
        {"currency": "JPY", "date": "2025-03-01", "rate": "0.0061"},
        {"currency": "USD", "date": "2025-02-28", "rate": "0.92"},
    ]
    move, receipt = original["recurring"]
    assert (move["amount"], move["to_amount"]) == ("100.00", "16300")
    assert "foreign_amount" not in move
    assert "foreign_currency" not in move
    assert (receipt["foreign_amount"], receipt["foreign_currency"]) == ("5.50", "USD")
    assert "to_amount" not in receipt

    created = owner_api.post("/ledgers/import-json", original)
    assert created.status_code == 201, created.content
    restored_id = created.json()["id"]
    restored = owner_api.get(f"/ledgers/{restored_id}/export.json").json()
    assert restored["rates"] == original["rates"]
    assert [
        {k: v for k, v in t.items() if k in ("amount", "to_amount", "foreign_amount")}
        for t in restored["recurring"]
    ] == [
        {k: v for k, v in t.items() if k in ("amount", "to_amount", "foreign_amount")}
        for t in original["recurring"]
    ]
    templates = RecurringTransaction.objects.filter(ledger_id=restored_id).order_by("created_at")
    assert [(t.to_amount, t.foreign_currency) for t in templates] == [
        (Decimal(16300), ""),
        (None, "USD"),
    ]


def test_a_document_without_rates_restores(owner_api, ledger):
    document = owner_api.get(f"/ledgers/{ledger.pk}/export.json").json()
    document.pop("rates")
    created = owner_api.post("/ledgers/import-json", document)
    assert created.status_code == 201, created.content
    assert not LedgerRate.objects.filter(ledger_id=created.json()["id"]).exists()


@pytest.mark.parametrize(
    ("rates", "field"),
    [
        ([{"currency": "EUR", "date": "2025-03-01", "rate": "1"}], "rates.0.currency"),
        (
            [
                {"currency": "USD", "date": "2025-03-01", "rate": "0.9"},
                {"currency": "USD", "date": "2025-03-01", "rate": "0.91"},
            ],
            "rates.1.date",
        ),
        ([{"currency": "USD", "date": "2025-03-01", "rate": "0"}], "rates.0.rate"),
        ([{"currency": "XYZ", "date": "2025-03-01", "rate": "1.1"}], "rates.0.currency"),
    ],
)
def test_bad_rates_are_refused_and_nothing_is_created(owner_api, ledger, rates, field):
    document = owner_api.get(f"/ledgers/{ledger.pk}/export.json").json()
    document["rates"] = rates
    before = LedgerRate.objects.count()
    response = owner_api.post("/ledgers/import-json", document)
    assert_error(response, 422, None, field)
    assert LedgerRate.objects.count() == before
