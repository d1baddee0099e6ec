"""The admin the README advertises shows every model of ours, and writes none of the
finance data (those writes belong to the services)."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from budget.money import services
from budget.money.models import Transaction

pytestmark = pytest.mark.django_db

OURS = [model for model in admin.site._registry if model.__module__.startswith("budget.")]


def test_the_models_the_readme_names_are_registered():
    labels = {f"{m._meta.app_label}.{m.__name__}" for m in OURS}
    assert labels >= {
        "accounts.User",
        "ledgers.Ledger",
        "money.Wallet",
        "money.Bucket",
        "money.Category",
        "money.Transaction",
        "planning.RecurringTransaction",
        "planning.Budget",
        "planning.Goal",
    }


@pytest.mark.parametrize("model", OURS, ids=lambda m: m.__name__)
def test_a_superuser_sees_every_list_and_cannot_add(admin_client, household, model):
    prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
    assert admin_client.get(reverse(f"{prefix}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"{prefix}_add")).status_code == 403


def test_a_transaction_opens_read_only(admin_client, household):
    tx = services.transaction_create(
        ledger=household.ledger,
        data={
            "kind": "expense",
            "date": date(2025, 3, 1),
            "amount": Decimal("5.00"),
            "wallet": household.bank.pk,
            "category": household.groceries.pk,
        },
    )
    url = reverse("admin:money_transaction_change", args=[tx.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"amount": "1.00"}).status_code == 403
    assert Transaction.objects.get(pk=tx.pk).amount == tx.amount
