"""Group expenses mirrored into the ledgers their participants connected (SPEC §15).

For each connection, an expense makes at most three transactions in the ledger, each
carrying `group_expense`: `share` (an expense of the participant's share from the loan
wallet), `paid` (a transfer of what they paid from the pay wallet to the loan wallet) and,
for a payment they received, `received` (a transfer from the loan wallet to the pay wallet).
So the loan wallet's balance moves by paid - owed: their group balance. They are written
through money's services, so rollups, activity log, budgets and webhooks follow, and they
can be changed only from here: `mirrored_transactions_guard` refuses any other write."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.db.models import Q

from budget.common.errors import Conflict
from budget.groups.models import Connection, Expense
from budget.money import services as money
from budget.money.models import Category, Kind, Transaction

_writing = ContextVar("groups_mirror_writing", default=False)

OTHER_EXPENSES = "Other expenses"


@contextmanager
def _mirror_writes() -> Iterator[None]:
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


def mirrored_transactions_guard(*, transactions: list[Transaction], **_: Any) -> None:
    if _writing.get():
        return
    if any(tx.group_expense_id for tx in transactions):
        raise Conflict(
            "This transaction mirrors a group expense: change the expense in the group, "
            "or disconnect the group from this ledger.",
            code="mirrored_transaction",
        )


def _made_by(connection: Connection) -> Q:
    loan = connection.loan_wallet_id
    return Q(ledger_id=connection.ledger_id) & (
        Q(wallet_id=loan) | Q(from_wallet_id=loan) | Q(to_wallet_id=loan)
    )


def _role(tx: Transaction, connection: Connection) -> str:
    if tx.kind == Kind.EXPENSE:
        return "share"
    return "paid" if tx.to_wallet_id == connection.loan_wallet_id else "received"


def _category(connection: Connection, expense: Expense) -> Any:
    """The connection's category, else the ledger's expense category named like the
    expense's `category_name`, else `Other expenses` (else any active expense category)."""
    if connection.category_id:
        return connection.category_id
    active = Category.objects.filter(ledger_id=connection.ledger_id, type="expense", archived=False)
    for name in (expense.category_name, OTHER_EXPENSES):
        if name:
            found = active.filter(name__iexact=name).values_list("pk", flat=True).first()
            if found:
                return found
    return active.order_by("name").values_list("pk", flat=True).first()


def _wanted(connection: Connection, expense: Expense, payers: list, shares: list) -> dict:
    me = connection.participant_id
    paid = sum((amount for who, amount in payers if who == me), Decimal(0))
    owed = sum((due for who, _, due in shares if who == me), Decimal(0))
    common = {
        "date": expense.date,
        "description": expense.title[:255],
        "group_expense": expense.pk,
    }
    wanted = {}
    if paid > 0:
        wanted["paid"] = {
            **common,
            "kind": Kind.TRANSFER,
            "amount": paid,
            "from_wallet": connection.pay_wallet_id,
            "to_wallet": connection.loan_wallet_id,
        }
    if owed > 0 and expense.is_payment:
        wanted["received"] = {
            **common,
            "kind": Kind.TRANSFER,
            "amount": owed,
            "from_wallet": connection.loan_wallet_id,
            "to_wallet": connection.pay_wallet_id,
        }
    elif owed > 0:
        wanted["share"] = {
            **common,
            "kind": Kind.EXPENSE,
            "amount": owed,
            "wallet": connection.loan_wallet_id,
            "category": _category(connection, expense),
        }
    return wanted


def expense_mirror(*, expense: Expense, payers: list, shares: list, deleted: bool = False) -> None:
    """Brings every connected ledger's transactions of `expense` in line with it (none when
    `deleted`), creating, changing or deleting them through money's services."""
    connections = Connection.objects.filter(participant__group_id=expense.group_id)
    for connection in connections.order_by("ledger_id", "pk"):
        have = {
            _role(tx, connection): tx
            for tx in Transaction.objects.filter(_made_by(connection), group_expense=expense)
        }
        if not have and expense.created_at < connection.created_at:
            continue  # written before the connection: never mirrored, not even when edited
        want = {} if deleted else _wanted(connection, expense, payers, shares)
        with _mirror_writes():
            for role, tx in have.items():
                if role not in want:
                    money.transaction_delete(tx=tx)
                else:
                    changes = {k: v for k, v in want.pop(role).items() if k != "group_expense"}
                    money.transaction_update(tx=tx, changes=changes)
            if want:
                money.transactions_create(ledger=connection.ledger, items=list(want.values()))


def connection_release(*, connection: Connection) -> None:
    """What the connection made stays as ordinary transactions: no longer tied to the
    group, so its owner may change them."""
    Transaction.objects.filter(
        _made_by(connection),
        group_expense__group_id=connection.participant.group_id,
    ).update(group_expense=None)
