"""Group expenses mirrored into the ledgers their participants connected (SPEC §15).

For each connection, an expense makes at most three transactions in the ledger, each
carrying `group_expense` and `group_participant`: `share` (an expense of the participant's
share from the loan wallet), `paid` (a transfer of what they paid from the pay wallet to the
loan wallet) and, for a payment they received, `received` (a transfer from the loan wallet
to the pay wallet). So the loan wallet's balance moves by paid - owed: their group balance.
They are written through money's services, so rollups, activity log, budgets and webhooks
follow, and they can be changed only from here while the connection lasts:
`mirrored_transactions_guard` refuses any other write.

The loan wallet is in the group's currency; the ledger's base and the pay wallet may be in
any. A pay wallet in another currency makes transfers across currencies: the group amount on
the loan wallet's side, on the other that amount at the rate of the expense's date
(`conversion.rates_across`, the ledger's §14 lookup), rounded once (`conversion.convert`).

Connecting mirrors the group's existing expenses too, in bulk, in the same database
transaction. What a connection made keeps `group_expense` and `group_participant` when the
connection ends, and is then an ordinary transaction its owner may change; connecting again
to the same ledger adopts it (whatever wallets were used) and brings it up to date, so
nothing is mirrored twice."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

from django.db.models import Q

from budget.common.errors import Conflict
from budget.groups.models import Connection, Expense, Payer, Share
from budget.money import conversion
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
    """What the participant's connections made in the connection's ledger, whichever wallets
    they used; from before mirrors named their participant, what touches the loan wallet."""
    loan = connection.loan_wallet_id
    unnamed = Q(group_participant__isnull=True) & (
        Q(wallet_id=loan) | Q(from_wallet_id=loan) | Q(to_wallet_id=loan)
    )
    return Q(ledger_id=connection.ledger_id) & (
        Q(group_participant_id=connection.participant_id) | unnamed
    )


def _role(tx: Transaction, connection: Connection, want: dict) -> str | None:
    """Which of `want`'s roles an existing transaction of the expense plays (None: none, it
    goes). A transfer between an earlier connection's wallets takes the transfer role
    wanted now: it is moved and rewritten whole."""
    if tx.kind == Kind.EXPENSE:
        return "share"
    if tx.kind != Kind.TRANSFER:
        return None
    if tx.to_wallet_id == connection.loan_wallet_id:
        return "paid"
    if tx.from_wallet_id == connection.loan_wallet_id:
        return "received"
    return "received" if "received" in want else "paid"


def _matched(txs: list[Transaction], connection: Connection, want: dict) -> tuple[dict, list]:
    """The transactions by role, and those left over (a second copy of a role: they go)."""
    have: dict[str, Transaction] = {}
    extra = []
    for tx in txs:
        role = _role(tx, connection, want)
        if role is None or role in have:
            extra.append(tx)
        else:
            have[role] = tx
    return have, extra


def _pay_currency(connection: Connection) -> str:
    return connection.pay_wallet.currency or connection.ledger.currency


def _needs_transfer(expense: Expense, paid: Decimal, owed: Decimal) -> bool:
    return paid > 0 or (expense.is_payment and owed > 0)


def _pay_rates(connection: Connection, currency: str, days) -> dict | None:
    """How many pay-wallet units one group unit is worth on each of `days` (SPEC §15: the
    §14 rate of the date), or None when the pay wallet is in the group's currency `currency`.
    A day without a rate is a 422 with §14's message, and nothing is written."""
    pay = _pay_currency(connection)
    if pay == currency or not days:
        return None
    ledger = connection.ledger
    rates, missing = conversion.rates_across(
        ledger_id=ledger.pk, base=ledger.currency, source=currency, target=pay, days=days
    )
    if missing:
        raise money.invalid_transaction(
            [{"field": "base_amount", "message": missing[min(missing)]}]
        )
    return rates


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
    rates: dict | None,
) -> dict:
    """The transactions `expense` makes in the connected ledger, by role, for the
    participant who paid `paid` and owes `owed` of it (in the group's currency). With a pay
    wallet in another currency (`rates`, by date), a transfer keeps the group amount on the
    loan wallet's side and the amount at the day's rate, rounded once, on the other."""
    common = {
        "date": expense.date,
        "description": expense.title[:255],
        "group_expense": expense.pk,
        "group_participant": connection.participant_id,
    }
    rate = None if rates is None else rates.get(expense.date)

    def at_rate(amount: Decimal) -> Decimal:
        return conversion.convert(amount, rate, _pay_currency(connection))

    wanted = {}
    if paid > 0:
        wanted["paid"] = {
            **common,
            "kind": Kind.TRANSFER,
            "amount": paid if rate is None else at_rate(paid),
            "to_amount": None if rate is None else paid,
            "from_wallet": connection.pay_wallet_id,
            "to_wallet": connection.loan_wallet_id,
        }
    if owed > 0 and expense.is_payment:
        wanted["received"] = {
            **common,
            "kind": Kind.TRANSFER,
            "amount": owed,
            "to_amount": None if rate is None else at_rate(owed),
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


_REFERENCES = {"wallet", "from_wallet", "to_wallet", "category", "group_participant"}


def _changes(tx: Transaction, item: dict) -> dict:
    """What of `item` differs from what `tx` holds (empty: it is up to date)."""
    return {
        name: value
        for name, value in item.items()
        if name != "group_expense"
        and getattr(tx, f"{name}_id" if name in _REFERENCES else name) != value
    }


def _connections(group_id) -> Any:
    return Connection.objects.filter(participant__group_id=group_id).select_related(
        "ledger", "pay_wallet", "participant__group"
    )


def expense_mirror(*, expense: Expense, payers: list, shares: list, deleted: bool = False) -> None:
    """Brings every connected ledger's transactions of `expense` in line with it (none when
    `deleted`), creating, changing or deleting them through money's services. `payers` and
    `shares` are in the group's currency."""
    for connection in _connections(expense.group_id).order_by("ledger_id", "pk"):
        me = connection.participant_id
        txs = Transaction.objects.filter(_made_by(connection), group_expense=expense)
        paid = sum((amount for who, amount in payers if who == me), Decimal(0))
        owed = sum((due for who, _, due in shares if who == me), Decimal(0))
        want = {}
        if not deleted:
            days = [expense.date] if _needs_transfer(expense, paid, owed) else []
            rates = _pay_rates(connection, connection.participant.group.currency, days)
            want = _wanted(connection, expense, paid, owed, _categories(connection), rates)
        have, extra = _matched(list(txs.order_by("created_at", "pk")), connection, want)
        with _mirror_writes():
            for tx in extra:
                money.transaction_delete(tx=tx)
            for role, tx in have.items():
                if role not in want:
                    money.transaction_delete(tx=tx)
                elif changes := _changes(tx, want.pop(role)):
                    money.transaction_update(tx=tx, changes=changes)
            if want:
                money.transactions_create(ledger=connection.ledger, items=list(want.values()))


def connection_mirror(*, connection: Connection) -> int:
    """Brings the connection's ledger in line with the group as it is now, in a fixed number
    of queries whatever the number of expenses: what the participant's earlier connections
    made in this ledger is adopted — moved to this connection's wallets and category and
    brought up to date with its expense (amounts, date, title), or deleted when its expense
    was deleted or no longer involves them — and the expenses not mirrored yet are created,
    all of them in one `transactions_create`. Returns how many it created."""
    group = connection.participant.group
    me = connection.participant_id
    made = Transaction.objects.filter(_made_by(connection)).filter(
        Q(group_expense__group_id=group.pk) | Q(group_expense__isnull=True, group_participant_id=me)
    )
    made_of: dict[Any, list[Transaction]] = {}
    for tx in made.order_by("created_at", "pk"):
        made_of.setdefault(tx.group_expense_id, []).append(tx)
    paid: dict[Any, Decimal] = {}
    owed: dict[Any, Decimal] = {}
    for expense_id, amount in Payer.objects.filter(
        expense__group_id=group.pk, participant_id=me
    ).values_list("expense_id", "paid"):
        paid[expense_id] = paid.get(expense_id, Decimal(0)) + amount
    for expense_id, due in Share.objects.filter(
        expense__group_id=group.pk, participant_id=me
    ).values_list("expense_id", "owed"):
        owed[expense_id] = owed.get(expense_id, Decimal(0)) + due
    involved = set(paid) | set(owed)
    expenses = []
    if involved:
        expenses = list(
            Expense.objects.filter(pk__in=involved)
            .only("pk", "date", "title", "category_name", "is_payment", "created_at")
            .order_by("date", "created_at", "pk")
        )
    zero = Decimal(0)
    days = [
        e.date for e in expenses if _needs_transfer(e, paid.get(e.pk, zero), owed.get(e.pk, zero))
    ]
    rates = _pay_rates(connection, group.currency, days)
    category = _categories(connection)
    created: list[dict] = []
    changed: dict[Any, dict] = {}
    gone: list[Any] = []
    for expense in expenses:
        mine = paid.get(expense.pk, zero), owed.get(expense.pk, zero)
        want = _wanted(connection, expense, *mine, category, rates)
        have, extra = _matched(made_of.pop(expense.pk, []), connection, want)
        gone += [tx.pk for tx in extra]
        for role, tx in have.items():
            if role not in want:
                gone.append(tx.pk)
            elif changes := _changes(tx, want.pop(role)):
                changed[tx.pk] = changes
        created += want.values()
    # What is left was made for an expense since deleted, or one they are no longer part of.
    gone += [tx.pk for txs in made_of.values() for tx in txs]
    ledger = connection.ledger
    with _mirror_writes():
        if gone:
            money.transactions_delete(ledger=ledger, filters=Q(pk__in=gone))
        if changed:
            money.transactions_update_rows(ledger=ledger, changes=changed)
        if created:
            return len(money.transactions_create(ledger=ledger, items=created))
    return 0
