"""POST /ledgers/import-json refuses a bad document whole: 422 naming the fields (or 413
for a body over the limit), and nothing is created."""

import copy
import json
from datetime import date

import pytest
from tests.helpers import assert_error

from budget.ledgers.models import Ledger
from budget.money.models import Transaction
from budget.planning.models import Budget, BudgetAlert, Goal, RecurringTransaction

pytestmark = pytest.mark.django_db

BANK, CASH, UNALLOCATED, SAVINGS, SALARY, GROCERIES = "w1", "w2", "b0", "b1", "c1", "c2"
PLANNING = ("recurring", "budgets", "goals")
DOCUMENT = {
    "format": "budget-ledger",
    "version": 2,
    "ledger": {"name": "Restored", "currency": "EUR"},
    "wallets": [
        {"id": BANK, "name": "Bank", "kind": "virtual", "archived": False},
        {"id": CASH, "name": "Cash", "kind": "physical", "archived": False},
    ],
    "buckets": [
        {"id": UNALLOCATED, "name": "Unallocated", "allocation_percent": None, "is_system": True},
        {"id": SAVINGS, "name": "Savings", "allocation_percent": "50.00", "is_system": False},
    ],
    "categories": [
        {"id": SALARY, "name": "Salary", "type": "income", "archived": False},
        {"id": GROCERIES, "name": "Groceries", "type": "expense", "archived": False},
    ],
    "transactions": [
        {
            "id": "t1",
            "kind": "income",
            "date": "2025-03-01",
            "amount": "100.00",
            "wallet": BANK,
            "category": SALARY,
            "allocation_status": "allocated",
            "allocations": [{"bucket": SAVINGS, "amount": "50.00"}],
        },
        {
            "id": "t2",
            "kind": "transfer",
            "date": "2025-03-02",
            "amount": "10.00",
            "from_wallet": BANK,
            "to_wallet": CASH,
        },
        {
            "id": "t3",
            "kind": "expense",
            "date": "2025-03-05",
            "amount": "30.00",
            "wallet": BANK,
            "category": GROCERIES,
            "recurring": "r1",
            "recurring_date": "2025-03-05",
        },
    ],
    "recurring": [
        {
            "id": "r1",
            "kind": "expense",
            "amount": "30.00",
            "description": "Vegetable box",
            "wallet": BANK,
            "category": GROCERIES,
            "frequency": "monthly",
            "interval": 1,
            "start_date": "2025-03-05",
            "end_date": None,
            "active": True,
            "last_date": "2025-03-05",
            "next_date": "2025-04-05",
        }
    ],
    "budgets": [
        {
            "id": "u1",
            "category": GROCERIES,
            "amount": "100.00",
            "alert_percent": 80,
            "start_month": "2025-01",
            "end_month": "2025-06",
            "alerts": [{"month": "2025-03", "threshold": "warning"}],
        },
        {"id": "u2", "category": GROCERIES, "amount": "50.00", "start_month": "2025-07"},
    ],
    "goals": [
        {
            "id": "g1",
            "name": "Rainy day",
            "bucket": SAVINGS,
            "target_amount": "1000.00",
            "target_date": "2026-01-01",
        }
    ],
}


def _document(change) -> dict:
    doc = copy.deepcopy(DOCUMENT)
    change(doc)
    return doc


def _set(path: str, value):
    def change(doc):
        *parents, last = path.split(".")
        target = doc
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[int(last) if last.isdigit() else last] = value

    return change


def _append(section: str, index: int, **changes):
    """Adds a copy of `section`'s item `index` at its end, with `changes`."""

    def change(doc):
        doc[section].append({**copy.deepcopy(doc[section][index]), **changes})

    return change


def _planning_counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count() for model in (RecurringTransaction, Budget, BudgetAlert, Goal)
    )


def test_the_sample_document_is_valid(owner_api):
    response = owner_api.post("/ledgers/import-json", DOCUMENT)
    assert response.status_code == 201, response.content
    ledger = Ledger.objects.get(pk=response.json()["id"])
    assert ledger.name == "Restored"
    # The template's next date is long past; the restore makes no occurrence of it.
    assert Transaction.objects.filter(ledger=ledger).count() == 3
    template = RecurringTransaction.objects.get(ledger=ledger)
    assert (template.last_date, template.next_date) == (date(2025, 3, 5), date(2025, 4, 5))
    occurrence = Transaction.objects.get(ledger=ledger, recurring__isnull=False)
    assert (occurrence.recurring_id, occurrence.recurring_date) == (template.pk, date(2025, 3, 5))
    budgets = Budget.objects.filter(ledger=ledger).order_by("start_month")
    assert [(b.start_month, b.end_month) for b in budgets] == [
        (date(2025, 1, 1), date(2025, 6, 1)),
        (date(2025, 7, 1), None),
    ]
    assert budgets[1].alert_percent == 80
    assert list(
        BudgetAlert.objects.filter(budget__ledger=ledger).values_list("month", "threshold")
    ) == [(date(2025, 3, 1), "warning")]
    assert Goal.objects.get(ledger=ledger).bucket.name == "Savings"


def test_a_version_1_document_without_planning_still_restores(owner_api):
    doc = copy.deepcopy(DOCUMENT)
    doc["version"] = 1
    for section in PLANNING:
        del doc[section]
    for tx in doc["transactions"]:
        tx.pop("recurring", None)
        tx.pop("recurring_date", None)
    response = owner_api.post("/ledgers/import-json", doc)
    assert response.status_code == 201, response.content
    ledger = Ledger.objects.get(pk=response.json()["id"])
    assert Transaction.objects.filter(ledger=ledger).count() == 3
    assert not Transaction.objects.filter(ledger=ledger, recurring_date__isnull=False).exists()
    assert _planning_counts() == (0, 0, 0, 0)
    exported = owner_api.get(f"/ledgers/{ledger.pk}/export.json").json()
    assert exported["version"] == 3
    assert [exported[section] for section in PLANNING] == [[], [], []]


def test_a_template_without_next_date_gets_it_from_its_schedule(owner_api):
    def change(doc):
        del doc["recurring"][0]["next_date"]
        doc["recurring"][0]["end_date"] = "2025-05-04"

    response = owner_api.post("/ledgers/import-json", _document(change))
    assert response.status_code == 201, response.content
    template = RecurringTransaction.objects.get(ledger_id=response.json()["id"])
    assert template.next_date == date(2025, 4, 5)
    # null is kept as given: a finished schedule (after 5 April, none until 4 May).
    response = owner_api.post(
        "/ledgers/import-json",
        _document(
            lambda doc: doc["recurring"][0].update(
                end_date="2025-05-04", last_date="2025-04-05", next_date=None
            )
        ),
    )
    assert response.status_code == 201, response.content
    template = RecurringTransaction.objects.get(ledger_id=response.json()["id"])
    assert template.next_date is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (_set("format", "something-else"), "format"),
        (_set("version", 4), "version"),
        (_set("transactions.0.amount", "1.234"), "transactions.0.amount"),
        (_set("transactions.1.amount", "abc"), "transactions.1.amount"),
        (_set("transactions.0.wallet", "nowhere"), "transactions.0.wallet"),
        (_set("transactions.1.to_wallet", BANK), "transactions.1.to_wallet"),
        (_set("transactions.1.wallet", BANK), "transactions.1.wallet"),
        (_set("transactions.0.category", GROCERIES), "transactions.0.category"),
        (
            _set("transactions.0.allocations.0.bucket", UNALLOCATED),
            "transactions.0.allocations.0.bucket",
        ),
        (_set("transactions.0.allocations.0.amount", "100.01"), "transactions.0.allocations"),
        (_set("transactions.1.allocation_status", "pending"), "transactions.1.allocation_status"),
        (_set("transactions.1.date", "2025-02-30"), "transactions.1.date"),
        (_set("wallets.1.name", "BANK"), "wallets.1.name"),
        (_set("wallets.1.id", BANK), "wallets.1.id"),
        (_set("wallets.0.kind", "crypto"), "wallets.0.kind"),
        (_set("buckets.1.allocation_percent", "100.01"), "buckets.1.allocation_percent"),
        (_set("buckets.1.is_system", True), "buckets"),
        (_set("ledger.currency", "XXY"), "ledger.currency"),
        (lambda doc: doc.pop("ledger"), "ledger"),
        # Recurring templates: the transaction rules, dated start_date…
        (_set("recurring.0.amount", "0.00"), "recurring.0.amount"),
        (_set("recurring.0.amount", "1.005"), "recurring.0.amount"),
        (_set("recurring.0.category", SALARY), "recurring.0.category"),
        (_set("recurring.0.wallet", "nowhere"), "recurring.0.wallet"),
        (_set("recurring.0.from_wallet", CASH), "recurring.0.from_wallet"),
        (_set("recurring.0.kind", "gift"), "recurring.0.kind"),
        # …and the schedule's.
        (_set("recurring.0.frequency", "hourly"), "recurring.0.frequency"),
        (_set("recurring.0.interval", 0), "recurring.0.interval"),
        (_set("recurring.0.start_date", "2025-02-29"), "recurring.0.start_date"),
        (_set("recurring.0.end_date", "2025-03-04"), "recurring.0.end_date"),
        (_set("recurring.0.next_date", "2025-04-06"), "recurring.0.next_date"),
        (_set("recurring.0.next_date", None), "recurring.0.next_date"),
        (_set("recurring.0.last_date", "2025-03-04"), "transactions.2.recurring_date"),
        (_append("recurring", 0), "recurring.1.id"),
        (lambda doc: doc["recurring"].append({"id": "r2"}), "recurring.1.kind"),
        # Occurrences.
        (_set("transactions.2.recurring", "r9"), "transactions.2.recurring"),
        (_set("transactions.2.recurring_date", None), "transactions.2.recurring_date"),
        (_set("transactions.2.recurring_date", "2025-03-32"), "transactions.2.recurring_date"),
        (_append("transactions", 2, id="t4"), "transactions.3.recurring_date"),
        # Budgets: the planning service's rules.
        (_set("budgets.0.category", SALARY), "budgets.0.category"),
        (_set("budgets.0.category", "nowhere"), "budgets.0.category"),
        (_set("budgets.0.amount", "0.00"), "budgets.0.amount"),
        (_set("budgets.0.amount", "-5.00"), "budgets.0.amount"),
        (_set("budgets.0.alert_percent", 0), "budgets.0.alert_percent"),
        (_set("budgets.0.alert_percent", True), "budgets.0.alert_percent"),
        (_set("budgets.0.start_month", "2025-13"), "budgets.0.start_month"),
        (_set("budgets.0.start_month", "2025-03-01"), "budgets.0.start_month"),
        (_set("budgets.0.end_month", "2024-12"), "budgets.0.end_month"),
        (_set("budgets.1.start_month", "2025-06"), "budgets.1.start_month"),
        (_set("budgets.0.end_month", None), "budgets.1.start_month"),
        (_set("budgets.1.id", "u1"), "budgets.1.id"),
        (_set("budgets.0.alerts.0.threshold", "panic"), "budgets.0.alerts.0.threshold"),
        (_set("budgets.0.alerts.0.month", "March"), "budgets.0.alerts.0.month"),
        (
            lambda doc: doc["budgets"][0]["alerts"].append(dict(doc["budgets"][0]["alerts"][0])),
            "budgets.0.alerts.1",
        ),
        (lambda doc: doc["budgets"][0].pop("category"), "budgets.0.category"),
        # Goals.
        (_set("goals.0.bucket", "nowhere"), "goals.0.bucket"),
        (_set("goals.0.target_amount", "0.00"), "goals.0.target_amount"),
        (_set("goals.0.name", "   "), "goals.0.name"),
        (_set("goals.0.target_date", "soon"), "goals.0.target_date"),
        (_append("goals", 0), "goals.1.id"),
        (_set("recurring", {}), "recurring"),
    ],
)
def test_an_invalid_document_is_422_naming_the_field_and_creates_nothing(owner_api, change, field):
    ledgers, planning = Ledger.objects.count(), _planning_counts()
    transactions = Transaction.objects.count()
    response = owner_api.post("/ledgers/import-json", _document(change))
    assert_error(response, 422, "validation_error", field=field)
    assert Ledger.objects.count() == ledgers
    assert _planning_counts() == planning
    assert Transaction.objects.count() == transactions


def test_every_bad_transaction_is_named_at_once(owner_api):
    def change(doc):
        doc["transactions"][0]["wallet"] = "nowhere"
        doc["transactions"][1]["to_wallet"] = BANK

    body = assert_error(owner_api.post("/ledgers/import-json", _document(change)), 422)
    fields = {e["field"] for e in body["errors"]}
    assert {"transactions.0.wallet", "transactions.1.to_wallet"} <= fields


def test_every_bad_section_is_named_at_once(owner_api):
    """The document's errors and the planning services' (found once the ledger's
    categories and buckets exist, then rolled back) come in one answer."""

    def change(doc):
        doc["transactions"][0]["wallet"] = "nowhere"
        doc["recurring"][0]["interval"] = 2  # next_date no longer follows
        doc["budgets"][1]["start_month"] = "2025-05"  # overlaps budgets.0
        doc["goals"][0]["target_amount"] = "0.00"

    ledgers, planning = Ledger.objects.count(), _planning_counts()
    body = assert_error(owner_api.post("/ledgers/import-json", _document(change)), 422)
    assert [e["field"] for e in body["errors"]] == [
        "transactions.0.wallet",
        "recurring.0.next_date",
        "budgets.1.start_month",
        "goals.0.target_amount",
    ]
    assert Ledger.objects.count() == ledgers
    assert _planning_counts() == planning


def test_overlapping_budgets_name_the_later_one(owner_api):
    doc = _document(_set("budgets.1.start_month", "2025-05"))
    body = assert_error(owner_api.post("/ledgers/import-json", doc), 422)
    assert body["errors"] == [
        {
            "field": "budgets.1.start_month",
            "message": "This category already has a budget for some of these months (from "
            "2025-01, 2025-06); change that one or pick other months.",
        }
    ]


def test_too_many_transactions_is_422(owner_api, settings):
    settings.EXCHANGE_IMPORT_MAX_TRANSACTIONS = 1
    ledgers = Ledger.objects.count()
    response = owner_api.post("/ledgers/import-json", DOCUMENT)
    assert_error(response, 422, "validation_error", field="transactions")
    assert Ledger.objects.count() == ledgers


def test_a_body_over_the_limit_is_413(owner_api, settings):
    settings.EXCHANGE_IMPORT_MAX_BYTES = 1000
    ledgers = Ledger.objects.count()
    body = _document(_set("transactions.0.notes", "x" * 2000))
    response = owner_api.post("/ledgers/import-json", body)
    assert_error(response, 413, "payload_too_large")
    assert Ledger.objects.count() == ledgers


def test_a_body_bigger_than_djangos_default_limit_is_accepted(owner_api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = _document(_set("transactions.0.notes", "x" * 1500))
    assert len(json.dumps(body)) > 1000
    assert owner_api.post("/ledgers/import-json", body).status_code == 201


@pytest.mark.parametrize("body", ["not json", "[]", "null", '"text"'])
def test_a_body_that_is_not_a_document_is_refused(owner_api, body):
    response = owner_api.post("/ledgers/import-json", body)
    assert response.status_code in (400, 422), response.content
    assert Ledger.objects.filter(name="Restored").count() == 0


def test_import_needs_authentication(api):
    assert_error(api.post("/ledgers/import-json", DOCUMENT), 401, "not_authenticated")


def test_import_json_does_not_shadow_the_ledger_routes(owner_api, ledger):
    assert owner_api.get(f"/ledgers/{ledger.pk}").status_code == 200
    assert_error(owner_api.get("/ledgers/import-json"), 405)


# --- The restore refuses what the API refuses, in the API's words --------------------------


def _restore_message(owner_api, change, field: str) -> str:
    body = assert_error(owner_api.post("/ledgers/import-json", _document(change)), 422)
    return next(e["message"] for e in body["errors"] if e["field"] == field)


def test_percents_over_100_are_refused_by_the_restore_as_by_the_api(owner_api, ledger):
    path = f"/ledgers/{ledger.pk}/buckets"
    assert (
        owner_api.post(path, {"name": "Savings", "allocation_percent": "50.00"}).status_code == 201
    )
    api_body = assert_error(
        owner_api.post(path, {"name": "Fun", "allocation_percent": "60.00"}), 409
    )
    restored = _restore_message(
        owner_api, _append("buckets", 1, id="b2", name="Fun", allocation_percent="60.00"), "buckets"
    )
    assert restored == "Allocation percentages would add up to 110.00 %; the most is 100 %."
    assert api_body["detail"].startswith(restored)


def test_a_budget_on_an_income_category_is_refused_by_the_restore_as_by_the_api(owner_api, ledger):
    salary = ledger.categories.get(name="Salary")
    api_body = assert_error(
        owner_api.post(
            f"/ledgers/{ledger.pk}/budgets",
            {"category": str(salary.pk), "amount": "100.00", "start_month": "2025-01"},
        ),
        422,
    )
    restored = _restore_message(owner_api, _set("budgets.0.category", SALARY), "budgets.0.category")
    assert restored == "A budget needs an expense category; 'Salary' is income."
    assert [e["message"] for e in api_body["errors"]] == [restored]
