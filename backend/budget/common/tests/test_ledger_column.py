"""Every table of a ledger's data carries `ledger_id` itself (README "Distributing by
ledger"): a distributed PostgreSQL (Citus) co-locates a ledger's rows by that column, so a
row that reaches its ledger only through a parent could not be placed. Found rather than
listed: a new model that points (through any chain of foreign keys) at a ledger's rows and
forgets the column fails here."""

from django.apps import apps
from django.db import models

from budget.ledgers.models import Ledger

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
NOT_A_LEDGERS = {
    "exchange.ImportRow": "its column comes with the import rows' own change (issue 21)",
}


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
