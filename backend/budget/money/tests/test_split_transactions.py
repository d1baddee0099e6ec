"""Split transactions (SPEC §13): an income or expense whose amount is spread over lines,
each in its own category (and, for an expense, its own bucket)."""

import pytest
from tests.helpers import assert_error

from budget.money import services
from budget.money.models import Category, Transaction, TransactionSplit
from budget.money.rollup import rollup_drift
from budget.money.tests.helpers import (
    assert_books_balance,
    expense,
    income,
    line,
    split_expense,
    split_income,
    transfer,
    tx_path,
)

pytestmark = pytest.mark.django_db


def create(owner_api, h, body, status=201) -> dict:
    response = owner_api.post(tx_path(h.ledger), body)
    assert response.status_code == status, response.content
    return response.json()


def balances(owner_api, ledger) -> dict:
    buckets = owner_api.get(f"/ledgers/{ledger.pk}/buckets").json()["items"]
    return {b["name"]: b["balance"] for b in buckets}


def assert_consistent(ledger) -> None:
    """Invariant 1, and the rollup equals a fresh aggregation of the rows."""
    assert_books_balance(ledger)
    assert rollup_drift(ledger_id=ledger.pk) == []


# --- Creating -------------------------------------------------------------------------------


def test_split_expense_shows_its_lines_and_has_no_category(owner_api, household):
    h = household
    body = create(owner_api, h, split_expense(h))
    assert body["category"] is None
    assert [
        {k: s[k] for k in ("category", "category_name", "bucket", "bucket_name", "amount")}
        for s in body["splits"]
    ] == [
        {
            "category": str(h.groceries.pk),
            "category_name": "Groceries",
            "bucket": None,
            "bucket_name": None,
            "amount": "60.00",
        },
        {
            "category": str(h.category("Leisure").pk),
            "category_name": "Leisure",
            "bucket": str(h.fun.pk),
            "bucket_name": "Fun",
            "amount": "40.00",
        },
    ]
    assert [s["description"] for s in body["splits"]] == ["Food", ""]
    assert owner_api.get(tx_path(h.ledger, body["id"])).json()["splits"] == body["splits"]


def test_unsplit_transaction_has_an_empty_list_of_lines(owner_api, household):
    assert create(owner_api, household, expense(household))["splits"] == []


def test_each_expense_line_leaves_its_own_bucket(owner_api, household):
    h = household
    create(owner_api, h, income(h, "500.00", bucket=str(h.fun.pk)))
    create(owner_api, h, split_expense(h, bucket=str(h.bills.pk)))
    buckets = balances(owner_api, h.ledger)
    # Groceries 60 from the transaction's bucket (Bills), Leisure 40 from its own (Fun).
    assert buckets["Bills"] == "-60.00"
    assert buckets["Fun"] == "460.00"
    assert buckets["Unallocated"] == "0.00"
    assert_consistent(h.ledger)


def test_expense_line_without_bucket_leaves_unallocated(owner_api, household):
    h = household
    create(owner_api, h, split_expense(h))
    buckets = balances(owner_api, h.ledger)
    assert buckets["Unallocated"] == "-60.00"
    assert buckets["Fun"] == "-40.00"
    assert_consistent(h.ledger)


def test_income_with_splits_is_allocated_on_its_whole_amount(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    with django_capture_on_commit_callbacks(execute=True):
        body = split_income(
            h, "333.33", [line(h.salary, "300.00"), line(h.category("Other income"), "33.33")]
        )
        created = create(owner_api, h, body)
    body = owner_api.get(tx_path(h.ledger, created["id"])).json()
    assert body["allocation_status"] == "allocated"
    # The same parts as an unsplit income of 333.33 (see test_transactions_api).
    assert {a["bucket_name"]: a["amount"] for a in body["allocations"]} == {
        "Bills": "166.66",
        "Savings": "66.67",
        "Fun": "33.33",
    }
    assert balances(owner_api, h.ledger)["Unallocated"] == "66.67"
    assert_consistent(h.ledger)


def test_income_with_splits_and_a_bucket_goes_there_whole(owner_api, household):
    h = household
    create(owner_api, h, split_income(h, bucket=str(h.savings.pk)))
    assert balances(owner_api, h.ledger)["Savings"] == "1000.00"
    assert_consistent(h.ledger)


def test_bulk_creates_split_transactions(owner_api, household):
    h = household
    response = owner_api.post(
        f"{tx_path(h.ledger)}/bulk", {"items": [split_expense(h), expense(h), split_income(h)]}
    )
    assert response.status_code == 201, response.content
    assert [len(t["splits"]) for t in response.json()] == [2, 0, 2]
    assert TransactionSplit.objects.count() == 4
    assert_consistent(h.ledger)


def test_bulk_names_the_row_and_line_of_a_bad_split(owner_api, household):
    h = household
    bad = split_expense(h, lines=[line(h.groceries, "60.00"), line(h.salary, "40.00")])
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": [expense(h), bad]})
    body = assert_error(response, 422)
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(1, "splits.1.category")}
    assert not Transaction.objects.exists()


# --- The rules of §13 -----------------------------------------------------------------------


def _rules(h, other_ledger_category) -> list[tuple[str, dict, str, str]]:
    archived = services.category_create(ledger=h.ledger, name="Old", type="expense", archived=True)
    leisure = h.category("Leisure")
    return [
        ("one line", split_expense(h, "60.00", [line(h.groceries, "60.00")]), "splits", "2 to 50"),
        (
            "51 lines",
            split_expense(h, "51.00", [line(h.groceries, "1.00")] * 51),
            "splits",
            "not 51",
        ),
        (
            "lines under",
            split_expense(h, "100.00", [line(h.groceries, "60.00"), line(leisure, "39.63")]),
            "splits",
            "0.37 under the amount 100.00",
        ),
        (
            "lines over",
            split_expense(h, "100.00", [line(h.groceries, "60.00"), line(leisure, "40.37")]),
            "splits",
            "0.37 over the amount 100.00",
        ),
        (
            "zero line",
            split_expense(h, "60.00", [line(h.groceries, "60.00"), line(leisure, "0")]),
            "splits.1.amount",
            "greater than zero",
        ),
        (
            "negative line",
            split_expense(h, "50.00", [line(h.groceries, "60.00"), line(leisure, "-10.00")]),
            "splits.1.amount",
            "greater than zero",
        ),
        (
            "three decimals",
            split_expense(h, "60.00", [line(h.groceries, "59.995"), line(leisure, "0.005")]),
            "splits.0.amount",
            "2 decimal places",
        ),
        (
            "income category on an expense line",
            split_expense(h, "60.00", [line(h.groceries, "30.00"), line(h.salary, "30.00")]),
            "splits.1.category",
            "needs an expense category",
        ),
        (
            "archived category",
            split_expense(h, "60.00", [line(h.groceries, "30.00"), line(archived, "30.00")]),
            "splits.1.category",
            "archived",
        ),
        (
            "another ledger's category",
            split_expense(
                h, "60.00", [line(h.groceries, "30.00"), line(other_ledger_category, "30.00")]
            ),
            "splits.1.category",
            "No such category",
        ),
        (
            "bucket on an income line",
            split_income(
                h,
                "10.00",
                [line(h.salary, "5.00", bucket=str(h.fun.pk)), line(h.salary, "5.00")],
            ),
            "splits.0.bucket",
            "Only an expense line has a bucket",
        ),
        (
            "unknown bucket",
            split_expense(
                h,
                "60.00",
                [
                    line(h.groceries, "30.00", bucket=str(other_ledger_category.pk)),
                    line(leisure, "30.00"),
                ],
            ),
            "splits.0.bucket",
            "No such bucket",
        ),
        (
            "category with splits",
            split_expense(h) | {"category": str(h.groceries.pk)},
            "category",
            "no category of its own",
        ),
        (
            "transfer with splits",
            transfer(h, "60.00", splits=[line(h.groceries, "30.00"), line(leisure, "30.00")]),
            "splits",
            "Only an income or an expense",
        ),
        (
            "line without category",
            split_expense(h, "60.00", [{"amount": "30.00"}, line(leisure, "30.00")]),
            "splits.0.category",
            "",
        ),
    ]


def test_every_rule_of_a_split_is_a_422_on_its_field(owner_api, household, stranger):
    from budget.ledgers.models import Ledger

    other = Ledger.objects.create(name="Mallory's")
    foreign = Category.objects.create(ledger=other, name="Theirs", type="expense")
    for name, body, field, words in _rules(household, foreign):
        response = owner_api.post(tx_path(household.ledger), body)
        found = assert_error(response, 422, field=field)
        messages = [e["message"] for e in found["errors"] if e["field"] == field]
        assert any(words in m for m in messages), (name, found)
    assert not Transaction.objects.exists()
    assert not TransactionSplit.objects.exists()


def test_a_category_used_by_a_line_cannot_be_deleted(owner_api, household):
    h = household
    create(owner_api, h, split_expense(h))
    leisure = h.category("Leisure")
    response = owner_api.delete(f"/ledgers/{h.ledger.pk}/categories/{leisure.pk}")
    body = assert_error(response, 409, code="in_use")
    assert "split lines" in body["detail"]


def test_a_category_used_by_a_line_keeps_its_type(owner_api, household):
    h = household
    create(owner_api, h, split_expense(h))
    leisure = h.category("Leisure")
    response = owner_api.patch(
        f"/ledgers/{h.ledger.pk}/categories/{leisure.pk}", {"type": "income"}
    )
    assert_error(response, 409, code="in_use")


# --- Changing ---------------------------------------------------------------------------------


def test_patch_with_splits_replaces_the_lines(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    new_lines = [
        line(h.category("Transport"), "10.00"),
        line(h.category("Health"), "20.00", bucket=str(h.bills.pk)),
        line(h.groceries, "70.00"),
    ]
    response = owner_api.patch(tx_path(h.ledger, created["id"]), {"splits": new_lines})
    assert response.status_code == 200, response.content
    assert [s["category_name"] for s in response.json()["splits"]] == [
        "Transport",
        "Health",
        "Groceries",
    ]
    assert TransactionSplit.objects.count() == 3
    buckets = balances(owner_api, h.ledger)
    assert buckets["Fun"] == "0.00"
    assert buckets["Bills"] == "-20.00"
    assert_consistent(h.ledger)


def test_patch_with_a_category_removes_the_lines(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    response = owner_api.patch(tx_path(h.ledger, created["id"]), {"category": str(h.groceries.pk)})
    assert response.status_code == 200, response.content
    assert response.json()["splits"] == []
    assert response.json()["category"] == str(h.groceries.pk)
    assert not TransactionSplit.objects.exists()
    assert balances(owner_api, h.ledger)["Fun"] == "0.00"
    assert_consistent(h.ledger)


def test_patch_splitting_an_unsplit_transaction_needs_category_null(owner_api, household):
    h = household
    created = create(owner_api, h, expense(h, "100.00"))
    lines = split_expense(h)["splits"]
    response = owner_api.patch(tx_path(h.ledger, created["id"]), {"splits": lines})
    assert_error(response, 422, field="category")
    response = owner_api.patch(
        tx_path(h.ledger, created["id"]), {"splits": lines, "category": None}
    )
    assert response.status_code == 200, response.content
    assert len(response.json()["splits"]) == 2
    assert_consistent(h.ledger)


def test_patch_amount_alone_must_still_match_the_lines(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    response = owner_api.patch(tx_path(h.ledger, created["id"]), {"amount": "100.37"})
    body = assert_error(response, 422, field="splits")
    assert "0.37 under the amount 100.37" in body["errors"][0]["message"]
    assert Transaction.objects.get().amount == 100


def test_patch_other_fields_keeps_the_lines(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    response = owner_api.patch(
        tx_path(h.ledger, created["id"]), {"date": "2025-04-10", "description": "Market"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["splits"] == created["splits"]
    assert_consistent(h.ledger)


def test_patch_keeps_lines_whose_category_was_archived_since(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    services.category_update(category=h.category("Leisure"), archived=True)
    response = owner_api.patch(tx_path(h.ledger, created["id"]), {"description": "Market"})
    assert response.status_code == 200, response.content


def test_patch_to_a_transfer_drops_the_lines(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    response = owner_api.patch(
        tx_path(h.ledger, created["id"]),
        {
            "kind": "transfer",
            "wallet": None,
            "from_wallet": str(h.bank.pk),
            "to_wallet": str(h.cash.pk),
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["splits"] == []
    assert_consistent(h.ledger)


def test_reallocating_a_split_income_keeps_the_books(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    with django_capture_on_commit_callbacks(execute=True):
        created = create(owner_api, h, split_income(h))
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.patch(
            tx_path(h.ledger, created["id"]),
            {
                "amount": "2000.00",
                "splits": [line(h.salary, "1500.00"), line(h.category("Other income"), "500.00")],
            },
        )
    assert response.status_code == 200, response.content
    body = owner_api.get(tx_path(h.ledger, created["id"])).json()
    assert body["allocation_status"] == "allocated"
    assert balances(owner_api, h.ledger)["Bills"] == "1000.00"
    assert_consistent(h.ledger)


def test_deleting_a_split_transaction_removes_its_lines(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    assert owner_api.delete(tx_path(h.ledger, created["id"])).status_code == 204
    assert not TransactionSplit.objects.exists()
    assert set(balances(owner_api, h.ledger).values()) == {"0.00"}
    assert_consistent(h.ledger)


def test_deleting_many_split_transactions_keeps_the_rollup(household):
    from django.db.models import Q

    h = household
    data = split_expense(h)
    for _ in range(3):
        services.transaction_create(ledger=h.ledger, data=_parsed(data))
        services.transaction_create(ledger=h.ledger, data=_parsed(split_income(h)))
        services.transaction_create(ledger=h.ledger, data=_parsed(expense(h)))
    services.incomes_allocate(ledger=h.ledger)
    assert services.transactions_delete(ledger=h.ledger, filters=Q(kind="income")) == 3
    assert TransactionSplit.objects.count() == 6
    assert_consistent(h.ledger)
    assert services.transactions_delete(ledger=h.ledger, filters=Q()) == 6
    assert not TransactionSplit.objects.exists()
    assert_consistent(h.ledger)


def _parsed(body: dict) -> dict:
    from budget.money.schemas import TransactionIn

    return TransactionIn.model_validate(body).dict()


# --- Reading ----------------------------------------------------------------------------------


def test_category_filter_matches_any_line(owner_api, household):
    h = household
    split = create(owner_api, h, split_expense(h))
    plain = create(owner_api, h, expense(h))
    create(owner_api, h, expense(h, category=str(h.category("Transport").pk)))

    def ids(category) -> set[str]:
        items = owner_api.get(tx_path(h.ledger), {"category": str(category.pk)}).json()["items"]
        return {t["id"] for t in items}

    assert ids(h.groceries) == {split["id"], plain["id"]}
    assert ids(h.category("Leisure")) == {split["id"]}


def test_list_query_count_is_constant_with_splits(
    owner_api, household, django_assert_max_num_queries
):
    h = household
    for _ in range(20):
        services.transaction_create(ledger=h.ledger, data=_parsed(split_expense(h)))
        services.transaction_create(ledger=h.ledger, data=_parsed(split_income(h)))
    services.incomes_allocate(ledger=h.ledger)
    with django_assert_max_num_queries(6):
        body = owner_api.get(
            tx_path(h.ledger), {"page_size": 50, "category": str(h.groceries.pk)}
        ).json()
    assert body["count"] == 20
    assert all(len(t["splits"]) == 2 for t in body["items"])
    with django_assert_max_num_queries(6):
        body = owner_api.get(tx_path(h.ledger), {"page_size": 50}).json()
    assert body["count"] == 40


def test_a_stranger_never_sees_split_lines(api, household, stranger):
    h = household
    created = services.transaction_create(ledger=h.ledger, data=_parsed(split_expense(h)))
    response = api.as_user(stranger).get(tx_path(h.ledger, created.pk))
    assert_error(response, 404)


def test_rollup_check_reads_split_lines(household, capsys):
    from django.core.management import call_command

    h = household
    services.transaction_create(ledger=h.ledger, data=_parsed(split_expense(h)))
    services.transaction_create(ledger=h.ledger, data=_parsed(split_income(h)))
    services.incomes_allocate(ledger=h.ledger)
    call_command("rollup_check")  # no drift: the check counts each line as the writes do
    # A line moved to another category behind the services' back is drift, and --fix mends it.
    TransactionSplit.objects.filter(category=h.groceries).update(category=h.category("Health"))
    with pytest.raises(Exception, match="drifted"):
        call_command("rollup_check")
    call_command("rollup_check", "--fix")
    assert rollup_drift(ledger_id=h.ledger.pk) == []


def test_patch_splits_null_removes_the_lines_and_needs_a_category(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    response = owner_api.patch(tx_path(h.ledger, created["id"]), {"splits": None})
    assert_error(response, 422, field="category")
    assert TransactionSplit.objects.count() == 2
    response = owner_api.patch(
        tx_path(h.ledger, created["id"]), {"splits": None, "category": str(h.groceries.pk)}
    )
    assert response.status_code == 200, response.content
    assert response.json()["splits"] == []
    assert_consistent(h.ledger)


def test_patch_to_an_income_needs_income_lines(owner_api, household):
    h = household
    created = create(owner_api, h, split_expense(h))
    response = owner_api.patch(tx_path(h.ledger, created["id"]), {"kind": "income"})
    body = assert_error(response, 422)
    assert {"splits.0.category", "splits.1.category", "splits.1.bucket"} <= {
        e["field"] for e in body["errors"]
    }
    response = owner_api.patch(
        tx_path(h.ledger, created["id"]),
        {
            "kind": "income",
            "splits": split_income(
                h, "100.00", [line(h.salary, "70.00"), line(h.category("Other income"), "30.00")]
            )["splits"],
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["allocation_status"] == "pending"
    assert_consistent(h.ledger)
