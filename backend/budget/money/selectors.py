"""Every read about wallets, buckets, categories and transactions. Balances come from
the rollup: a handful of rows per wallet or bucket, whatever the history's length."""

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace
from uuid import UUID

from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Abs, Coalesce
from django.db.models.lookups import GreaterThanOrEqual, LessThanOrEqual

from budget.common.money import MAX_AMOUNT, ZERO, MoneyField, money_from_units
from budget.common.raw import uuid_in, uuid_param
from budget.ledgers.cache import version_cached
from budget.ledgers.models import Ledger
from budget.money.models import (
    REFERENCE_FIELDS,
    Allocation,
    AllocationStatus,
    Bucket,
    Category,
    Kind,
    Payee,
    Rollup,
    Transaction,
    TransactionSplit,
    Wallet,
)


def _balance(column: str, **scope: UUID) -> Coalesce:
    """The sum of the rollup rows of each wallet or bucket (`column`), within `scope`: a
    wallet's in its own currency, a bucket's in the base currency (SPEC §14)."""
    value = "amount" if column == "wallet_id" else "base_amount"
    sums = (
        Rollup.objects.filter(ledger_id=OuterRef("ledger_id"), **{column: OuterRef("pk")}, **scope)
        .values(column)
        .annotate(total=Sum(value))
        .values("total")
    )
    return Coalesce(
        Subquery(sums, output_field=MoneyField()), Value(ZERO), output_field=MoneyField()
    )


def _archived(queryset: QuerySet, archived: bool | None) -> QuerySet:
    return queryset if archived is None else queryset.filter(archived=archived)


def wallets_of(
    *,
    ledger: Ledger,
    archived: bool | None = None,
    bucket: Bucket | None = None,
    balance: bool = True,
) -> QuerySet[Wallet]:
    """Wallets with `balance` (unless `balance=False`); with `bucket`, only the money of
    that bucket in each."""
    wallets = Wallet.objects.filter(ledger=ledger)
    if balance:
        scope = {"bucket_id": bucket.pk} if bucket else {}
        wallets = wallets.annotate(balance=_balance("wallet_id", **scope))
    return _archived(wallets, archived).order_by("archived", "name", "id")


def buckets_of(
    *,
    ledger: Ledger,
    archived: bool | None = None,
    wallet: Wallet | None = None,
    balance: bool = True,
) -> QuerySet[Bucket]:
    """Buckets with `balance` (unless `balance=False`); with `wallet`, only the money of
    each held in that wallet."""
    buckets = Bucket.objects.filter(ledger=ledger)
    if balance:
        scope = {"wallet_id": wallet.pk} if wallet else {}
        buckets = buckets.annotate(balance=_balance("bucket_id", **scope))
    return _archived(buckets, archived).order_by("-is_system", "archived", "created_at", "id")


def rollup_by_wallet_and_bucket(*, ledger: Ledger) -> list[tuple[UUID, UUID, int, int, int]]:
    """The ledger's rollup summed per (wallet, bucket), in stored units (thousandths): the
    amount (in the wallet's currency), the base amount, and the base amount of the rows
    with movements (`count > 0`, as the reports read the rollup). One pass over the
    rollup gives every wallet's and every bucket's balance: a few rows per wallet and
    bucket pair, whatever the history's length."""
    units = BigIntegerField()
    return list(
        Rollup.objects.filter(ledger=ledger)
        .values("wallet_id", "bucket_id")
        .annotate(
            amount=Sum("amount", output_field=units),
            base=Sum("base_amount", output_field=units),
            booked=Sum("base_amount", filter=Q(count__gt=0), output_field=units),
        )
        .order_by()
        .values_list("wallet_id", "bucket_id", "amount", "base", "booked")
    )


def categories_of(*, ledger: Ledger, archived: bool | None = None) -> QuerySet[Category]:
    return _archived(Category.objects.filter(ledger=ledger), archived).order_by(
        "type", "name", "id"
    )


def payees_of(*, ledger: Ledger, q: str | None = None) -> QuerySet[Payee]:
    """Payees with `transaction_count`, counted in SQL, by name.

    Counted by the payee alone: a transaction names only a payee of its own ledger (the
    rules of every write path), and `(payee, date)` then answers from the index alone (with
    the ledger's condition too, each of the payee's rows was read for its ledger)."""
    used = (
        Transaction.objects.filter(payee_id=OuterRef("pk"))
        .values("payee_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    payees = Payee.objects.filter(ledger=ledger).annotate(
        transaction_count=Coalesce(Subquery(used), Value(0))
    )
    if q:
        payees = payees.filter(name__icontains=q)
    return payees.order_by("name_key", "id")


def _sum(queryset: QuerySet, value: str = "amount") -> Decimal:
    return queryset.aggregate(total=Sum(value))["total"] or ZERO


def wallet_balance(*, wallet: Wallet) -> Decimal:
    return _sum(Rollup.objects.filter(ledger_id=wallet.ledger_id, wallet_id=wallet.pk))


def bucket_balance(*, bucket: Bucket) -> Decimal:
    return _sum(
        Rollup.objects.filter(ledger_id=bucket.ledger_id, bucket_id=bucket.pk), "base_amount"
    )


def pending_allocation(*, ledger: Ledger) -> Decimal:
    return _sum(
        Transaction.objects.filter(ledger=ledger, allocation_status=AllocationStatus.PENDING)
    )


# --- Transactions -------------------------------------------------------------------------

ORDERINGS = {
    "-date": ("-date", "-created_at", "-id"),
    "date": ("date", "created_at", "id"),
    "-amount": ("-amount", "-date", "-created_at", "-id"),
    "amount": ("amount", "date", "created_at", "id"),
}


# --- Keyset pages: `?cursor=` continues after the last row of the page before ---------------


def keyset_keys(tx: Transaction, *, ordering: str) -> list[str]:
    """The sort keys of `tx` under `ordering`, as text (what a cursor carries)."""
    return [str(getattr(tx, name.lstrip("-"))) for name in ORDERINGS[ordering]]


_KEY_TYPES = {
    "date": dt.date.fromisoformat,
    "created_at": dt.datetime.fromisoformat,
    "id": UUID,
    "amount": Decimal,
}


def keyset_after(*, ordering: str, keys: list[str]) -> Q:
    """The rows after the row whose sort keys are `keys` in `ordering`: for `-date`,
    (date, created_at, id) < (d, c, i), written out as ORs for any database, plus the bound
    on the first key alone (date <= d), which the index on (ledger, date, created_at) reads
    as a range: a page 20 000 deep starts where it starts, nothing before it is read.
    ValueError when a key is not of its field's type."""
    names = [name.lstrip("-") for name in ORDERINGS[ordering]]
    values = [_KEY_TYPES[name](key) for name, key in zip(names, keys, strict=True)]
    for name, value in zip(names, values, strict=True):
        if name == "created_at" and value.tzinfo is None:
            raise ValueError("created_at without its UTC offset")
        if name == "amount" and not (value.is_finite() and abs(value) <= MAX_AMOUNT):
            raise ValueError("amount is not an amount")
    past = "lt" if ORDERINGS[ordering][0].startswith("-") else "gt"
    after = Q()
    for n, (name, value) in enumerate(zip(names, values, strict=True)):
        same = dict(zip(names[:n], values[:n], strict=True))
        after |= Q(**same, **{f"{name}__{past}": value})
    return Q(**{f"{names[0]}__{past}e": values[0]}) & after


def tag_filter(tag: str) -> Q:
    """Transactions tagged `tag`: JSON containment on PostgreSQL, json_each on SQLite."""
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    return Q(
        RawSQL(
            'EXISTS (SELECT 1 FROM json_each("money_transaction"."tags") WHERE value = %s)',
            (tag,),
            output_field=BooleanField(),
        )
    )


def wallet_filter(wallet_id: UUID) -> Q:
    return Q(wallet_id=wallet_id) | Q(from_wallet_id=wallet_id) | Q(to_wallet_id=wallet_id)


def bucket_filter(bucket_id: UUID) -> Q:
    """Transactions that move money in or out of the bucket, incl. incomes split into it
    (and, when it is Unallocated, incomes still waiting to be split)."""
    is_system = Bucket.objects.filter(pk=bucket_id, is_system=True)
    return (
        Q(bucket_id=bucket_id)
        | Q(from_bucket_id=bucket_id)
        | Q(to_bucket_id=bucket_id)
        | Q(Exists(Allocation.objects.filter(transaction=OuterRef("pk"), bucket_id=bucket_id)))
        | Q(Exists(is_system), allocation_status=AllocationStatus.PENDING)
    )


def category_filter(category_id: UUID, *, counting: bool = False) -> Q:
    """Transactions in the category, or with a split line in it (SPEC §13).

    Two forms of one rule. Reading a page walks the date order and asks of each row whether
    it is in the category; only a row without a category of its own can have split lines
    (SPEC §13), so only those are probed for a line in it (one index probe each, about one
    row in eight). Counting every match instead takes the category's rows and the
    transactions of its lines through their indexes (a BitmapOr of `category_id = …` and
    `id = ANY(ARRAY(lines))`): 0.2 s instead of a read of the whole ledger at 1 000 000 rows;
    but testing a row against that array while walking costs a search of tens of thousands
    of ids per row. The same form finds a page when the matches are few
    (`transactions_few_first`)."""
    if counting:
        lines = TransactionSplit.objects.filter(category_id=category_id).values("transaction_id")
        return Q(category_id=category_id) | _any_of("id", lines)
    lines = TransactionSplit.objects.filter(transaction=OuterRef("pk"), category_id=category_id)
    return Q(category_id=category_id) | Q(category_id__isnull=True) & Q(_Probe(lines))


class _Probe(Exists):
    """EXISTS asked row by row. `OFFSET 0` (after Django's `LIMIT 1`) keeps PostgreSQL from
    turning it into a hashed `IN`: it reckons the walk tests hundreds of thousands of rows
    (it cannot see the LIMIT from there) and so hashed every line of the category first,
    about 25 000 at 1 000 000 rows, 5 to 12 ms per page, where a page's walk probes about
    60 rows. SQLite reads it as written."""

    template = "EXISTS(%(subquery)s OFFSET 0)"


def text_filter(text: str) -> Q:
    """`q`: the text in the description, the notes or the payee's name, case-insensitively.

    On PostgreSQL the description and notes each have a trigram index (pg_trgm, migration
    0014) and the payees are looked up first as an array, so a rare word is found through
    the indexes (a BitmapOr) instead of by reading the ledger's rows until a page is full.
    The notes' index holds only rows with notes (migration 0026): their arm says so too, as
    the planner cannot tell that a LIKE '%text%' excludes ''."""
    payees = Payee.objects.filter(name__icontains=text).values("pk")
    notes = Q(notes__icontains=text) & ~Q(notes="")
    return Q(description__icontains=text) | notes | _any_of("payee_id", payees)


def _any_of(column: str, subquery: QuerySet) -> Q:
    """`column IN (subquery)`; on PostgreSQL written `= ANY(ARRAY(subquery))`, which an index
    on the column can serve inside an OR (a BitmapOr), where `IN (subquery)` can only be
    checked row by row (a hashed SubPlan) while reading the ledger's rows."""
    if connection.vendor != "postgresql":
        return Q(**{f"{column}__in": subquery})
    sql, params = subquery.query.sql_with_params()
    array = f'"{Transaction._meta.db_table}"."{column}" = ANY(ARRAY({sql}))'
    return Q(RawSQL(array, params, output_field=BooleanField()))


def amount_filter(*, min_amount: Decimal | None, max_amount: Decimal | None) -> Q:
    """Inclusive bounds on the absolute amount (an adjustment can be negative)."""
    q = Q()
    if min_amount is not None:
        q &= Q(GreaterThanOrEqual(Abs("amount"), Value(min_amount, output_field=MoneyField())))
    if max_amount is not None:
        q &= Q(LessThanOrEqual(Abs("amount"), Value(max_amount, output_field=MoneyField())))
    return q


def transactions_found(
    *, ledger_id: UUID, filters: Q = Q(), ordering: str = "-date"
) -> QuerySet[Transaction]:
    """The ledger's transactions under `filters` in `ordering`, to pick a page's rows from
    (`transaction_rows` reads them): no joins or prefetches to build."""
    return (
        Transaction.objects.filter(ledger_id=ledger_id)
        .filter(filters)
        .order_by(*ORDERINGS[ordering])
    )


def transactions_of(
    *, ledger: Ledger, filters: Q = Q(), ordering: str = "-date"
) -> QuerySet[Transaction]:
    allocations = Prefetch(
        "allocations",
        queryset=Allocation.objects.select_related("bucket").order_by(
            "-amount", "bucket__created_at"
        ),
        to_attr="prefetched_allocations",
    )
    splits = Prefetch(
        "splits",
        queryset=TransactionSplit.objects.select_related("category", "bucket").order_by("position"),
        to_attr="prefetched_splits",
    )
    return (
        transactions_found(ledger_id=ledger.pk, filters=filters, ordering=ordering)
        .select_related("payee")
        .annotate(to_currency=F("to_wallet__currency"))  # how to write `to_amount`
        .prefetch_related(allocations, splits)
    )


class TransactionRow(SimpleNamespace):
    """A transaction of a list page read as plain values: the attributes `TransactionOut`
    reads (the references as `<field>_id`, `payee_name`, `to_currency`, the lines as
    `prefetched_allocations` and `prefetched_splits`), without a model instance."""

    @property
    def pk(self) -> UUID:
        return self.id


# The columns of a list row, in the order `_ROWS_SQL` reads them (the payee's name as
# `payee_name`, the receiving wallet's currency as `to_currency`).
_ROW_COLUMNS = (
    "id",
    "ledger_id",
    "kind",
    "date",
    "amount",
    "currency",
    "base_amount",
    "to_amount",
    "foreign_amount",
    "foreign_currency",
    "description",
    "notes",
    "tags",
    "allocation_status",
    "external_id",
    "recurring_id",
    "group_expense_id",
    "created_at",
    "updated_at",
    *(f"{name}_id" for name in REFERENCE_FIELDS),
)
_ROWS_SQL = (
    f"SELECT {', '.join(f't.{name}' for name in _ROW_COLUMNS)}, tw.currency, p.name "
    "FROM money_transaction t "
    "LEFT OUTER JOIN money_wallet tw ON t.to_wallet_id = tw.id "
    "LEFT OUTER JOIN money_payee p ON t.payee_id = p.id "
    "WHERE t.id IN ({ids})"
)
_MONEY_COLUMNS = ("amount", "base_amount", "to_amount", "foreign_amount")
_ID_COLUMNS = (
    "id",
    "ledger_id",
    "recurring_id",
    "group_expense_id",
    *(f"{name}_id" for name in REFERENCE_FIELDS),
)


def transaction_rows(queryset: QuerySet[Transaction], *, ordering: str = "-date") -> list:
    """The rows of `queryset` (a slice of the ledger's transactions in `ordering`) as plain
    values with their split and allocation lines: the attributes `TransactionOut` reads,
    without model instances, which cost more than the queries on a page of 50.

    The queryset only picks the rows (its SQL selects their ids, filtered, sorted and
    sliced); one fixed text reads them (`_ROWS_SQL`), and they are sorted here again as
    `ordering` sorts them. Building and compiling a queryset of every column, and Django's
    converters on each value, were about 2 ms of a page's 8 ms."""
    ids, params = queryset.values_list("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(_ROWS_SQL.format(ids=ids), params)
        found = cursor.fetchall()
    rows = [_row(values) for values in found]
    keys = [name.lstrip("-") for name in ORDERINGS[ordering]]
    rows.sort(key=lambda tx: [getattr(tx, name) for name in keys])
    if ORDERINGS[ordering][0].startswith("-"):
        rows.reverse()
    transaction_lines_set(rows)
    return rows


def _row(values: tuple) -> "TransactionRow":
    """A row of `_ROWS_SQL` as `TransactionRow`, each value as its model field reads it
    (SQLite gives ids and JSON as text, and times without their UTC offset)."""
    row = dict(zip(_ROW_COLUMNS, values, strict=False))
    row["to_currency"], row["payee_name"] = values[-2:]
    for name in _ID_COLUMNS:
        row[name] = _uuid(row[name])
    for name in _MONEY_COLUMNS:
        row[name] = _money(row[name])
    if isinstance(row["tags"], str):
        row["tags"] = json.loads(row["tags"])
    for name in ("created_at", "updated_at"):
        if row[name].tzinfo is None:
            row[name] = row[name].replace(tzinfo=dt.UTC)
    return TransactionRow(**row)


def transaction_lines_set(rows: list[TransactionRow]) -> None:
    """Sets `prefetched_allocations` and `prefetched_splits` on each of `rows`: the lines
    `transactions_of` prefetches, in the same order, as plain values.

    Only the rows that can have lines are asked about, and a query is left out when none
    can: allocation lines belong to an allocated income only (SPEC §3; every write path
    keeps it so), split lines to an income or expense without a category (SPEC §13). A
    page of expenses with their categories is then read in one query."""
    allocations: dict[UUID, list] = {tx.id: [] for tx in rows}
    splits: dict[UUID, list] = {tx.id: [] for tx in rows}
    for tx in rows:
        tx.prefetched_allocations = allocations[tx.id]
        tx.prefetched_splits = splits[tx.id]
    allocated = [tx.id for tx in rows if tx.allocation_status == AllocationStatus.ALLOCATED]
    split = [tx.id for tx in rows if may_have_lines(tx)]
    if allocated or split:
        _lines_read(allocations, splits, allocated=allocated, split=split)


_SPLIT_KINDS = (Kind.INCOME, Kind.EXPENSE)


def may_have_lines(tx) -> bool:
    """Whether `tx` (a model or a list row) can have split lines: only an income or expense
    without a category has them (SPEC §13; every write path keeps it so)."""
    return tx.category_id is None and tx.kind in _SPLIT_KINDS


def _uuid(value) -> UUID | None:
    """A uuid column as read by the cursor (SQLite gives its text)."""
    return value if value is None or isinstance(value, UUID) else UUID(value)


def _money(value) -> Decimal | None:
    """A MoneyField column as read by the cursor, as the field reads it."""
    return None if value is None else money_from_units(value)


# The lines of a page, as `transactions_of` prefetches them, in fixed texts (compiling the
# querysets cost more than running them), in one shape so that a page with both kinds reads
# them in one query: (0, allocation) or (1, split line), the transaction, the line's id,
# category and its name, bucket and its name, amount, base amount, description, and the two
# sort keys of its kind.
_ALLOCATIONS_SQL = (
    "SELECT 0, a.transaction_id, NULL, NULL, NULL, a.bucket_id, b.name, a.amount, NULL, "
    "NULL, -a.amount, b.created_at FROM money_allocation a "
    "INNER JOIN money_bucket b ON a.bucket_id = b.id WHERE a.transaction_id {ids}"
)
_SPLITS_SQL = (
    "SELECT 1, s.transaction_id, s.id, s.category_id, c.name, s.bucket_id, b.name, s.amount, "
    "s.base_amount, s.description, s.position, NULL FROM money_transactionsplit s "
    "INNER JOIN money_category c ON s.category_id = c.id "
    "LEFT OUTER JOIN money_bucket b ON s.bucket_id = b.id WHERE s.transaction_id {ids}"
)
# Allocations by amount, largest first, then their buckets' age; split lines by position.
_LINES_ORDER = " ORDER BY 1, 11, 12"


def _lines_read(
    allocations: dict[UUID, list],
    splits: dict[UUID, list],
    *,
    allocated: list[UUID],
    split: list[UUID],
) -> None:
    """Appends the allocation lines of `allocated` and the split lines of `split` to their
    transactions' lists in `allocations` and `splits`, read in one query."""
    parts, params = [], []
    for text, ids in ((_ALLOCATIONS_SQL, allocated), (_SPLITS_SQL, split)):
        if ids:
            where, values = uuid_in(ids)
            parts.append(text.format(ids=where))
            params += values
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + _LINES_ORDER, params)
        lines = cursor.fetchall()
    for kind, transaction_id, pk, category_id, category_name, *rest in lines:
        bucket_id, bucket_name, amount, base_amount, description, _, _ = rest
        if kind == 0:
            line = SimpleNamespace(
                bucket_id=_uuid(bucket_id), bucket_name=bucket_name, amount=_money(amount)
            )
            allocations[_uuid(transaction_id)].append(line)
            continue
        line = SimpleNamespace(
            id=_uuid(pk),
            category_id=_uuid(category_id),
            category_name=category_name,
            bucket_id=_uuid(bucket_id),
            bucket_name=bucket_name,
            amount=_money(amount),
            base_amount=_money(base_amount),
            description=description,
        )
        splits[_uuid(transaction_id)].append(line)


# Up to this many matching rows, a page is read by sorting the matches rather than by
# walking the ledger's rows in date order until the page is full.
FEW_ROWS = 2000


def transactions_few_first(queryset: QuerySet, *, ordering: str) -> QuerySet:
    """The same rows in the same order, sorted after they are found.

    With `ORDER BY date … LIMIT 50` PostgreSQL likes to walk the date index and test each
    row, which reads the ledger's whole history when few rows match (a rare word in `q`: a
    second at 1 000 000 rows). Sorting on an expression the index cannot give
    (COALESCE(date, date)) makes it find the matches through the filter's own indexes and
    sort them instead: cheap when they are few, which the (cached) count says."""
    if ordering not in ("-date", "date"):
        return queryset  # by amount: sorted after finding them anyway
    day = Coalesce("date", "date")
    keys = [day.desc(), F("created_at").desc(), F("id").desc()]
    if ordering == "date":
        keys = [day.asc(), F("created_at").asc(), F("id").asc()]
    return queryset.order_by(*keys)


def transaction_get(*, ledger: Ledger, transaction_id: UUID) -> Transaction:
    return transactions_of(ledger=ledger).get(pk=transaction_id)


# --- The running balance of one wallet's register ------------------------------------------

# A register reads in the order money moved: by date, then as entered. The list's `-date`
# and `date` orderings are this order reversed and as is.
REGISTER_ORDER = ("date", "created_at", "id")

# What a transaction changes in the wallet (the second %s): an expense or a transfer out of
# it takes its amount; a transfer into it from a wallet in another currency brings its
# `to_amount` (SPEC §14); anything else brings its amount.
_DELTA = (
    f"CASE WHEN t.kind = '{Kind.EXPENSE.value}' "
    f"OR (t.kind = '{Kind.TRANSFER.value}' AND t.from_wallet_id = %s) THEN -t.amount "
    f"WHEN t.kind = '{Kind.TRANSFER.value}' AND t.to_amount IS NOT NULL THEN t.to_amount "
    "ELSE t.amount END"
)
# The ledger's transactions that touch the wallet (ledger, wallet three times).
_MOVES = (
    "FROM money_transaction t WHERE t.ledger_id = %s "
    "AND (t.wallet_id = %s OR t.from_wallet_id = %s OR t.to_wallet_id = %s)"
)
# Strictly before (date, created_at, id) in register order; the bare `date` bound beside it
# is what the (ledger, wallet, date) indexes serve.
_BEFORE = (
    "(t.date < %s OR (t.date = %s AND (t.created_at < %s OR (t.created_at = %s AND t.id < %s))))"
)


def _before_sql(*, from_month_end: bool) -> str:
    """The wallet's balance before a row: the monthly rollup up to the row's month plus
    that month's rows before it (`from_month_end` False), or the rollup through its month
    minus the month's rows from it on (True): whichever side of the row is the shorter part
    of its month, so at most half a month of the wallet's rows is read (a page dated the
    30th read the whole month before)."""
    if from_month_end:
        months, rows = "r.month <= %s", f"-SUM({_DELTA}) {_MOVES} AND NOT {_BEFORE}"
    else:
        months, rows = "r.month < %s", f"SUM({_DELTA}) {_MOVES} AND {_BEFORE}"
    return (
        "SELECT (SELECT SUM(r.amount) FROM money_rollup r "
        f"WHERE r.ledger_id = %s AND r.wallet_id = %s AND {months}), "
        f"(SELECT {rows} AND t.date >= %s AND t.date <= %s)"
    )


_BEFORE_SQL = {end: _before_sql(from_month_end=end) for end in (False, True)}
# A window sum over the wallet's rows from the page's oldest to its newest (in register
# order), and the wallet's currency, in which the balances are written (SPEC §14).
_RUNNING_SQL = (
    "SELECT w.id, w.running, (SELECT c.currency FROM money_wallet c WHERE c.id = %s) "
    f"FROM (SELECT t.id, SUM({_DELTA}) OVER (ORDER BY t.date, t.created_at, t.id "
    f"ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS running {_MOVES} "
    f"AND t.date >= %s AND t.date <= %s AND NOT {_BEFORE} "
    "AND NOT (t.date > %s OR (t.date = %s AND (t.created_at > %s "
    "OR (t.created_at = %s AND t.id > %s))))) w "
)


def _register_key(tx, ops) -> list:
    """`_BEFORE`'s parameters for `tx`'s place in the register."""
    day = ops.adapt_datefield_value(tx.date)
    created = ops.adapt_datetimefield_value(tx.created_at)
    return [day, day, created, created, uuid_param(tx.pk)]


def _balance_before(ledger: Ledger, wallet_id: UUID, tx) -> int:
    """The wallet's balance right before `tx` in register order, in the rollup's units
    (`_BEFORE_SQL`), cached under the ledger's version as reports are (`version_cached`).
    At 1 000 000 rows it sums about 9 000 rollup rows and reads up to half a month of the
    wallet's rows (about 1 500 here); they change only with a write, and a write changes
    the version. A page asked again (the dashboard asks on every rerun) costs one cache
    read."""

    def compute() -> int:
        ops = connection.ops
        start = tx.date.replace(day=1)
        end = (start + dt.timedelta(days=31)).replace(day=1) - dt.timedelta(days=1)
        from_month_end = (end - tx.date) < (tx.date - start)
        month, first = ops.adapt_datefield_value(start), ops.adapt_datefield_value(tx.date)
        # The part of the month read: from its first day to the row, or from the row on.
        part = [first, ops.adapt_datefield_value(end)] if from_month_end else [month, first]
        ledger_id, wallet = uuid_param(ledger.pk), uuid_param(wallet_id)
        params = [ledger_id, wallet, month]
        params += [wallet, ledger_id, wallet, wallet, wallet]  # _DELTA's, then _MOVES'
        params += [*_register_key(tx, ops), *part]
        with connection.cursor() as cursor:
            cursor.execute(_BEFORE_SQL[from_month_end], params)
            months, rows = cursor.fetchone()
        return int(months or 0) + int(rows or 0)

    key = {"wallet": wallet_id, "row": tx.pk, "date": tx.date, "at": tx.created_at.isoformat()}
    return version_cached(ledger, "balance-before", key, compute)


def running_balances_set(*, ledger: Ledger, rows: list[Transaction], wallet_id: UUID) -> None:
    """Sets `running_balance` on each of `rows` (a page of a list filtered by this wallet):
    the wallet's balance right after the transaction, counting every transaction of the
    wallet, not only those the list's other filters keep.

    The wallet's balance right before the page's oldest row (`_balance_before`, cached)
    plus one query, whatever the page: a window sum over the wallet's rows from the page's
    oldest to its newest. The texts are fixed, only their parameters change: building them
    from querysets on every request cost more than running them."""
    if not rows:
        return
    ops = connection.ops
    oldest = min(rows, key=lambda tx: (tx.date, tx.created_at, tx.pk))
    newest = max(rows, key=lambda tx: (tx.date, tx.created_at, tx.pk))
    wallet = uuid_param(wallet_id)
    moves = [wallet, uuid_param(ledger.pk), wallet, wallet, wallet]  # _DELTA's, then _MOVES'
    first, last = ops.adapt_datefield_value(oldest.date), ops.adapt_datefield_value(newest.date)
    in_ids, ids = uuid_in([tx.pk for tx in rows])
    params = [wallet, *moves, first, last, *_register_key(oldest, ops)]
    params += [*_register_key(newest, ops), *ids]
    with connection.cursor() as cursor:
        cursor.execute(f"{_RUNNING_SQL}WHERE w.id {in_ids}", params)
        found = cursor.fetchall()
    before = _balance_before(ledger, wallet_id, oldest)
    pk = Transaction._meta.pk
    by_id = {pk.to_python(row[0]): money_from_units(before + int(row[1])) for row in found}
    code = found[0][2] if found else ""
    for tx in rows:
        tx.running_balance = by_id.get(tx.pk)
        tx.running_currency = code
