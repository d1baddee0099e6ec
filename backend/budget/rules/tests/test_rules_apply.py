"""One rule over stored transactions: apply (dry run, overwrite, writes) and preview (SPEC §12)."""

from datetime import date
from decimal import Decimal

import pytest
from tests.helpers import assert_error

from budget.money import services as money
from budget.money.models import Transaction
from budget.money.tests.helpers import assert_books_balance, expense, income, transfer
from budget.rules.tests.helpers import rule_body, rules_path

pytestmark = pytest.mark.django_db


def _tx(h, body: dict) -> Transaction:
    data = {**body, "date": date.fromisoformat(body["date"]), "amount": Decimal(body["amount"])}
    return money.transaction_create(ledger=h.ledger, data=data)


def _rule(owner_api, h, **changes) -> dict:
    response = owner_api.post(rules_path(h.ledger), rule_body(h, **changes))
    assert response.status_code == 201, response.content
    return response.json()


def _apply(owner_api, h, rule, **body):
    response = owner_api.post(rules_path(h.ledger, rule["id"]) + "/apply", body)
    assert response.status_code == 200, response.content
    return response.json()


def _monthly(owner_api, h) -> dict[str, str]:
    report = owner_api.get(
        f"/ledgers/{h.ledger.pk}/reports/monthly", {"year": 2025, "month": 3}
    ).json()
    return {c["name"]: c["total"] for c in report["categories"]}


@pytest.fixture
def book(household):
    """Three market expenses (one already in Health), a bakery expense, a transfer."""
    h = household
    health = h.category("Health")
    rows = [
        _tx(h, expense(h, "10.00", date="2025-03-01", description="Market")),
        _tx(h, expense(h, "20.00", date="2025-03-10", description="market stall")),
        _tx(
            h, expense(h, "5.00", date="2025-03-20", description="Market", category=str(health.pk))
        ),
        _tx(h, expense(h, "7.00", date="2025-03-05", description="Bakery")),
        _tx(h, transfer(h, date="2025-03-06", description="market money")),
    ]
    return h, rows


def test_a_dry_run_counts_and_writes_nothing(owner_api, book):
    h, rows = book
    leisure = h.category("Leisure")
    rule = _rule(owner_api, h, actions=[{"field": "category", "value": str(leisure.pk)}])
    before = _monthly(owner_api, h)
    answer = _apply(owner_api, h, rule)
    # The three markets and the transfer match; the transfer takes no expense category, and
    # without overwrite the two categorised expenses keep theirs.
    assert (answer["matched"], answer["changed"], answer["transactions"]) == (4, 0, [])
    overwrite = _apply(owner_api, h, rule, overwrite=True)
    assert (overwrite["matched"], overwrite["changed"]) == (4, 3)
    assert overwrite["transactions"] == [str(rows[i].pk) for i in (2, 1, 0)]  # newest first
    assert not Transaction.objects.filter(category=leisure).exists()
    assert _monthly(owner_api, h) == before


def test_apply_sets_empty_fields_only_unless_overwrite(owner_api, book):
    h, rows = book
    rule = _rule(
        owner_api,
        h,
        actions=[{"field": "notes", "value": "weekly"}, {"field": "tags", "value": ["market"]}],
    )
    rows[0].notes = "mine"
    rows[0].save()
    answer = _apply(owner_api, h, rule, dry_run=False)
    assert (answer["matched"], answer["changed"]) == (4, 4)
    assert Transaction.objects.get(pk=rows[0].pk).notes == "mine"
    assert Transaction.objects.get(pk=rows[1].pk).notes == "weekly"
    assert Transaction.objects.get(pk=rows[0].pk).tags == ["market"]
    again = _apply(owner_api, h, rule, dry_run=False)
    assert (again["matched"], again["changed"]) == (4, 0)
    forced = _apply(owner_api, h, rule, dry_run=False, overwrite=True)
    assert forced["changed"] == 1
    assert Transaction.objects.get(pk=rows[0].pk).notes == "weekly"


def test_apply_writes_and_reports_and_balances_follow(owner_api, book):
    h, rows = book
    leisure = h.category("Leisure")
    rule = _rule(
        owner_api,
        h,
        conditions=[{"field": "description", "op": "starts_with", "value": "market"}],
        actions=[
            {"field": "category", "value": str(leisure.pk)},
            {"field": "bucket", "value": str(h.fun.pk)},
        ],
    )
    assert _monthly(owner_api, h) == {"Groceries": "37.00", "Health": "5.00"}
    fun_before = money.selectors.bucket_balance(bucket=h.fun)
    answer = _apply(owner_api, h, rule, dry_run=False, overwrite=True)
    assert (answer["matched"], answer["changed"]) == (4, 3)
    assert _monthly(owner_api, h) == {"Leisure": "35.00", "Groceries": "7.00"}
    assert money.selectors.bucket_balance(bucket=h.fun) == fun_before - Decimal("35.00")
    moved = Transaction.objects.get(pk=rows[4].pk)
    assert (moved.category_id, moved.bucket_id) == (None, None)  # misfits skipped
    assert_books_balance(h.ledger)


def test_apply_moves_an_income_to_one_bucket_and_its_split_goes(owner_api, household):
    h = household
    salary = _tx(h, income(h, "100.00", description="Pay"))
    money.incomes_allocate(ledger=h.ledger)
    rule = _rule(
        owner_api,
        h,
        conditions=[{"field": "description", "op": "is", "value": "pay"}],
        actions=[{"field": "bucket", "value": str(h.savings.pk)}],
    )
    assert _apply(owner_api, h, rule, dry_run=False)["changed"] == 1
    salary.refresh_from_db()
    assert (salary.bucket_id, salary.allocation_status) == (h.savings.pk, "not_applicable")
    assert not salary.allocations.exists()
    assert money.selectors.bucket_balance(bucket=h.savings) == Decimal("100.00")
    assert_books_balance(h.ledger)


def test_apply_takes_a_date_range(owner_api, book):
    h, rows = book
    rule = _rule(owner_api, h, actions=[{"field": "notes", "value": "x"}])
    answer = _apply(owner_api, h, rule, date_from="2025-03-02", date_to="2025-03-15")
    assert (answer["matched"], answer["changed"]) == (2, 2)
    assert answer["transactions"] == [str(rows[1].pk), str(rows[4].pk)]


def test_apply_with_a_payee_name_action_creates_the_payee(owner_api, book):
    h, _ = book
    rule = _rule(owner_api, h, actions=[{"field": "payee_name", "value": "Farmers"}])
    assert _apply(owner_api, h, rule, dry_run=False)["changed"] == 4
    assert {t.payee.name for t in Transaction.objects.filter(payee__isnull=False)} == {"Farmers"}
    payees = owner_api.get(f"/ledgers/{h.ledger.pk}/payees").json()["items"]
    assert [(p["name"], p["transaction_count"]) for p in payees] == [("Farmers", 4)]


def test_a_bad_apply_body_is_a_422(owner_api, book):
    h, _ = book
    rule = _rule(owner_api, h)
    path = rules_path(h.ledger, rule["id"]) + "/apply"
    assert_error(owner_api.post(path, {"date_from": "March"}), 422, field="date_from")
    assert_error(owner_api.post(path, {"dry_run": "perhaps"}), 422, field="dry_run")


# --- Preview -------------------------------------------------------------------------------


def test_preview_lists_the_first_twenty_matches_without_writing(
    owner_api, household, django_assert_max_num_queries
):
    h = household
    for n in range(30):
        _tx(h, expense(h, f"{n + 1}.00", date=f"2025-03-{n % 28 + 1:02d}", description="market"))
    _tx(h, expense(h, description="bakery"))
    body = rule_body(h, actions=[{"field": "notes", "value": "x"}])
    del body["name"]
    with django_assert_max_num_queries(8):
        response = owner_api.post(rules_path(h.ledger) + "/preview", body)
    assert response.status_code == 200, response.content
    preview = response.json()
    assert preview["matched"] == 30
    assert len(preview["transactions"]) == 20
    assert all(t["description"] == "market" and t["notes"] == "" for t in preview["transactions"])
    dates = [t["date"] for t in preview["transactions"]]
    assert dates == sorted(dates, reverse=True)
    assert not Transaction.objects.exclude(notes="").exists()
    ranged = owner_api.post(
        rules_path(h.ledger) + "/preview",
        {**body, "date_from": "2025-03-01", "date_to": "2025-03-01"},
    ).json()
    assert ranged["matched"] == 2


def test_preview_checks_the_body_like_a_rule(owner_api, household):
    h = household
    body = rule_body(h, conditions=[{"field": "description", "op": "matches", "value": "(x"}])
    response = owner_api.post(rules_path(h.ledger) + "/preview", body)
    assert_error(response, 422, field="conditions.0.value")
