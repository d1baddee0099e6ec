"""The kind is part of the duplicate key (SPEC §11 amending §9): a card charge and its
refund have the same day, amount, wallet and description, yet neither is the other's
duplicate. Taken for duplicates (a real bank export), skipping duplicates imported the
refunds twice and dropped the charges."""

import importlib
from datetime import date
from decimal import Decimal

import pytest

from budget.exchange.models import ImportRow
from budget.exchange.tests.helpers import validated
from budget.money import services

pytestmark = pytest.mark.django_db

BANK = "Date,Amount,Description\n"  # signed amounts, as the bank writes them
CHARGE = "2025-03-01,-23.82,Albert Heijn"
REFUND = "2025-03-01,23.82,Albert Heijn"
OPTIONS = {
    "mapping": '{"date": "Date", "signed_amount": "Amount", "description": "Description"}',
    "wallet": "Bank",
    "income_category": "Salary",
    "expense_category": "Groceries",
}


def _statement(*rows: str) -> str:
    return BANK + "".join(row + "\n" for row in rows)


def _check(api, h, *rows: str) -> dict:
    return validated(api, h.ledger, _statement(*rows), **OPTIONS)


def _typed_in(h, kind: str):
    """The same charge or refund, entered by hand."""
    category = h.groceries if kind == "expense" else h.salary
    return services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": kind,
            "date": date(2025, 3, 1),
            "amount": Decimal("23.82"),
            "description": "Albert Heijn",
            "category": category.pk,
            "wallet": h.bank.pk,
        },
    )


def _bank_balance(api, h) -> str:
    return api.get(f"/ledgers/{h.ledger.pk}/wallets/{h.bank.pk}").json()["balance"]


def test_a_refund_is_no_duplicate_of_the_charge_already_in_the_ledger(owner_api, household, commit):
    h = household
    charge = _typed_in(h, "expense")
    job = _check(owner_api, h, REFUND, CHARGE)
    assert job["duplicates"] == [{"row": 3, "transaction": str(charge.pk)}]
    done = commit(owner_api, h.ledger, job["id"], skip_duplicates=True)
    assert (done["status"], done["created"]) == ("done", 1)
    assert _bank_balance(owner_api, h) == "0.00"  # the charge once, the refund once


def test_charges_and_refunds_pair_one_to_one_within_their_kind(owner_api, household, commit):
    """A second statement overlapping the first: its charge and first refund are already
    in, its second refund is new."""
    h = household
    first = _check(owner_api, h, CHARGE, REFUND)
    assert first["duplicates"] == []  # a charge and its refund in one file: both kept
    commit(owner_api, h.ledger, first["id"])
    assert _bank_balance(owner_api, h) == "0.00"
    charge = h.ledger.transactions.get(kind="expense")
    refund = h.ledger.transactions.get(kind="income")

    job = _check(owner_api, h, REFUND, REFUND, CHARGE)
    assert job["duplicates"] == [
        {"row": 2, "transaction": str(refund.pk)},
        {"row": 4, "transaction": str(charge.pk)},
    ]
    done = commit(owner_api, h.ledger, job["id"], skip_duplicates=True)
    assert (done["status"], done["created"]) == ("done", 1)
    assert _bank_balance(owner_api, h) == "23.82"


def test_the_recheck_at_commit_pairs_by_kind_too(owner_api, household, commit):
    """The charge is typed in after the check: at commit time it is the charge row's
    duplicate, not the refund's."""
    h = household
    job = _check(owner_api, h, REFUND, CHARGE)
    assert job["duplicates"] == []
    _typed_in(h, "expense")
    done = commit(owner_api, h.ledger, job["id"], skip_duplicates=True)
    assert (done["status"], done["created"]) == ("done", 1)
    assert h.ledger.transactions.filter(kind="income").count() == 1
    assert h.ledger.transactions.filter(kind="expense").count() == 1
    assert _bank_balance(owner_api, h) == "0.00"


def test_a_transfer_is_no_duplicate_of_an_expense_from_the_same_wallet(owner_api, household):
    h = household
    _typed_in(h, "expense")
    job = validated(
        owner_api,
        h.ledger,
        "date,kind,amount,description,category,wallet,from_wallet,to_wallet\n"
        "2025-03-01,transfer,23.82,Albert Heijn,,,Bank,Cash\n",
    )
    assert job["duplicates"] == []


def test_rows_checked_before_the_kind_column_get_theirs_from_their_data(owner_api, household):
    # Jobs that wait for their commit across the upgrade keep their kinds (migration 0003).
    from django.apps import apps

    migration = importlib.import_module("budget.exchange.migrations.0003_importrow_kind")
    job = _check(owner_api, household, REFUND, CHARGE)
    rows = ImportRow.objects.filter(job_id=job["id"]).order_by("line")
    for row in rows:
        row.data["kind"] = row.kind
        row.kind = ""
        row.save()
    migration.kind_from_data(apps, None)
    assert list(rows.values_list("kind", flat=True)) == ["income", "expense"]
