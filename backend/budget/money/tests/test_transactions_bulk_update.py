"""PATCH /ledgers/{lid}/transactions/bulk {ids, changes}: the same changes on up to 1000
transactions, checked as a single PATCH, all or nothing, answering {updated: n}."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.idempotency.models import IdempotencyRecord
from budget.ledgers.models import Ledger
from budget.money import services
from budget.money.models import Allocation, Bucket, Transaction
from budget.money.rollup import rollup_drift
from budget.money.tests.helpers import (
    adjustment,
    assert_books_balance,
    expense,
    income,
    member_api,
    transfer,
    tx_path,
)

pytestmark = pytest.mark.django_db


def bulk_path(ledger) -> str:
    return f"{tx_path(ledger)}/bulk"


def created(h, *bodies: dict) -> list[str]:
    """Creates the transactions through the service; their ids as strings."""
    items = [
        {
            **body,
            "amount": Decimal(body["amount"]),
            "date": date.fromisoformat(body["date"]),
        }
        for body in bodies
    ]
    return [str(tx.pk) for tx in services.transactions_create(ledger=h.ledger, items=items)]


def state(ids: list[str]) -> list[tuple]:
    return list(
        Transaction.objects.filter(pk__in=ids)
        .order_by("pk")
        .values_list("category_id", "bucket_id", "description", "notes", "tags", "updated_at")
    )


def test_sets_the_category_and_tags_of_every_transaction(owner_api, household):
    h = household
    leisure = h.category("Leisure")
    ids = created(h, expense(h, "1.00"), expense(h, "2.00"), expense(h, "3.00"))

    response = owner_api.patch(
        bulk_path(h.ledger),
        {"ids": ids, "changes": {"category": str(leisure.pk), "tags": ["holiday"]}},
    )

    assert response.status_code == 200, response.content
    assert response.json() == {"updated": 3}
    rows = Transaction.objects.filter(pk__in=ids)
    assert {(t.category_id, tuple(t.tags)) for t in rows} == {(leisure.pk, ("holiday",))}
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_moving_expenses_to_a_bucket_moves_their_money(owner_api, household):
    h = household
    ids = created(h, expense(h, "10.00"), expense(h, "5.50"))

    owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"bucket": str(h.fun.pk)}})

    buckets = {
        b["name"]: b["balance"]
        for b in owner_api.get(f"/ledgers/{h.ledger.pk}/buckets").json()["items"]
    }
    assert buckets["Fun"] == "-15.50"
    assert buckets["Unallocated"] == "0.00"
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert_books_balance(h.ledger)


def test_the_monthly_report_follows_a_category_change(owner_api, household):
    h = household
    leisure = h.category("Leisure")
    ids = created(h, expense(h, "4.00"), expense(h, "6.00"))
    report = f"/ledgers/{h.ledger.pk}/reports/monthly"
    before = owner_api.get(report, {"year": 2025, "month": 3}).json()["categories"]
    assert [(c["name"], c["total"]) for c in before] == [("Groceries", "10.00")]

    owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"category": str(leisure.pk)}})

    after = owner_api.get(report, {"year": 2025, "month": 3}).json()["categories"]
    assert [(c["name"], c["total"]) for c in after] == [("Leisure", "10.00")]


def test_an_allocated_income_keeps_its_split_when_only_the_description_changes(
    owner_api, household
):
    h = household
    ids = created(h, income(h, "100.00"))
    services.incomes_allocate(ledger=h.ledger)
    split = set(Allocation.objects.values_list("bucket_id", "amount"))
    services.bucket_update(bucket=h.fun, allocation_percent=Decimal("30.00"))

    owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"description": "bonus"}})

    assert set(Allocation.objects.values_list("bucket_id", "amount")) == split
    assert Transaction.objects.get().allocation_status == "allocated"


def test_an_allocated_income_is_split_again_when_its_date_changes(owner_api, household):
    h = household
    ids = created(h, income(h, "100.00"), income(h, "200.00"))
    services.incomes_allocate(ledger=h.ledger)
    services.bucket_update(bucket=h.fun, allocation_percent=Decimal("30.00"))

    owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"date": "2025-04-01"}})

    fun = dict(Allocation.objects.filter(bucket=h.fun).values_list("transaction_id", "amount"))
    assert sorted(fun.values()) == [Decimal("30.00"), Decimal("60.00")]
    assert set(Transaction.objects.values_list("allocation_status", flat=True)) == {"allocated"}
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert_books_balance(h.ledger)


def test_an_income_given_a_bucket_drops_its_split(owner_api, household):
    h = household
    ids = created(h, income(h, "100.00"))
    services.incomes_allocate(ledger=h.ledger)

    owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"bucket": str(h.savings.pk)}})

    assert not Allocation.objects.exists()
    assert Transaction.objects.get().allocation_status == "not_applicable"
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_an_income_whose_bucket_is_cleared_is_allocated_on_commit(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    ids = created(h, income(h, "100.00", bucket=str(h.savings.pk)))
    with django_capture_on_commit_callbacks(execute=True):
        owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"bucket": None}})
    tx = Transaction.objects.get()
    assert (tx.bucket_id, tx.allocation_status) == (None, "allocated")
    assert Allocation.objects.filter(transaction=tx).count() == 3
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_budgets_are_checked_for_the_edited_expenses(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    ids = created(h, expense(h, "1.00"))
    with django_capture_on_commit_callbacks() as callbacks:
        owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"notes": "checked"}})
    assert callbacks, "the budget check is queued on commit"


def test_one_bad_transaction_changes_nothing_and_is_named_by_its_index(owner_api, household):
    h = household
    ids = created(h, expense(h), transfer(h), expense(h), adjustment(h))
    before = state(ids)
    version = Ledger.objects.get(pk=h.ledger.pk).version

    body = assert_error(
        owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"bucket": str(h.fun.pk)}}),
        422,
    )

    # A transfer has no bucket; the expenses and the adjustment could have taken it.
    assert body["errors"] == [
        {"row": 1, "field": "bucket", "message": "A transfer transaction has no bucket."}
    ]
    assert "nothing was changed" in body["detail"]
    assert state(ids) == before
    assert Ledger.objects.get(pk=h.ledger.pk).version == version


def test_a_category_of_the_wrong_type_is_refused_per_row(owner_api, household):
    h = household
    ids = created(h, expense(h), income(h), expense(h))
    before = state(ids)

    body = assert_error(
        owner_api.patch(
            bulk_path(h.ledger), {"ids": ids, "changes": {"category": str(h.groceries.pk)}}
        ),
        422,
    )

    assert [(e["row"], e["field"]) for e in body["errors"]] == [(1, "category")]
    assert state(ids) == before


def test_an_archived_category_is_refused(owner_api, household):
    h = household
    leisure = h.category("Leisure")
    services.category_update(category=leisure, archived=True)
    ids = created(h, expense(h))

    body = assert_error(
        owner_api.patch(
            bulk_path(h.ledger), {"ids": ids, "changes": {"category": str(leisure.pk)}}
        ),
        422,
    )
    assert body["errors"][0]["field"] == "category"
    assert "archived" in body["errors"][0]["message"]


def test_an_archived_reference_kept_does_not_block_other_changes(owner_api, household):
    h = household
    ids = created(h, expense(h, bucket=str(h.fun.pk)))
    # Archived with its spending still in it (the API would refuse: its balance is not 0).
    Bucket.objects.filter(pk=h.fun.pk).update(archived=True, allocation_percent=0)

    response = owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"notes": "x"}})
    assert response.status_code == 200, response.content


def test_unknown_and_foreign_ids_are_422_naming_their_index(owner_api, household, stranger):
    h = household
    theirs = stranger.default_ledger
    wallet = services.wallet_create(ledger=theirs, name="W", kind="virtual")
    foreign = services.transaction_create(
        ledger=theirs,
        data={
            "kind": "expense",
            "date": date(2025, 1, 1),
            "amount": Decimal("1.00"),
            "wallet": wallet.pk,
            "category": theirs.categories.get(name="Groceries").pk,
            "description": "theirs",
        },
    )
    ids = created(h, expense(h))
    before = state(ids)

    body = assert_error(
        owner_api.patch(
            bulk_path(h.ledger),
            {"ids": [ids[0], str(foreign.pk), str(uuid.uuid4())], "changes": {"notes": "mine"}},
        ),
        422,
    )

    assert [(e["row"], e["field"]) for e in body["errors"]] == [(1, "ids"), (2, "ids")]
    assert body["errors"][0]["message"] == body["errors"][1]["message"]  # nothing learnt
    assert state(ids) == before
    assert Transaction.objects.get(pk=foreign.pk).notes == ""


def test_a_stranger_cannot_edit_the_ledger(api, household, stranger):
    h = household
    ids = created(h, expense(h))
    before = state(ids)
    response = api.as_user(stranger).patch(
        bulk_path(h.ledger), {"ids": ids, "changes": {"notes": "hacked"}}
    )
    assert_error(response, 404)
    assert state(ids) == before


def test_a_viewer_cannot_edit(api, household, make_user):
    h = household
    ids = created(h, expense(h))
    viewer = member_api(api, h.ledger, make_user(), "viewer")
    response = viewer.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"notes": "x"}})
    assert_error(response, 403, "permission_denied")
    assert Transaction.objects.get().notes == ""


def test_an_editor_can_edit(api, household, make_user):
    h = household
    ids = created(h, expense(h))
    editor = member_api(api, h.ledger, make_user(), "editor")
    response = editor.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"notes": "x"}})
    assert response.json() == {"updated": 1}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, "changes"),
        ({"kind": "income"}, "changes.kind"),
        ({"external_id": "FIT-1"}, "changes.external_id"),
        ({"payee_nickname": "x"}, "changes.payee_nickname"),
        ({"description": "x" * 256}, "changes.description"),
        ({"tags": [f"t{n}" for n in range(21)]}, "changes.tags"),
        ({"amount": "1.001"}, "changes.amount"),
        ({"description": None}, "description"),
    ],
)
def test_changes_are_validated_like_a_patch(owner_api, household, changes, field):
    h = household
    ids = created(h, expense(h))
    before = state(ids)
    assert_error(
        owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": changes}), 422, field=field
    )
    assert state(ids) == before


def test_the_id_limits(owner_api, household):
    h = household
    ids = created(h, *[expense(h, f"{n + 1}.00") for n in range(1000)])
    path = bulk_path(h.ledger)
    changes = {"notes": "many"}
    assert_error(owner_api.patch(path, {"ids": [], "changes": changes}), 422, field="ids")
    too_many = [*ids, str(uuid.uuid4())]
    assert_error(owner_api.patch(path, {"ids": too_many, "changes": changes}), 422, field="ids")
    assert not Transaction.objects.filter(notes="many").exists()
    assert owner_api.patch(path, {"ids": ids, "changes": changes}).json() == {"updated": 1000}
    assert Transaction.objects.filter(notes="many").count() == 1000


def test_an_id_given_twice_counts_once(owner_api, household):
    h = household
    ids = created(h, expense(h))
    response = owner_api.patch(bulk_path(h.ledger), {"ids": ids * 2, "changes": {"notes": "x"}})
    assert response.json() == {"updated": 1}


@pytest.mark.parametrize("n", [10, 200])
def test_query_count_does_not_grow_with_the_ids(
    owner_api, household, django_assert_max_num_queries, n
):
    h = household
    leisure = h.category("Leisure")
    bodies = [expense(h, f"{k + 1}.00") for k in range(n)]
    bodies[::3] = [income(h, "9.00", bucket=str(h.bills.pk))] * len(bodies[::3])
    bodies[1::3] = [expense(h, "2.00", bucket=str(h.fun.pk))] * len(bodies[1::3])
    ids = created(h, *bodies)
    expenses = [i for i, body in zip(ids, bodies, strict=True) if body["kind"] == "expense"]

    # (16 before the daily rollup: its upsert is one more statement, whatever the rows.)
    with django_assert_max_num_queries(17):
        response = owner_api.patch(
            bulk_path(h.ledger),
            {"ids": expenses, "changes": {"category": str(leisure.pk), "tags": ["a", "b"]}},
        )
    assert response.json() == {"updated": len(expenses)}
    with django_assert_max_num_queries(17):
        response = owner_api.patch(
            bulk_path(h.ledger), {"ids": ids, "changes": {"bucket": None, "notes": "n"}}
        )
    assert response.json() == {"updated": n}
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert_books_balance(h.ledger)


def test_the_idempotency_key_replays_the_first_answer(owner_api, household):
    h = household
    ids = created(h, expense(h))
    body = {"ids": ids, "changes": {"notes": "once"}}
    first = owner_api.patch(bulk_path(h.ledger), body, HTTP_IDEMPOTENCY_KEY="bulk-1")
    Transaction.objects.update(notes="changed since")

    again = owner_api.patch(bulk_path(h.ledger), body, HTTP_IDEMPOTENCY_KEY="bulk-1")

    assert again.status_code == first.status_code == 200
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Transaction.objects.get().notes == "changed since"  # not written twice
    other = {"ids": ids, "changes": {"notes": "other"}}
    assert_error(
        owner_api.patch(bulk_path(h.ledger), other, HTTP_IDEMPOTENCY_KEY="bulk-1"),
        409,
        "idempotency_key_reused",
    )
    assert IdempotencyRecord.objects.get().method == "PATCH"


def test_the_schema_documents_the_endpoint(api):
    schema = api.get("/openapi.json").json()
    operation = schema["paths"]["/api/v1/ledgers/{lid}/transactions/bulk"]["patch"]
    assert operation["operationId"] == "transaction_bulk_update"
    assert {"200", "401", "403", "404", "409", "422"} <= set(operation["responses"])
    assert "Idempotency-Key" in {p["name"] for p in operation["parameters"]}


def test_a_category_in_bulk_ends_the_splits_and_the_books_follow(owner_api, household):
    h = household
    lines = [
        {"category": str(h.groceries.pk), "amount": "6.00"},
        {"category": str(h.category("Leisure").pk), "amount": "4.00", "bucket": str(h.fun.pk)},
    ]
    split_id = owner_api.post(tx_path(h.ledger), expense(h, "10.00", category=None, splits=lines))
    assert split_id.status_code == 201, split_id.content
    split_id, (plain_id,) = split_id.json()["id"], created(h, expense(h, "3.00"))
    response = owner_api.patch(
        bulk_path(h.ledger),
        {"ids": [split_id, plain_id], "changes": {"category": str(h.category("Leisure").pk)}},
    )
    assert response.status_code == 200, response.content

    after = owner_api.get(tx_path(h.ledger, split_id)).json()
    assert after["splits"] == []
    assert after["category"] == str(h.category("Leisure").pk)
    assert rollup_drift(ledger_id=h.ledger.pk) == []
    assert_books_balance(h.ledger)


def test_splits_cannot_be_set_in_bulk(owner_api, household):
    h = household
    ids = created(h, expense(h, "3.00"))
    lines = [{"category": str(h.groceries.pk), "amount": "3.00"}]
    response = owner_api.patch(bulk_path(h.ledger), {"ids": ids, "changes": {"splits": lines}})
    assert_error(response, 422, field="changes.splits")
