"""The pure rules every write path calls (API, bulk, import, restore, recurring, budgets)."""

from decimal import Decimal

import pytest

from budget.money.models import AllocationStatus, Bucket, Category, Kind
from budget.money.rules import percent_sum_error, reference_error, transaction_defaults

GROCERIES = Category(name="Groceries", type="expense")
OLD = Category(name="Old", type="expense", archived=True)


@pytest.mark.parametrize(
    ("target", "options", "message"),
    [
        (None, {}, "No such category in this ledger."),
        (GROCERIES, {}, None),
        (OLD, {}, "The category 'Old' is archived."),
        (OLD, {"archived_ok": True}, None),
        (GROCERIES, {"category_type": "income"}, "'Groceries' is not an income category."),
        (GROCERIES, {"category_type": "expense"}, None),
        (
            GROCERIES,
            {"category_type": "income", "wrong_type": lambda c: f"{c.name}: {c.type}"},
            "Groceries: expense",
        ),
    ],
)
def test_a_reference_exists_is_active_and_has_the_right_type(target, options, message):
    assert reference_error(target, noun="category", **options) == message


@pytest.mark.parametrize(
    ("kind", "bucket", "expected"),
    [
        (Kind.EXPENSE, None, ("system", AllocationStatus.NOT_APPLICABLE)),
        (Kind.ADJUSTMENT, None, ("system", AllocationStatus.NOT_APPLICABLE)),
        (Kind.EXPENSE, "fun", ("fun", AllocationStatus.NOT_APPLICABLE)),
        (Kind.INCOME, None, (None, AllocationStatus.PENDING)),
        (Kind.INCOME, "fun", ("fun", AllocationStatus.NOT_APPLICABLE)),
        (Kind.TRANSFER, None, (None, AllocationStatus.NOT_APPLICABLE)),
    ],
)
def test_unallocated_pays_by_default_and_an_income_without_bucket_waits_to_be_split(
    kind, bucket, expected
):
    assert transaction_defaults(kind=kind, bucket_id=bucket, system_bucket_id="system") == expected


def test_percents_add_up_to_at_most_100():
    assert percent_sum_error(Decimal("100.00")) is None
    assert percent_sum_error(Decimal("100.01")) == (
        "Allocation percentages would add up to 100.01 %; the most is 100 %."
    )


def test_an_archived_bucket_is_named_in_the_message():
    assert reference_error(Bucket(name="Fun", archived=True), noun="bucket") == (
        "The bucket 'Fun' is archived."
    )
