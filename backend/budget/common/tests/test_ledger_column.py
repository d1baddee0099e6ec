"""Every table of a ledger's data carries `ledger_id` itself (README "Distributing by
ledger"): a distributed PostgreSQL (Citus) co-locates a ledger's rows by that column, so a
row that reaches its ledger only through a parent could not be placed. Found rather than
listed: a new model that points (through any chain of foreign keys) at a ledger's rows and
forgets the column fails here."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from tests.helpers import assert_ledger_of_parent, ledger_ids_of

from budget.ledgers.models import Ledger
from budget.money import services as money
from budget.money.models import Allocation, TransactionSplit
from budget.planning import services as planning
from budget.planning.models import BudgetAlert
from budget.webhooks import services as webhooks
from budget.webhooks.models import Delivery, Webhook

# Models that are pointed at, not owned: following a foreign key to one does not make a
# row a ledger's. README "Distributing by ledger" lists them as reference tables.
REFERENCE_MODELS = {
    # Users belong to many ledgers; `default_ledger` is a preference, not ownership.
    "accounts.User": "shared by the ledgers its user is a member of",
    # A group spans its participants' ledgers; the transactions it mirrors into a ledger
    # point at it (`Transaction.group_expense`), and groups.Connection has the ledger.
    "groups.Expense": "a shared expense mirrored into several ledgers",
}
# Models that are a ledger's rows but do not carry the column yet, each with the reason.
NOT_A_LEDGERS: dict[str, str] = {}


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def _owners(model: type[models.Model]) -> list[type[models.Model]]:
    """The models `model` belongs to: those its foreign keys point at, other than the
    reference models and itself."""
    return [
        field.related_model
        for field in model._meta.concrete_fields
        if field.many_to_one
        and field.related_model is not model
        and _label(field.related_model) not in REFERENCE_MODELS
    ]


def _reaches_a_ledger(model: type[models.Model], seen: frozenset = frozenset()) -> bool:
    if model is Ledger:
        return True
    if model in seen:
        return False
    return any(_reaches_a_ledger(owner, seen | {model}) for owner in _owners(model))


def _ledger_field(model: type[models.Model]) -> models.Field | None:
    try:
        field = model._meta.get_field("ledger")
    except Exception:
        return None
    return field if field.many_to_one and field.related_model is Ledger else None


def ledgers_rows() -> list[type[models.Model]]:
    """Every model whose rows reach a ledger through foreign keys (Ledger itself aside)."""
    return [
        model
        for model in apps.get_models()
        if model is not Ledger
        and _label(model) not in REFERENCE_MODELS
        and _reaches_a_ledger(model)
    ]


def test_every_table_of_a_ledger_carries_ledger_id():
    missing = [
        _label(model)
        for model in ledgers_rows()
        if _ledger_field(model) is None and _label(model) not in NOT_A_LEDGERS
    ]
    assert missing == [], f"add a `ledger` foreign key to: {missing}"


def test_the_walk_finds_the_tables_that_reach_a_ledger_through_a_parent():
    found = {_label(model) for model in ledgers_rows()}
    # The four that had only a parent's ledger before, and some that always had their own.
    assert {
        "money.Allocation",
        "money.TransactionSplit",
        "planning.BudgetAlert",
        "webhooks.Delivery",
        "money.Transaction",
        "groups.Connection",
    } <= found
    # Shared-expense groups are not a ledger's (groups.Connection links one to a ledger).
    assert not {"groups.Group", "groups.Expense", "groups.Share"} & found


def test_the_exceptions_are_still_exceptions():
    """An exception that now has its column (or no longer reaches a ledger) is dropped from
    the list, so the list stays the truth."""
    by_label = {_label(model): model for model in apps.get_models()}
    for label in NOT_A_LEDGERS:
        model = by_label[label]
        assert _ledger_field(model) is None, f"{label} has its ledger now: drop the exception"
        assert _reaches_a_ledger(model), label


def test_the_ledger_column_of_every_ledgers_table_is_required_where_the_row_always_has_one():
    """Nullable only where a row may belong to no ledger at all (a user's own notice, an
    invitation to a group)."""
    nullable = {
        _label(model)
        for model in ledgers_rows()
        if (field := _ledger_field(model)) is not None and field.null
    }
    assert nullable == {"notifications.Notification", "ledgers.Invitation"}


# --- The migrations that added the column ---------------------------------------------------

BEFORE = [
    ("money", "0019_transaction_group_participant"),
    ("planning", "0009_currencies"),
    ("webhooks", "0001_initial"),
]


def _migrate(targets: list[tuple[str, str]]) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(transaction=True)
def test_the_migrations_fill_ledger_id_from_each_rows_parent(make_user):
    """Rows written before the column existed get their parent's ledger: the column is
    dropped (the migrations undone), the rows stay, and migrating again fills it in."""
    owners = [make_user(), make_user()]
    for owner in owners:
        ledger = owner.default_ledger
        bank = money.wallet_create(ledger=ledger, name="Bank", kind="virtual")
        money.bucket_create(ledger=ledger, name="Rent", allocation_percent=Decimal("40.00"))
        groceries = ledger.categories.get(name="Groceries")
        leisure = ledger.categories.get(name="Leisure")
        day = date(2025, 3, 1)
        income = money.transaction_create(
            ledger=ledger,
            data={
                "kind": "income",
                "date": day,
                "amount": Decimal("100.00"),
                "wallet": bank.pk,
                "category": ledger.categories.get(name="Salary").pk,
            },
        )
        money.incomes_allocate(ids=[income.pk])
        money.transaction_create(
            ledger=ledger,
            data={
                "kind": "expense",
                "date": day,
                "amount": Decimal("30.00"),
                "wallet": bank.pk,
                "splits": [
                    {"category": groceries.pk, "amount": Decimal("10.00")},
                    {"category": leisure.pk, "amount": Decimal("20.00")},
                ],
            },
        )
        budget = planning.budget_create(
            ledger=ledger, category=groceries.pk, amount=Decimal("5.00"), start_month=day
        )
        BudgetAlert.objects.create(ledger=ledger, budget=budget, month=day, threshold="warning")
        # Straight to the table: creating one through the service resolves its host.
        webhook = Webhook.objects.create(
            ledger=ledger, url="https://example.com/h", events=["*"], secret="s"
        )
        webhooks.event_record(ledger_id=ledger.pk, event="budget.alert", data={})
        assert Delivery.objects.filter(webhook=webhook).exists()
    expected = {
        (Allocation, "transaction"): ledger_ids_of(Allocation, "transaction"),
        (TransactionSplit, "transaction"): ledger_ids_of(TransactionSplit, "transaction"),
        (BudgetAlert, "budget"): ledger_ids_of(BudgetAlert, "budget"),
        (Delivery, "webhook"): ledger_ids_of(Delivery, "webhook"),
    }

    _migrate(BEFORE)
    _migrate(MigrationLoader(connection).graph.leaf_nodes())

    for (model, parent), pairs in expected.items():
        assert len({own for own, _ in pairs}) == 2, model  # both ledgers have rows
        assert assert_ledger_of_parent(model, parent) == pairs, model
