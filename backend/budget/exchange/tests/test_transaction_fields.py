"""The fields a transaction and a recurring template share are declared once
(money.TransactionFields); every schema, the CSV export and the ledger document carry all
of them, so a field added to the model and forgotten in one of them fails here."""

import pytest

from budget.exchange.schemas import RecurringDoc, TransactionDoc
from budget.exchange.selectors import CSV_HEADER
from budget.money.models import (
    REFERENCE_FIELDS,
    SHARED_FIELDS,
    TRANSACTION_ONLY_FIELDS,
    Transaction,
)
from budget.money.schemas import TransactionIn, TransactionOut, TransactionPatch
from budget.planning.models import RecurringTransaction
from budget.planning.schemas import RecurringIn, RecurringOut, RecurringPatch

SHARED = {*SHARED_FIELDS, *REFERENCE_FIELDS}


@pytest.mark.parametrize(
    "schema",
    [
        TransactionIn,
        TransactionPatch,
        TransactionOut,
        RecurringIn,
        RecurringPatch,
        RecurringOut,
        TransactionDoc,
        RecurringDoc,
    ],
    ids=lambda schema: schema.__name__,
)
def test_every_schema_carries_every_shared_field(schema):
    assert set(schema.model_fields) >= SHARED


@pytest.mark.parametrize("model", [Transaction, RecurringTransaction], ids=lambda m: m.__name__)
def test_both_models_have_the_shared_fields_as_declared(model):
    names = {f.name for f in model._meta.concrete_fields}
    assert names >= SHARED


def test_the_csv_export_writes_every_reference():
    assert set(REFERENCE_FIELDS) <= set(CSV_HEADER)


@pytest.mark.parametrize(
    "schema",
    [TransactionIn, TransactionPatch, TransactionOut, TransactionDoc],
    ids=lambda schema: schema.__name__,
)
def test_every_transaction_schema_carries_the_transactions_own_fields(schema):
    assert set(schema.model_fields) >= set(TRANSACTION_ONLY_FIELDS)


@pytest.mark.parametrize("schema", [RecurringIn, RecurringPatch, RecurringOut, RecurringDoc])
def test_a_template_has_no_bank_id(schema):
    # A template stands for many transactions, which cannot share one bank id.
    assert not set(schema.model_fields) & set(TRANSACTION_ONLY_FIELDS)


def test_the_csv_export_writes_the_transactions_own_fields():
    assert set(TRANSACTION_ONLY_FIELDS) <= set(CSV_HEADER)
