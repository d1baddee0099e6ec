"""Group expenses mirrored into the ledgers their participants connected (SPEC §15).

For each connection, an expense makes at most three transactions in the ledger, each
carrying `group_expense`: `share` (an expense of the participant's share from the loan
wallet), `paid` (a transfer of what they paid from the pay wallet to the loan wallet) and,
for a payment they received, `received` (a transfer from the loan wallet to the pay wallet).
So the loan wallet's balance moves by paid - owed: their group balance. They are written
through money's services, so rollups, activity log, budgets and webhooks follow, and they
can be changed only from here while the connection lasts: `mirrored_transactions_guard`
refuses any other write.

Connecting mirrors the group's existing expenses too, in bulk, in the same database
transaction; each expense is mirrored into a ledger's loan wallet at most once. What a
connection made keeps its `group_expense` when the connection ends (so a reconnection finds
it, adopts it and mirrors nothing twice), but is then an ordinary transaction its owner may
change."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.db.models import Q

from budget.common.errors import Conflict
from budget.groups.models import Connection, Expense, Payer, Share
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
    """Refuses a change to a transaction that a live connection keeps in step with its
    group expense (one query, only when some transaction mirrors a group expense)."""
    if _writing.get():
        return
    mirrors = [tx for tx in transactions if tx.group_expense_id]
    if not mirrors:
        return
    held = set(
        Connection.objects.filter(
            ledger_id__in={tx.ledger_id for tx in mirrors},
            participant__group__expenses__in={tx.group_expense_id for tx in mirrors},
        ).values_list("ledger_id", "loan_wallet_id", "participant__group__expenses")
    )
    for tx in mirrors:
        wallets = {tx.wallet_id, tx.from_wallet_id, tx.to_wallet_id} - {None}
        if any((tx.ledger_id, wallet, tx.group_expense_id) in held for wallet in wallets):
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


def _categories(connection: Connection) -> Callable[[Expense], Any]:
    """The category of an expense's share: the connection's, else the ledger's expense
    category named like the expense's `category_name`, else `Other expenses` (else any
    active expense category). The ledger's categories are read once, when first needed."""
    names: dict[str, Any] = {}

    def category(expense: Expense) -> Any:
        if connection.category_id:
            return connection.category_id
        if not names:
            active = Category.objects.filter(
                ledger_id=connection.ledger_id, type="expense", archived=False
            ).order_by("-name")
            names.update({c.name.lower(): c.pk for c in active.only("pk", "name")})
            names[""] = next(reversed(names.values()), None)  # the first by name
        for name in (expense.category_name, OTHER_EXPENSES):
            if name and name.lower() in names:
                return names[name.lower()]
        return names[""]

    return category


def _wanted(
    connection: Connection,
    expense: Expense,
    paid: Decimal,
    owed: Decimal,
    category: Callable[[Expense], Any],
) -> dict:
    """The transactions `expense` makes in the connected ledger, by role, for the
    participant who paid `paid` and owes `owed` of it (in the group's currency)."""
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
            "category": category(expense),
        }
    return wanted


def expense_mirror(*, expense: Expense, payers: list, shares: list, deleted: bool = False) -> None:
    """Brings every connected ledger's transactions of `expense` in line with it (none when
    `deleted`), creating, changing or deleting them through money's services. `payers` and
    `shares` are in the group's currency."""
    connections = Connection.objects.filter(participant__group_id=expense.group_id)
    for connection in connections.order_by("ledger_id", "pk"):
        me = connection.participant_id
        have = {
            _role(tx, connection): tx
            for tx in Transaction.objects.filter(_made_by(connection), group_expense=expense)
        }
        paid = sum((amount for who, amount in payers if who == me), Decimal(0))
        owed = sum((due for who, _, due in shares if who == me), Decimal(0))
        want = {} if deleted else _wanted(connection, expense, paid, owed, _categories(connection))
        with _mirror_writes():
            for role, tx in have.items():
                if role not in want:
                    money.transaction_delete(tx=tx)
                else:
                    changes = {k: v for k, v in want.pop(role).items() if k != "group_expense"}
                    money.transaction_update(tx=tx, changes=changes)
            if want:
                money.transactions_create(ledger=connection.ledger, items=list(want.values()))


def connection_mirror(*, connection: Connection) -> int:
    """Mirrors the group's existing expenses that involve the connected participant and are
    not in the connection's ledger and loan wallet yet (a reconnection adopts what an
    earlier connection made there): all of them in one `transactions_create`, a fixed
    number of queries whatever the number of expenses. Returns how many it created."""
    group_id = connection.participant.group_id
    me = connection.participant_id
    mirrored = set(
        Transaction.objects.filter(
            _made_by(connection), group_expense__group_id=group_id
        ).values_list("group_expense_id", flat=True)
    )
    paid: dict[Any, Decimal] = {}
    owed: dict[Any, Decimal] = {}
    for expense_id, amount in Payer.objects.filter(
        expense__group_id=group_id, participant_id=me
    ).values_list("expense_id", "paid"):
        paid[expense_id] = paid.get(expense_id, Decimal(0)) + amount
    for expense_id, due in Share.objects.filter(
        expense__group_id=group_id, participant_id=me
    ).values_list("expense_id", "owed"):
        owed[expense_id] = owed.get(expense_id, Decimal(0)) + due
    wanted = (set(paid) | set(owed)) - mirrored
    if not wanted:
        return 0
    expenses = Expense.objects.filter(pk__in=wanted).only(
        "pk", "date", "title", "category_name", "is_payment", "created_at"
    )
    category = _categories(connection)
    items = [
        item
        for expense in expenses.order_by("date", "created_at", "pk")
        for item in _wanted(
            connection,
            expense,
            paid.get(expense.pk, Decimal(0)),
            owed.get(expense.pk, Decimal(0)),
            category,
        ).values()
    ]
    if not items:
        return 0
    with _mirror_writes():
        return len(money.transactions_create(ledger=connection.ledger, items=items))
