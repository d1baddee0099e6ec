"""What a single transaction's request costs in queries, fixed whatever the ledger holds:
the gate (one query), the write under the ledger lock, and the answer read as a list row."""

from datetime import date
from decimal import Decimal

import pytest

from budget.money import services


def _path(household, suffix: str = "") -> str:
    return f"/ledgers/{household.ledger.pk}/transactions{suffix}"


def _expense(household, **extra) -> dict:
    return {
        "kind": "expense",
        "date": "2026-03-02",
        "amount": "12.50",
        "wallet": str(household.bank.pk),
        "category": str(household.groceries.pk),
        "bucket": str(household.fun.pk),
        "description": "Market",
        **extra,
    }


@pytest.fixture
def history(household):
    """Some earlier rows, so that nothing below could read 'all of them' for free."""
    for day in range(1, 29):
        services.transaction_create(
            ledger=household.ledger,
            data={
                "kind": "expense",
                "date": date(2026, 2, day),
                "amount": Decimal("3.10"),
                "wallet": household.bank.pk,
                "category": household.groceries.pk,
                "description": f"Bakery {day}",
            },
        )
    return household


@pytest.mark.django_db
def test_create_read_edit_and_delete_cost_a_fixed_number_of_queries(
    owner_api, history, django_assert_max_num_queries
):
    with django_assert_max_num_queries(17):
        created = owner_api.post(_path(history), _expense(history))
    assert created.status_code == 201, created.content
    tx = created.json()["id"]
    with django_assert_max_num_queries(2):  # the gate, the row (no lines to read)
        read = owner_api.get(_path(history, f"/{tx}"))
    assert read.json() == created.json()
    with django_assert_max_num_queries(17):
        edited = owner_api.patch(_path(history, f"/{tx}"), {"amount": "13.75", "notes": "x"})
    assert edited.status_code == 200, edited.content
    assert (edited.json()["amount"], edited.json()["notes"]) == ("13.75", "x")
    assert owner_api.get(_path(history, f"/{tx}")).json() == edited.json()
    with django_assert_max_num_queries(18):
        assert owner_api.delete(_path(history, f"/{tx}")).status_code == 204
    assert owner_api.get(_path(history, f"/{tx}")).status_code == 404


@pytest.mark.django_db
def test_an_edited_split_answers_with_its_lines(owner_api, history):
    body = _expense(
        history,
        category=None,
        splits=[
            {"category": str(history.groceries.pk), "amount": "10.00"},
            {"category": str(history.groceries.pk), "amount": "2.50", "description": "bags"},
        ],
    )
    created = owner_api.post(_path(history), body)
    assert created.status_code == 201, created.content
    tx = created.json()["id"]
    edited = owner_api.patch(_path(history, f"/{tx}"), {"description": "Market hall"})
    assert edited.status_code == 200, edited.content
    answer = edited.json()
    assert answer["description"] == "Market hall"
    assert [line["amount"] for line in answer["splits"]] == ["10.00", "2.50"]
    assert owner_api.get(_path(history, f"/{tx}")).json() == answer
