"""GET /ledgers/{lid}/export.csv: SPEC §10's columns, filters as the list, streamed."""

from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.exchange import selectors
from budget.money import services
from budget.money.tests.helpers import member_api

pytestmark = pytest.mark.django_db


def _tx(h, **data):
    return services.transaction_create(ledger=h.ledger, data=data)


@pytest.fixture
def book(household):
    h = household
    h.ledger.name = "Home, sweet"
    h.ledger.save()
    rows = [
        _tx(
            h,
            kind="income",
            date=date(2025, 3, 1),
            amount=Decimal("1000.00"),
            description="Salary",
            wallet=h.bank.pk,
            category=h.salary.pk,
            bucket=h.savings.pk,
        ),
        _tx(
            h,
            kind="expense",
            date=date(2025, 3, 2),
            amount=Decimal("25.50"),
            description='Market, "fresh"',
            notes="two\nlines",
            tags=["food", "weekly"],
            wallet=h.bank.pk,
            category=h.groceries.pk,
        ),
        _tx(
            h,
            kind="transfer",
            date=date(2025, 3, 3),
            amount=Decimal("100.00"),
            from_wallet=h.bank.pk,
            to_wallet=h.cash.pk,
            from_bucket=h.savings.pk,
            to_bucket=h.fun.pk,
        ),
        _tx(
            h,
            kind="adjustment",
            date=date(2025, 3, 4),
            amount=Decimal("-5.00"),
            wallet=h.cash.pk,
        ),
        _tx(
            h,
            kind="income",
            date=date(2025, 2, 1),
            amount=Decimal("7.00"),
            wallet=h.cash.pk,
            category=h.salary.pk,
        ),
    ]
    return h, rows


def test_export_is_the_exact_csv_of_the_filtered_transactions(owner_api, book):
    h, (salary, market, move, fix, _february) = book
    response = owner_api.get(
        f"/ledgers/{h.ledger.pk}/export.csv", {"date_from": "2025-03-01", "ordering": "date"}
    )
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Home, sweet-transactions.csv"'
    expected = (
        "date,kind,amount,description,category,wallet,bucket,notes,tags,id,allocation_status,"
        "from_wallet,to_wallet,from_bucket,to_bucket,payee,external_id,"
        "split_of,split_bucket,split_description,"
        "currency,base_amount,to_amount,foreign_amount,foreign_currency\r\n"
        f"2025-03-01,income,1000.00,Salary,Salary,Bank,Savings,,,{salary.pk},not_applicable"
        ",,,,,,,,,,EUR,1000.00,,,\r\n"
        f'2025-03-02,expense,25.50,"Market, ""fresh""",Groceries,Bank,Unallocated,"two\nlines",'
        f"food|weekly,{market.pk},not_applicable,,,,,,,,,,EUR,25.50,,,\r\n"
        f"2025-03-03,transfer,100.00,,,,,,,{move.pk},not_applicable,Bank,Cash,Savings,Fun,,,,,"
        ",EUR,100.00,,,\r\n"
        f"2025-03-04,adjustment,-5.00,,,Cash,Unallocated,,,{fix.pk},not_applicable,,,,,,,,,"
        ",EUR,-5.00,,,\r\n"
    )
    assert b"".join(response.streaming_content) == expected.encode()


def test_default_order_is_oldest_first_and_filters_apply(owner_api, book):
    h, rows = book
    path = f"/ledgers/{h.ledger.pk}/export.csv"
    body = b"".join(owner_api.get(path).streaming_content).decode()
    dates = [line.split(",")[0] for line in body.splitlines()[1:] if line[:2] == "20"]
    assert dates == sorted(dates)
    assert len(dates) == 5
    tagged = b"".join(owner_api.get(path, {"tag": "weekly"}).streaming_content).decode()
    assert str(rows[1].pk) in tagged
    assert tagged.count("\r\n") == 2  # header + one row
    by_bucket = b"".join(owner_api.get(path, {"bucket": str(h.fun.pk)}).streaming_content)
    assert str(rows[2].pk).encode() in by_bucket
    assert str(rows[0].pk).encode() not in by_bucket


def test_export_streams_in_chunks(owner_api, book, monkeypatch):
    h, rows = book
    monkeypatch.setattr(selectors, "CSV_ROWS_PER_CHUNK", 2)
    response = owner_api.get(f"/ledgers/{h.ledger.pk}/export.csv")
    chunks = list(response.streaming_content)
    assert len(chunks) == 3  # 2 + 2 + 1 rows, the header in the first
    assert chunks[0].startswith(b"date,kind,amount,")
    assert sum(chunk.count(b"\r\n") for chunk in chunks) == 1 + len(rows)


def test_a_viewer_can_export(api, book, bob):
    h, _ = book
    viewer = member_api(api, h.ledger, bob, "viewer")
    csv_response = viewer.get(f"/ledgers/{h.ledger.pk}/export.csv")
    assert csv_response.status_code == 200
    assert len(b"".join(csv_response.streaming_content).splitlines()) >= 6
    assert viewer.get(f"/ledgers/{h.ledger.pk}/export.json").status_code == 200


@pytest.mark.parametrize("route", ["export.csv", "export.json"])
def test_a_foreign_ledger_is_404(api, user, stranger, route):
    response = api.as_user(user).get(f"/ledgers/{stranger.default_ledger_id}/{route}")
    assert_error(response, 404, "not_found")


def test_bad_filters_are_422(owner_api, ledger):
    response = owner_api.get(f"/ledgers/{ledger.pk}/export.csv", {"min_amount": "1.234"})
    assert_error(response, 422, field="min_amount")
