"""A category's default bucket: where an expense of it goes when it names no bucket (an
extension of SPEC §2's "default: Unallocated", chosen per category under Setup).

The rule lives in one function (`services.category_default_buckets_fill`, called by
`transactions_prepare`): the API, the bulk endpoint, an import and a recurring occurrence
all get it."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from tests.helpers import assert_error

from budget.exchange.tests.helpers import csv_text, imports_path, validated
from budget.ledgers.services import ledger_create
from budget.money import services
from budget.money.models import Transaction
from budget.money.tests.helpers import assert_books_balance, expense, income, post_ok, tx_path
from budget.planning import services as planning

pytestmark = pytest.mark.django_db


def categories_path(ledger, category=None) -> str:
    path = f"/ledgers/{ledger.pk}/categories"
    return f"{path}/{category.pk}" if category is not None else path


@pytest.fixture
def groceries_to_bills(household):
    """Groceries go to Bills unless an expense says otherwise."""
    h = household
    services.category_update(category=h.groceries, default_bucket=h.bills.pk)
    return h


# --- The field ------------------------------------------------------------------------------


def test_a_category_has_no_default_bucket_until_one_is_set(owner_api, household):
    h = household
    body = owner_api.get(categories_path(h.ledger, h.groceries)).json()
    assert body["default_bucket"] is None

    response = owner_api.patch(
        categories_path(h.ledger, h.groceries), {"default_bucket": str(h.bills.pk)}
    )

    assert response.status_code == 200, response.content
    assert response.json()["default_bucket"] == str(h.bills.pk)
    h.groceries.refresh_from_db()
    assert h.groceries.default_bucket_id == h.bills.pk


def test_a_new_expense_category_may_name_its_default_bucket(owner_api, household):
    h = household
    response = owner_api.post(
        categories_path(h.ledger),
        {"name": "Pets", "type": "expense", "default_bucket": str(h.fun.pk)},
    )
    assert response.status_code == 201, response.content
    assert response.json()["default_bucket"] == str(h.fun.pk)


def test_null_clears_the_default_bucket(owner_api, groceries_to_bills):
    h = groceries_to_bills
    response = owner_api.patch(categories_path(h.ledger, h.groceries), {"default_bucket": None})
    assert response.status_code == 200, response.content
    assert response.json()["default_bucket"] is None


def test_an_archived_or_foreign_bucket_is_refused_and_nothing_changes(owner_api, household, user):
    h = household
    services.bucket_update(bucket=h.fun, archived=True)
    other = ledger_create(name="Side project", owner=user)
    foreign = services.bucket_create(
        ledger=other, name="Elsewhere", allocation_percent=Decimal("1.00")
    )
    for bucket in (h.fun, foreign):
        response = owner_api.patch(
            categories_path(h.ledger, h.groceries), {"default_bucket": str(bucket.pk)}
        )
        assert_error(response, 422, "validation_error")
        assert response.json()["errors"][0]["field"] == "default_bucket"
    h.groceries.refresh_from_db()
    assert h.groceries.default_bucket_id is None


def test_only_an_expense_category_takes_a_default_bucket(owner_api, groceries_to_bills):
    h = groceries_to_bills
    response = owner_api.patch(
        categories_path(h.ledger, h.salary), {"default_bucket": str(h.bills.pk)}
    )
    assert_error(response, 422, "validation_error")
    # Nor can an expense category with one become another type while it keeps it.
    response = owner_api.patch(categories_path(h.ledger, h.groceries), {"type": "neutral"})
    assert_error(response, 422, "validation_error")
    h.groceries.refresh_from_db()
    assert (h.groceries.type, h.groceries.default_bucket_id) == ("expense", h.bills.pk)


def test_deleting_the_bucket_clears_the_default(owner_api, groceries_to_bills):
    h = groceries_to_bills
    response = owner_api.delete(f"/ledgers/{h.ledger.pk}/buckets/{h.bills.pk}")
    assert response.status_code == 204, response.content
    h.groceries.refresh_from_db()
    assert h.groceries.default_bucket_id is None


# --- Where it is used ---------------------------------------------------------------------


def test_an_expense_without_bucket_goes_to_its_category_s_default(owner_api, groceries_to_bills):
    h = groceries_to_bills
    body = post_ok(owner_api, h.ledger, expense(h, "12.00"))
    assert body["bucket"] == str(h.bills.pk)
    h.bills.refresh_from_db()
    assert services.selectors.buckets_of(ledger=h.ledger).get(pk=h.bills.pk).balance == Decimal(
        "-12.00"
    )
    assert_books_balance(h.ledger)


def test_a_bucket_the_expense_names_wins(owner_api, groceries_to_bills):
    h = groceries_to_bills
    body = post_ok(owner_api, h.ledger, expense(h, "12.00", bucket=str(h.fun.pk)))
    assert body["bucket"] == str(h.fun.pk)


def test_without_a_default_or_with_an_archived_one_unallocated_stays(owner_api, groceries_to_bills):
    h = groceries_to_bills
    other = post_ok(owner_api, h.ledger, expense(h, "5.00", category=str(h.category("Health").pk)))
    assert other["bucket"] == str(h.unallocated.pk)
    services.bucket_update(bucket=h.bills, archived=True)
    body = post_ok(owner_api, h.ledger, expense(h, "7.00"))
    assert body["bucket"] == str(h.unallocated.pk)


def test_an_income_ignores_default_buckets_and_is_split(owner_api, groceries_to_bills):
    h = groceries_to_bills
    body = post_ok(owner_api, h.ledger, income(h, "100.00"))
    assert body["bucket"] is None
    assert body["allocation_status"] == "pending"


def test_every_row_of_a_bulk_create_gets_its_default(owner_api, groceries_to_bills):
    h = groceries_to_bills
    items = [
        expense(h, "1.00"),
        expense(h, "2.00", bucket=str(h.fun.pk)),
        expense(h, "3.00", category=str(h.category("Health").pk)),
    ]
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": items})
    assert response.status_code == 201, response.content
    assert [row["bucket"] for row in response.json()] == [
        str(h.bills.pk),
        str(h.fun.pk),
        str(h.unallocated.pk),
    ]


def test_an_imported_row_gets_its_default(
    owner_api, groceries_to_bills, django_capture_on_commit_callbacks
):
    h = groceries_to_bills
    job = validated(
        owner_api,
        h.ledger,
        csv_text(
            "2025-03-01,expense,4.20,Milk,Groceries,Bank,,,",
            "2025-03-02,expense,9.00,Cinema,Groceries,Bank,Fun,,",
        ),
    )
    with django_capture_on_commit_callbacks(execute=True):  # the import task, as a worker
        response = owner_api.post(imports_path(h.ledger, job["id"], "commit"), {})
    assert response.status_code == 202, response.content
    rows = Transaction.objects.filter(import_job_id=job["id"]).order_by("date")
    assert [row.bucket_id for row in rows] == [h.bills.pk, h.fun.pk]
    assert_books_balance(h.ledger)


def test_a_row_whose_category_is_the_import_s_default_gets_its_default_bucket(
    owner_api, groceries_to_bills, django_capture_on_commit_callbacks
):
    """SPEC §11: a row without a category takes the import's `expense_category`; that
    category's default bucket follows, as for a category the row named."""
    h = groceries_to_bills
    header = "date,kind,amount,description,category,wallet,bucket"
    job = validated(
        owner_api,
        h.ledger,
        csv_text(
            "2025-03-01,expense,4.20,Milk,,Bank,",
            "2025-03-02,expense,9.00,Cinema,,Bank,Fun",
            "2025-03-03,expense,2.00,Bus,Transport,Bank,",
            header=header,
        ),
        expense_category="Groceries",
    )
    assert [(r["category"], r["bucket"]) for r in job["preview"]] == [
        ("Groceries", "Bills"),
        ("Groceries", "Fun"),
        ("Transport", None),
    ]
    with django_capture_on_commit_callbacks(execute=True):  # the import task, as a worker
        response = owner_api.post(imports_path(h.ledger, job["id"], "commit"), {})
    assert response.status_code == 202, response.content
    rows = Transaction.objects.filter(import_job_id=job["id"]).order_by("date")
    assert [(row.category_id, row.bucket_id) for row in rows] == [
        (h.groceries.pk, h.bills.pk),
        (h.groceries.pk, h.fun.pk),
        (h.category("Transport").pk, h.unallocated.pk),
    ]
    assert_books_balance(h.ledger)


def test_a_recurring_occurrence_gets_its_default(groceries_to_bills):
    h = groceries_to_bills
    with time_machine.travel(datetime(2025, 1, 1, 12, tzinfo=UTC), tick=False):
        template = planning.recurring_create(
            ledger=h.ledger,
            kind="expense",
            amount=Decimal("30.00"),
            wallet=h.bank.pk,
            category=h.groceries.pk,
            frequency="monthly",
            interval=1,
            start_date=date(2025, 1, 5),
        )
    with time_machine.travel(datetime(2025, 3, 6, 12, tzinfo=UTC), tick=False):
        created, _ = planning.recurring_materialise(template=template, today=date(2025, 3, 6))
    assert created == 3
    assert set(Transaction.objects.filter(recurring=template).values_list("bucket", flat=True)) == {
        h.bills.pk
    }


def test_one_query_reads_the_defaults_of_a_whole_batch(
    groceries_to_bills, django_assert_num_queries
):
    h = groceries_to_bills
    items = [
        {"kind": "expense", "category": h.groceries.pk},
        {"kind": "expense", "category": str(h.category("Health").pk)},
        {"kind": "expense", "category": "not an id"},
        {"kind": "income", "category": h.salary.pk},
    ] * 50
    with django_assert_num_queries(1):
        services.category_default_buckets_fill(ledger=h.ledger, items=items)
    assert [item.get("bucket") for item in items[:4]] == [h.bills.pk, None, None, None]


# --- Export and restore ----------------------------------------------------------------------


def test_the_ledger_document_keeps_the_default_bucket(owner_api, groceries_to_bills):
    h = groceries_to_bills
    doc = owner_api.get(f"/ledgers/{h.ledger.pk}/export.json").json()
    groceries = next(c for c in doc["categories"] if c["name"] == "Groceries")
    bills = next(b for b in doc["buckets"] if b["name"] == "Bills")
    assert groceries["default_bucket"] == bills["id"]

    response = owner_api.post("/ledgers/import-json", doc)

    assert response.status_code == 201, response.content
    restored = response.json()["id"]
    cats = owner_api.get(f"/ledgers/{restored}/categories", {"page_size": 500}).json()["items"]
    buckets = owner_api.get(f"/ledgers/{restored}/buckets", {"page_size": 500}).json()["items"]
    by_id = {b["id"]: b["name"] for b in buckets}
    defaults = {c["name"]: by_id.get(c["default_bucket"]) for c in cats if c["default_bucket"]}
    assert defaults == {"Groceries": "Bills"}


def test_a_document_whose_default_bucket_is_unknown_is_refused(owner_api, groceries_to_bills):
    h = groceries_to_bills
    doc = owner_api.get(f"/ledgers/{h.ledger.pk}/export.json").json()
    index = next(i for i, c in enumerate(doc["categories"]) if c["name"] == "Groceries")
    doc["categories"][index]["default_bucket"] = "nowhere"
    ledgers = owner_api.get("/ledgers").json()["count"]

    response = owner_api.post("/ledgers/import-json", doc)

    assert_error(response, 422, "validation_error")
    fields = [e["field"] for e in response.json()["errors"]]
    assert f"categories.{index}.default_bucket" in fields
    assert owner_api.get("/ledgers").json()["count"] == ledgers
