"""Every write about wallets, buckets, categories, transactions and allocations.

Each function is one database transaction, and every write that moves money updates the
rollup in that same transaction (`budget.money.rollup`).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError, Sum
from django.utils import timezone

from budget.common import activity
from budget.common.bulk import rows_insert
from budget.common.currencies import amount_str, amount_str_exact, places
from budget.common.errors import Conflict, Invalid
from budget.common.money import MAX_AMOUNT, ZERO, amount_check
from budget.common.tasks import enqueue_on_commit
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_lock, ledger_version_bump
from budget.money import selectors
from budget.money.allocation import Share, split
from budget.money.conversion import base_amounts_fill
from budget.money.models import (
    REFERENCE_FIELDS,
    Allocation,
    AllocationStatus,
    Bucket,
    Category,
    CategoryType,
    Kind,
    Payee,
    Transaction,
    TransactionSplit,
    Wallet,
    name_key,
    shared_values,
)
from budget.money.rollup import Line, rollup_add, rollup_apply, transaction_legs
from budget.money.rules import (
    ALLOWED,
    References,
    batch_errors,
    percent_sum_error,
    reference_error,
    references_load,
    transaction_defaults,
    transaction_errors,
)
from budget.money.signals import (
    payee_deleting,
    payee_merged,
    transactions_changing,
    transactions_deleted,
    transactions_deleting,
    transactions_preparing,
    transactions_written,
)

DEFAULT_CATEGORIES = {
    CategoryType.INCOME: ["Salary", "Other income"],
    CategoryType.EXPENSE: [
        "Groceries",
        "Housing",
        "Utilities",
        "Transport",
        "Health",
        "Leisure",
        "Other expenses",
    ],
    CategoryType.NEUTRAL: ["Transfer", "Loan"],
}


def ledger_defaults_create(*, ledger: Ledger) -> None:
    Bucket.objects.create(ledger=ledger, name=Bucket.SYSTEM_NAME, is_system=True)
    Category.objects.bulk_create(
        Category(ledger=ledger, name=name, name_key=name_key(name), type=type_)
        for type_, names in DEFAULT_CATEGORIES.items()
        for name in names
    )


def ledger_currency_change(*, ledger: Ledger, old: str, new: str) -> None:
    """A ledger changes its base currency (SPEC §14) as before currencies had places: its
    wallets and transactions in the old currency take the new one (their amounts are their
    base amounts, and stay so). Refused (409) when money is in any other currency — its
    base amounts were booked in the old one — or when the new currency has other decimals
    than amounts already written."""
    wallets = Wallet.objects.filter(ledger=ledger)
    if Transaction.objects.filter(ledger=ledger).exclude(currency=old).exists():
        raise Conflict(
            "This ledger has transactions in other currencies, booked at their value in "
            f"{old}: its currency cannot change."
        )
    if places(new) != places(old) and Transaction.objects.filter(ledger=ledger).exists():
        raise Conflict(
            f"{new} has {places(new)} decimal places and {old} {places(old)}: a ledger with "
            "transactions cannot change between them."
        )
    wallets.filter(currency=old).update(currency=new)
    Transaction.objects.filter(ledger=ledger, currency=old).update(currency=new)


def _name_taken(noun: str, name: str) -> Conflict:
    return Conflict(f"A {noun} named '{name}' already exists in this ledger.", code="name_taken")


def _still_used(
    noun: str, error: ProtectedError | RestrictedError, advice: str = "archive it instead"
) -> Conflict:
    """409 naming what still uses the object: transactions, budgets, goals…"""
    users = (
        error.restricted_objects if isinstance(error, RestrictedError) else error.protected_objects
    )
    # Named by each model's own verbose name: money knows none of the apps that use it.
    names = " and ".join(sorted({str(type(obj)._meta.verbose_name_plural) for obj in users}))
    return Conflict(
        f"This {noun} is still used by {names or 'transactions'}; {advice}.",
        code="in_use",
    )


def _users_of(obj) -> str:
    """What refers to `obj` ("transactions and budgets"), from every foreign key pointing
    at its model (transactions, recurring templates, budgets, goals…); "" when nothing."""
    kinds = sorted(
        {
            str(rel.related_model._meta.verbose_name_plural)
            for rel in obj._meta.get_fields(include_hidden=True)
            if rel.one_to_many
            and rel.related_model._base_manager.filter(**{rel.field.name: obj}).exists()
        }
    )
    return " and ".join(kinds)


def _save(obj, noun: str, fields: list[str] | None = None) -> None:
    """Saves a wallet, bucket or category (all of them when `fields` is None: a new one) and
    records it in the activity log."""
    try:
        with transaction.atomic():
            obj.save(update_fields=fields) if fields else obj.save()
            ledger_version_bump(ledger_ids=[obj.ledger_id])  # names, kinds, percents show
            changes = activity.diff(
                getattr(obj, "_before", {}), {f: getattr(obj, f) for f in fields or ()}
            )
            if fields is None or changes:
                activity.record(
                    ledger_id=obj.ledger_id,
                    action="update" if fields else "create",
                    object_type=noun,
                    object_id=obj.pk,
                    summary=obj.name,
                    changes=changes,
                )
    except IntegrityError as error:
        raise _name_taken(noun, obj.name) from error


def _delete(obj, noun: str, advice: str = "archive it instead") -> None:
    try:
        with transaction.atomic():
            # Under the ledger lock, as transactions_create: one created with `obj` commits
            # first (and the delete is a 409), or finds `obj` gone (a 422).
            ledger_lock(ledger_ids=[obj.ledger_id])
            pk = obj.pk
            obj.delete()
            ledger_version_bump(ledger_ids=[obj.ledger_id])
            activity.record(
                ledger_id=obj.ledger_id,
                action="delete",
                object_type=noun,
                object_id=pk,
                summary=obj.name,
            )
    except (ProtectedError, RestrictedError) as error:
        raise _still_used(noun, error, advice) from error


def _apply(obj, changes: dict[str, Any]) -> list[str]:
    """Sets `changes` on `obj`, keeping what they replace for the activity log."""
    obj._before = {name: getattr(obj, name) for name in changes}
    for name, value in changes.items():
        setattr(obj, name, value)
    return list(changes)


# --- Wallets ------------------------------------------------------------------------------


def wallet_create(
    *,
    ledger: Ledger,
    name: str,
    kind: str,
    currency: str | None = None,
    opening_balance: Decimal | None = None,
    opening_date: date | None = None,
    archived: bool = False,
) -> Wallet:
    currency = currency or ledger.currency
    if opening_balance:
        try:
            amount_check(opening_balance, currency)
        except ValueError as error:
            raise Invalid(str(error), field="opening_balance") from error
    if archived and opening_balance:
        _archive_guard(opening_balance, "wallet", currency)
    with transaction.atomic():
        wallet = Wallet(ledger=ledger, name=name, kind=kind, currency=currency, archived=archived)
        _save(wallet, "wallet")
        if opening_balance:
            transaction_create(
                ledger=ledger,
                data={
                    "kind": Kind.ADJUSTMENT,
                    "date": opening_date or timezone.localdate(),
                    "amount": opening_balance,
                    "description": "Opening balance",
                    "wallet": wallet.pk,
                },
            )
    return wallet


def _archive_guard(balance: Decimal, noun: str, currency: str) -> None:
    """409 unless `balance` (in `currency`: a wallet's own, a bucket's the ledger's) is zero;
    the message writes it with the currency's decimals, "0.005 KWD", never "0.01"."""
    if balance != ZERO:
        held = " ".join(p for p in (amount_str_exact(balance, currency), currency) if p)
        raise Conflict(
            f"This {noun} still holds {held}; move the money out before archiving it.",
            code="balance_not_zero",
        )


def wallet_update(*, wallet: Wallet, **changes: Any) -> Wallet:
    with transaction.atomic():
        if changes.get("currency") not in (None, wallet.currency):
            # SPEC §14: its amounts are in its currency; with any, it stays.
            ledger_lock(ledger_ids=[wallet.ledger_id])
            used = Transaction.objects.filter(
                Q(wallet=wallet) | Q(from_wallet=wallet) | Q(to_wallet=wallet)
            )
            if used.exists():
                raise Conflict(
                    f"The wallet '{wallet.name}' has transactions in {wallet.currency}: its "
                    "currency cannot change. Create a new wallet instead."
                )
        if changes.get("archived") and not wallet.archived:
            # Under the ledger lock, as transactions_create: the balance counts every
            # transaction made with the wallet, and none comes after the archiving.
            ledger_lock(ledger_ids=[wallet.ledger_id])
            _archive_guard(selectors.wallet_balance(wallet=wallet), "wallet", wallet.currency)
        _save(wallet, "wallet", _apply(wallet, changes))
    return wallet


def wallet_delete(*, wallet: Wallet) -> None:
    _delete(wallet, "wallet")


def wallet_reconcile(
    *, wallet: Wallet, actual_balance: Decimal, on: date | None = None
) -> Transaction | None:
    """Creates the adjustment that makes the wallet's balance `actual_balance`, or None
    when it already is."""
    if wallet.archived:
        raise Invalid(f"The wallet '{wallet.name}' is archived.", field="wallet")
    try:
        amount_check(actual_balance, wallet.currency)
    except ValueError as error:
        raise Invalid(str(error), field="actual_balance") from error
    with transaction.atomic():
        difference = actual_balance - selectors.wallet_balance(wallet=wallet)
        if difference == ZERO:
            return None
        if abs(difference) > MAX_AMOUNT:
            raise Invalid(
                "The correction would be larger than one transaction may be (999999999999.99).",
                field="actual_balance",
            )
        return transaction_create(
            ledger=wallet.ledger,
            data={
                "kind": Kind.ADJUSTMENT,
                "date": on or timezone.localdate(),
                "amount": difference,
                "description": "Reconciliation",
                "wallet": wallet.pk,
            },
        )


# --- Buckets ------------------------------------------------------------------------------


def _system_bucket_guard(bucket: Bucket) -> None:
    if bucket.is_system:
        raise Conflict(
            "Unallocated is the system bucket: it cannot be renamed, archived, deleted or "
            "given a percentage.",
            code="system_bucket",
        )


def _percent_sum_check(*, ledger: Ledger, overrides: dict[UUID, Decimal | None]) -> None:
    """Refuses when the active buckets' percents, with `overrides` applied (None: the
    bucket stops counting), would exceed 100. Locks the ledger row first, so two
    concurrent changes are checked one after the other."""
    ledger_lock(ledger_ids=[ledger.pk])
    current = (
        Bucket.objects.filter(ledger=ledger, is_system=False, archived=False)
        .exclude(pk__in=list(overrides))
        .aggregate(total=Sum("allocation_percent"))["total"]
        or ZERO
    )
    total = current + sum((p for p in overrides.values() if p is not None), ZERO)
    message = percent_sum_error(total)
    if message:
        raise Conflict(
            f"{message} The other active buckets already use {current:.2f} %.",
            code="percent_sum_exceeded",
        )


def bucket_create(
    *, ledger: Ledger, name: str, allocation_percent: Decimal = ZERO, archived: bool = False
) -> Bucket:
    with transaction.atomic():
        bucket = Bucket(
            ledger=ledger, name=name, allocation_percent=allocation_percent, archived=archived
        )
        if not archived:
            _percent_sum_check(ledger=ledger, overrides={bucket.pk: allocation_percent})
        _save(bucket, "bucket")
    return bucket


def bucket_update(*, bucket: Bucket, **changes: Any) -> Bucket:
    _system_bucket_guard(bucket)
    with transaction.atomic():
        # Under the ledger lock an allocation cannot split into a bucket being archived,
        # nor a transaction be created with it.
        ledger_lock(ledger_ids=[bucket.ledger_id])
        archived = changes.get("archived", bucket.archived)
        if archived and not bucket.archived:
            base = Ledger.objects.values_list("currency", flat=True).get(pk=bucket.ledger_id)
            _archive_guard(selectors.bucket_balance(bucket=bucket), "bucket", base)
        percent = changes.get("allocation_percent", bucket.allocation_percent)
        if "allocation_percent" in changes or not archived:
            _percent_sum_check(
                ledger=bucket.ledger, overrides={bucket.pk: None if archived else percent}
            )
        _save(bucket, "bucket", _apply(bucket, changes))
    return bucket


def bucket_delete(*, bucket: Bucket) -> None:
    _system_bucket_guard(bucket)
    _delete(bucket, "bucket")


def bucket_percents_set(*, ledger: Ledger, percents: dict[UUID, Decimal]) -> None:
    """Sets several buckets' percentages at once; buckets not named keep theirs."""
    with transaction.atomic():
        buckets = {b.pk: b for b in Bucket.objects.filter(ledger=ledger, pk__in=list(percents))}
        for bucket in buckets.values():
            _system_bucket_guard(bucket)  # any change to it is a 409, here as in a PATCH
        errors = []
        for bucket_id in percents:
            bucket = buckets.get(bucket_id)
            message = reference_error(bucket, noun="bucket")
            if message:
                errors.append({"field": f"percents.{bucket_id}", "message": message})
        if errors:
            raise Invalid("Some buckets cannot take a percentage.", errors=errors)
        _percent_sum_check(ledger=ledger, overrides=percents)
        old = {b.name: b.allocation_percent for b in buckets.values()}
        for bucket_id, value in percents.items():
            buckets[bucket_id].allocation_percent = value
        Bucket.objects.bulk_update(buckets.values(), ["allocation_percent"])
        ledger_version_bump(ledger_ids=[ledger.pk])
        activity.record(
            ledger_id=ledger.pk,
            action="update",
            object_type="bucket",
            summary="Allocation percentages",
            changes=activity.diff(old, {b.name: b.allocation_percent for b in buckets.values()}),
            count=len(buckets),
        )


# --- Categories ---------------------------------------------------------------------------


def category_create(
    *,
    ledger: Ledger,
    name: str,
    type: str,
    archived: bool = False,
    group: str | None = "",
    default_bucket: UUID | None = None,
) -> Category:
    _default_bucket_check(ledger_id=ledger.pk, type=type, bucket_id=default_bucket)
    category = Category(
        ledger=ledger,
        name=name,
        type=type,
        archived=archived,
        group=group or "",
        default_bucket_id=default_bucket,
    )
    _save(category, "category")
    return category


def _default_bucket_check(*, ledger_id: UUID, type: str, bucket_id: UUID | None) -> None:
    """A category's default bucket: an active bucket of its ledger, for an expense category
    (the only kind that takes one: `category_default_buckets_fill`)."""
    if bucket_id is None:
        return
    if type != CategoryType.EXPENSE:
        raise Invalid("Only an expense category has a default bucket.", field="default_bucket")
    if not Bucket.objects.filter(ledger_id=ledger_id, pk=bucket_id, archived=False).exists():
        raise Invalid(
            "The default bucket must be an active bucket of this ledger.", field="default_bucket"
        )


def category_update(*, category: Category, **changes: Any) -> Category:
    if "default_bucket" in changes:
        changes["default_bucket_id"] = changes.pop("default_bucket")
        if changes["default_bucket_id"] == category.default_bucket_id:
            del changes["default_bucket_id"]
    if "default_bucket_id" in changes:
        _default_bucket_check(
            ledger_id=category.ledger_id,
            type=changes.get("type", category.type),
            bucket_id=changes["default_bucket_id"],
        )
    elif (
        changes.get("type", CategoryType.EXPENSE) != CategoryType.EXPENSE
        and category.default_bucket_id is not None
    ):
        raise Invalid(
            "Only an expense category has a default bucket: clear it first.",
            field="default_bucket",
        )
    with transaction.atomic():
        if changes.get("archived") and not category.archived:
            ledger_lock(ledger_ids=[category.ledger_id])
        if "type" in changes and changes["type"] != category.type:
            users = _users_of(category)
            if users:
                raise Conflict(
                    f"{users.capitalize()} use this category, so its type cannot change; "
                    "create a new category instead.",
                    code="in_use",
                )
        _save(category, "category", _apply(category, changes))
    return category


def category_delete(*, category: Category) -> None:
    _delete(category, "category")


# --- Payees -------------------------------------------------------------------------------

PAYEE_NAME_MAX = 100


def payee_create(*, ledger: Ledger, name: str) -> Payee:
    payee = Payee(ledger=ledger, name=name)
    _save(payee, "payee")
    return payee


def payee_update(*, payee: Payee, **changes: Any) -> Payee:
    _save(payee, "payee", _apply(payee, changes))
    return payee


def payee_delete(*, payee: Payee) -> None:
    with transaction.atomic():
        payee_deleting.send(sender=Payee, payee=payee)
        _delete(payee, "payee", "merge it into another payee instead")


def payee_merge(*, payee: Payee, into: Payee) -> int:
    """Moves every transaction and recurring template of `payee` to `into` (and, through
    `payee_merged`, the rules that name it), then deletes `payee`; returns how many
    transactions moved."""
    if payee.pk == into.pk:
        raise Invalid("A payee cannot be merged into itself.", field="into")
    with transaction.atomic():
        ledger_lock(ledger_ids=[payee.ledger_id])
        moved = 0
        for rel in Payee._meta.get_fields(include_hidden=True):
            if rel.one_to_many and rel.field.name == "payee":
                count = rel.related_model._base_manager.filter(payee=payee).update(payee=into)
                if rel.related_model is Transaction:
                    moved = count
        payee_merged.send(sender=Payee, ledger=payee.ledger, source=payee, target=into)
        payee.delete()
        ledger_version_bump(ledger_ids=[payee.ledger_id])
    return moved


def payee_name_clean(value: Any) -> str:
    """A payee name as stored: trimmed, at most PAYEE_NAME_MAX characters."""
    return str(value or "").strip()[:PAYEE_NAME_MAX].strip()


def payees_resolve(*, ledger: Ledger, items: list[dict[str, Any]]) -> None:
    """Turns each item's `payee_name` into `payee` (an id) in place: the ledger's payee of
    that name whatever its case, created when there is none (SPEC §12). An item with
    `payee_name` "" loses its payee. One query to find them, one to create the new ones."""
    named = [item for item in items if item.get("payee_name") is not None]
    if not named:
        return
    keys = {name_key(payee_name_clean(item["payee_name"])) for item in named} - {""}
    found = {p.name_key: p.pk for p in Payee.objects.filter(ledger=ledger, name_key__in=keys)}
    new: dict[str, Payee] = {}
    for item in named:
        name = payee_name_clean(item["payee_name"])
        if not name:
            item["payee"] = None
            continue
        key = name_key(name)
        if key not in found and key not in new:
            new[key] = Payee(ledger=ledger, name=name, name_key=key)
        item["payee"] = found.get(key) or new[key].pk
    if new:
        Payee.objects.bulk_create(new.values())


# --- Transactions -------------------------------------------------------------------------


def invalid_transaction(errors: list[dict]) -> Invalid:
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
    return Invalid(f"The transaction is invalid: {fields}.", errors=errors)


def invalid_batch(errors: list[dict], *, total: int) -> Invalid:
    bad = len({e["row"] for e in errors})
    return Invalid(f"{bad} of {total} rows are invalid; nothing was created.", errors=errors)


def _transaction_values(data: dict[str, Any], system_bucket: Bucket) -> dict[str, Any]:
    """A new (or changed) transaction's stored values from its input, by attname."""
    values = shared_values(data)
    values["date"] = data["date"]
    # SPEC §14: set by base_amounts_fill, which every write calls after the checks.
    values["currency"], values["base_amount"] = data["currency"], data["base_amount"]
    values["external_id"] = data.get("external_id") or ""
    if "recurring" in data:  # an occurrence of a recurring template (budget.planning)
        values["recurring_id"], values["recurring_date"] = (
            data["recurring"],
            data.get("recurring_date"),
        )
    if "import_job" in data:  # created by a CSV import (budget.exchange)
        values["import_job_id"] = data["import_job"]
    if "group_expense" in data:  # mirrors a group expense (budget.groups)
        values["group_expense_id"] = data["group_expense"]
    if "group_participant" in data:  # whose share it mirrors (budget.groups)
        values["group_participant_id"] = data["group_participant"]
    values["bucket_id"], values["allocation_status"] = transaction_defaults(
        kind=values["kind"], bucket_id=values["bucket_id"], system_bucket_id=system_bucket.pk
    )
    return values


_TX_FIELDS = Transaction._meta.concrete_fields
_TX_BLANK = [field.get_default() for field in _TX_FIELDS]
_TX_POSITION = {field.attname: index for index, field in enumerate(_TX_FIELDS)}


def _transaction_build(ledger: Ledger, data: dict[str, Any], system_bucket: Bucket) -> Transaction:
    # Django's model takes a row of values positionally at a third of the cost of keywords
    # and attributes set one by one: an import builds 100 000.
    row = list(_TX_BLANK)
    row[_TX_POSITION["id"]], row[_TX_POSITION["ledger_id"]] = uuid4(), ledger.pk
    for attname, value in _transaction_values(data, system_bucket).items():
        row[_TX_POSITION[attname]] = value
    return Transaction(*row)


def _transaction_fill(tx: Transaction, data: dict[str, Any], system_bucket: Bucket) -> None:
    for attname, value in _transaction_values(data, system_bucket).items():
        setattr(tx, attname, value)


def _allocation_enqueue(ids: list[UUID]) -> None:
    if ids:
        enqueue_on_commit(
            "budget.money.tasks.incomes_allocate_task",
            [str(i) for i in ids],
            task_name="allocate incomes",
        )


def _written(ledger_id: UUID, txs: list[Transaction], *, created: bool) -> None:
    transactions_written.send(
        sender=Transaction, ledger_id=ledger_id, transactions=txs, created=created
    )


def transaction_summary(tx: Transaction) -> str:
    """A transaction in the activity log: "expense 12.50 Rent", its amount with its
    currency's decimals ("expense 1200 Ramen" from a JPY wallet)."""
    return " ".join(p for p in (tx.kind, amount_str(tx.amount, tx.currency), tx.description) if p)


def transactions_prepare(
    *,
    ledger: Ledger,
    items: list[dict[str, Any]],
    defaults: Callable[[dict[str, Any]], None] | None = None,
) -> None:
    """What happens to new transactions' input before it is checked, in place: the apps
    that fill empty fields (rules, the payee history: budget.rules) through
    `transactions_preparing`, then the caller's own `defaults` for what they left empty
    (the import's default categories, SPEC §11), then the category's default bucket — so a
    category from any of them gets it. The import's check calls it too, so a row that a
    rule gives its category is valid (SPEC §11, §12)."""
    transactions_preparing.send(sender=Transaction, ledger=ledger, items=items)
    if defaults is not None:
        for item in items:
            defaults(item)
    category_default_buckets_fill(ledger=ledger, items=items)


def _uuid(value: Any) -> UUID | None:
    try:
        return value if isinstance(value, UUID) else UUID(str(value))
    except ValueError:
        return None  # the checks that follow name the bad reference


def category_default_buckets_fill(*, ledger: Ledger, items: list[dict[str, Any]]) -> None:
    """An expense that names no bucket goes to its category's default bucket, in place
    (after the rules and the payee history chose the category); without one, or with an
    archived one, it stays on Unallocated (SPEC §2). One query for the whole batch."""
    waiting = [
        item
        for item in items
        if item.get("kind") == Kind.EXPENSE
        and not item.get("bucket")
        and _uuid(item.get("category")) is not None
    ]
    if not waiting:
        return
    defaults = dict(
        Category.objects.filter(
            ledger=ledger,
            pk__in={_uuid(item["category"]) for item in waiting},
            default_bucket__archived=False,
        ).values_list("pk", "default_bucket_id")
    )
    for item in waiting:
        bucket = defaults.get(_uuid(item["category"]))
        if bucket is not None:
            item["bucket"] = bucket


def transactions_insert(
    *, ledger: Ledger, items: list[dict[str, Any]], bulk: bool = False
) -> tuple[list[Transaction], list[list[TransactionSplit]], References]:
    """The part of creating transactions that needs no ledger lock: the items' payees, the
    rules of every transaction (`batch_errors`; 422 naming each bad item), the rows and
    their split lines (COPY for a large batch). Nothing else: the caller rolls them up,
    queues their allocation and tells of them — `transactions_create` at once under the
    lock, an import once for all its chunks (budget.exchange)."""
    payees_resolve(ledger=ledger, items=items)
    refs, errors = batch_errors(
        ledger=ledger,
        items=items,
        rows=list(range(len(items))) if bulk else None,
    )
    if not errors:
        errors = _bases_fill(ledger, items, refs, rows=list(range(len(items))) if bulk else None)
    if errors:
        raise invalid_batch(errors, total=len(items)) if bulk else invalid_transaction(errors)
    txs = [_transaction_build(ledger, data, refs.system_bucket) for data in items]
    splits = [
        _split_rows(tx, data.get("splits"), refs) for tx, data in zip(txs, items, strict=True)
    ]
    rows_insert(txs)  # COPY on PostgreSQL for a large batch (an import)
    rows_insert([row for rows in splits for row in rows])
    return txs, splits, refs


def transactions_create(
    *,
    ledger: Ledger,
    items: list[dict[str, Any]],
    bulk: bool = False,
    prepared: bool = False,
    logged: bool = True,
) -> list[Transaction]:
    """Creates every item or none. Bulk errors carry the item's 0-based `row`.

    The items go through `transactions_prepare` (rules) first unless `prepared`, then
    `transactions_insert`. One activity entry tells of them (`logged=False`: the caller
    records its own)."""
    with transaction.atomic():
        # Checked under the ledger lock, which archiving or deleting a wallet, bucket or
        # category takes too: one waits for the other and checks what it committed. (The
        # write below would take the lock anyway: rollup_apply bumps the ledger version.)
        ledger_lock(ledger_ids=[ledger.pk])
        if not prepared:
            transactions_prepare(ledger=ledger, items=items)
        txs, splits, refs = transactions_insert(ledger=ledger, items=items, bulk=bulk)
        rollup_apply(
            plus=[
                leg
                for tx, rows in zip(txs, splits, strict=True)
                for leg in transaction_legs(
                    tx, system_bucket_id=refs.system_bucket.pk, lines=_lines(rows)
                )
            ]
        )
        transactions_allocate_later(txs)
        for tx in txs:
            if tx.payee_id:  # the output names it: no query per row
                tx.payee = refs.payees[tx.payee_id]
            if tx.to_wallet_id:
                tx.to_currency = refs.wallets[tx.to_wallet_id].currency
        transactions_created(ledger_id=ledger.pk, txs=txs)
        if logged:
            one = len(txs) == 1
            activity.record(
                ledger_id=ledger.pk,
                action="create",
                object_type="transaction",
                object_id=txs[0].pk if one else None,
                summary=transaction_summary(txs[0]) if one else f"{len(txs)} transactions",
                count=len(txs),
            )
    for tx, rows in zip(txs, splits, strict=True):
        tx.prefetched_allocations = []
        tx.prefetched_splits = rows
    return txs


def transactions_allocate_later(txs: list[Transaction]) -> None:
    """Queues the split of the new incomes that wait for it, when the transaction commits."""
    _allocation_enqueue([tx.pk for tx in txs if tx.allocation_status == AllocationStatus.PENDING])


def incomes_allocate_later(ids: list[UUID]) -> None:
    """Queues the split of new incomes that wait for it (by id: an import written in SQL),
    when the transaction commits."""
    _allocation_enqueue(ids)


def transactions_created(*, ledger_id: UUID, txs: list[Transaction]) -> None:
    """Tells the apps that watch new transactions (budgets, webhooks) of `txs`."""
    _written(ledger_id, txs, created=True)


def _bases_fill(
    ledger: Ledger, items: list[dict[str, Any]], refs, *, rows: list[int] | None = None
) -> list[dict[str, Any]]:
    """Each item's currency and base amount (SPEC §14), one rate lookup for all; the
    errors of the items whose rate is missing (with `row` when `rows` is given)."""
    found = base_amounts_fill(
        ledger_id=ledger.pk, base=ledger.currency, items=items, wallets=refs.wallets
    )
    return [error if rows is None else {"row": rows[i], **error} for i, error in found]


# What a changed base amount follows: a PATCH of any of these converts again (unless it
# gives base_amount); other edits keep the booked value (SPEC §14: frozen).
BASE_INPUTS = ("kind", "amount", "date", "wallet", "from_wallet", "to_wallet", "to_amount")


def _base_reset(data: dict[str, Any], changes: dict[str, Any]) -> None:
    if "base_amount" not in changes and any(name in changes for name in BASE_INPUTS):
        data["base_amount"] = None


def transaction_create(*, ledger: Ledger, data: dict[str, Any]) -> Transaction:
    return transactions_create(ledger=ledger, items=[data])[0]


def _split_rows(
    tx: Transaction, lines: list[dict[str, Any]] | None, refs: References
) -> list[TransactionSplit]:
    """The rows of `tx`'s split lines (already checked), their references from `refs`."""
    return [
        TransactionSplit(
            ledger_id=tx.ledger_id,
            transaction=tx,
            category=refs.categories[line["category"]],
            bucket=refs.buckets[line["bucket"]] if line.get("bucket") else None,
            amount=line["amount"],
            base_amount=line["amount"] if line.get("base_amount") is None else line["base_amount"],
            description=line.get("description") or "",
            position=position,
        )
        for position, line in enumerate(lines or ())
    ]


def _lines(rows: Iterable[TransactionSplit]) -> list[Line]:
    return [Line(row.category_id, row.bucket_id, row.amount, row.base_amount) for row in rows]


def _lines_of(ids: Iterable[UUID]) -> dict[UUID, list[Line]]:
    """The split lines of a few transactions (one query), in their order."""
    lines: dict[UUID, list[Line]] = defaultdict(list)
    rows = TransactionSplit.objects.filter(transaction_id__in=list(ids)).order_by(
        "transaction_id", "position"
    )
    fields = ("transaction_id", "category_id", "bucket_id", "amount", "base_amount")
    for tx_id, *line in rows.values_list(*fields):
        lines[tx_id].append(Line(*line))
    return lines


def _split_lines_of(
    ids: list[UUID],
) -> tuple[dict[UUID, list[Line]], dict[UUID, list[dict[str, Any]]]]:
    """The split lines of many transactions in one query: as rollup legs, and as the input
    takes them, by transaction id."""
    legs: dict[UUID, list[Line]] = defaultdict(list)
    data: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    rows = TransactionSplit.objects.filter(transaction_id__in=ids).order_by(
        "transaction_id", "position"
    )
    for row in rows:
        legs[row.transaction_id].append(
            Line(row.category_id, row.bucket_id, row.amount, row.base_amount)
        )
        data[row.transaction_id].append(
            {
                "category": row.category_id,
                "bucket": row.bucket_id,
                "amount": row.amount,
                "description": row.description,
            }
        )
    return legs, data


def _transaction_data(tx: Transaction) -> dict[str, Any]:
    return {
        "date": tx.date,
        "external_id": tx.external_id,
        "currency": tx.currency,
        "base_amount": tx.base_amount,
        **tx.shared_data(),
    }


def _allocations_of(tx: Transaction) -> dict[UUID, Decimal]:
    return dict(tx.allocations.values_list("bucket_id", "amount"))


def _split_key(tx: Transaction) -> tuple:
    # The parts are base amounts (SPEC §14): a new base amount splits again too.
    return (tx.kind, tx.amount, tx.base_amount, tx.date, tx.bucket_id)


def _changes_logged(before: dict, after: dict, *, base: str) -> dict:
    """The activity entry's changes; a base-currency amount's base amount is the amount
    itself and not told twice."""
    changes = activity.diff(before, after)
    if after.get("currency") == base:
        changes.pop("base_amount", None)
    return changes


def transaction_update(*, tx: Transaction, changes: dict[str, Any]) -> Transaction:
    """Applies `changes`. An allocated income whose amount, date or bucket changes is
    split again with the current percentages; other edits keep its split. Returns the
    transaction as saved (lines made by a new split are not read back)."""
    with transaction.atomic():
        locked = Transaction.objects.select_for_update().get(pk=tx.pk)
        if Transaction.ledger.is_cached(tx):
            locked.ledger = tx.ledger  # the caller's, not read again
        tx = locked
        transactions_changing.send(sender=Transaction, transactions=[tx])
        data = _transaction_data(tx)
        # Its split lines, read once: as the input takes them and as rollup legs.
        if selectors.may_have_lines(tx):
            legs_of, lines_data = _split_lines_of([tx.pk])
        else:
            legs_of, lines_data = {tx.pk: []}, {tx.pk: []}
        data["splits"] = old_splits = lines_data[tx.pk]
        before = dict(data)
        if changes.get("kind", tx.kind) != tx.kind:
            # References the new kind has no use for go, unless the caller set them; so
            # does the Unallocated default an expense or adjustment was given.
            for name in set(REFERENCE_FIELDS) - set(changes) - ALLOWED[Kind(changes["kind"])]:
                data[name] = None
            if tx.kind in (Kind.EXPENSE, Kind.ADJUSTMENT) and "bucket" not in changes:
                data["bucket"] = None
            if changes["kind"] not in (Kind.INCOME, Kind.EXPENSE):
                data["splits"] = []  # lines, like references, go with a kind that has none
        if changes.get("category") and "splits" not in changes:
            data["splits"] = []  # SPEC §13: a category replaces the lines
        data.update(changes)
        # Checked under the ledger lock: see transactions_create.
        ledger_lock(ledger_ids=[tx.ledger_id])
        payees_resolve(ledger=tx.ledger, items=[data])
        changes = {**changes, **({"payee": data["payee"]} if "payee_name" in changes else {})}
        refs = references_load(ledger=tx.ledger, items=[data])
        _base_reset(data, changes)
        errors = transaction_errors(data, refs, changed=set(changes))
        if not errors:
            errors = _bases_fill(tx.ledger, [data], refs)
        if errors:
            raise invalid_transaction(errors)
        if data["splits"] and data["base_amount"] != tx.base_amount:
            data["splits"] = [dict(line) for line in data["splits"]]  # their bases follow

        system_id = refs.system_bucket.pk
        was_allocated = tx.allocation_status == AllocationStatus.ALLOCATED
        allocations = _allocations_of(tx) if was_allocated else {}
        lines = legs_of[tx.pk]
        old_legs = transaction_legs(
            tx, system_bucket_id=system_id, allocations=allocations, lines=lines
        )
        split_before = _split_key(tx)
        _transaction_fill(tx, data, refs.system_bucket)
        resplit = was_allocated and tx.allocation_status == AllocationStatus.PENDING
        if resplit and _split_key(tx) == split_before:
            tx.allocation_status, resplit = AllocationStatus.ALLOCATED, False  # split stands
        elif was_allocated:
            tx.allocations.all().delete()
            allocations = {}
        tx.save()
        if data["splits"] is not old_splits:  # the lines were replaced (or removed)
            tx.splits.all().delete()
            rows = TransactionSplit.objects.bulk_create(_split_rows(tx, data["splits"], refs))
            lines = _lines(rows)
        rollup_apply(
            plus=transaction_legs(
                tx, system_bucket_id=system_id, allocations=allocations, lines=lines
            ),
            minus=old_legs,
        )
        if resplit:
            incomes_allocate(ids=[tx.pk])
        _written(tx.ledger_id, [tx], created=False)
        activity.record(
            ledger_id=tx.ledger_id,
            action="update",
            object_type="transaction",
            object_id=tx.pk,
            summary=transaction_summary(tx),
            changes=_changes_logged(before, data, base=refs.base),
        )
    return tx


# --- Bulk edit ----------------------------------------------------------------------------

# What a bulk edit cannot set: the kind reshapes a transaction (references go, a split
# starts again), and a bank id belongs to one transaction only.
# Split lines are the transaction's own amounts: never the same for many at once.
BULK_FIXED_FIELDS = ("kind", "external_id", "splits")
# The columns a bulk edit may write, from the model: a field added to it is picked up.
_BULK_COLUMNS = tuple(
    f.attname
    for f in Transaction._meta.concrete_fields
    if not f.primary_key and f.name not in ("ledger", "created_at", "updated_at")
)


_BULK_NAMES = {f.attname: f.name for f in Transaction._meta.concrete_fields}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def transactions_update(*, ledger: Ledger, ids: list[UUID], changes: dict[str, Any]) -> int:
    """Applies the same `changes` to every transaction in `ids`, all or none; returns how
    many transactions there are (an id given twice counts once).

    Each transaction is checked by the rules of a single edit (`transaction_errors` with
    the changed fields), and its derived state follows as in `transaction_update`: rollup
    and ledger version, a split income split again when its amount, date or bucket
    changes, budgets told. Errors carry `row`, the id's index in `ids`; an id that is not
    one of this ledger's transactions is an error of field `ids` (422, never 404: the path
    names the ledger, the ids are data). The writes take a fixed number of queries
    whatever the number of ids: rows that end up with the same new values share one
    UPDATE (a handful: the changes are the same for all, only the defaults a kind gives
    differ)."""
    errors = [
        {"field": f"changes.{name}", "message": f"The {name} cannot be changed in bulk."}
        for name in BULK_FIXED_FIELDS
        if name in changes
    ]
    if not changes:
        errors.append({"field": "changes", "message": "Name at least one field to change."})
    if errors:
        raise Invalid("These changes cannot be made in bulk.", errors=errors)
    rows = {pk: row for row, pk in reversed(list(enumerate(ids)))}  # first index of each
    return _transactions_change(
        ledger=ledger, changes=dict.fromkeys(rows, changes), rows=rows, shared=changes
    )


def transactions_update_rows(*, ledger: Ledger, changes: dict[UUID, dict[str, Any]]) -> int:
    """Applies each transaction's own `changes` (id → changes; no kind, bank id, split lines
    or payee name), all or none, as `transactions_update` does — checks, rollup, allocation,
    budgets, one activity entry — in a fixed number of queries whatever the number of
    transactions: the rows are written with one bulk UPDATE. For a caller that brings many
    transactions in line at once (a group connected again: budget.groups)."""
    rows = {pk: row for row, pk in enumerate(changes)}
    return _transactions_change(ledger=ledger, changes=changes, rows=rows, shared=None)


def _transactions_change(
    *,
    ledger: Ledger,
    changes: dict[UUID, dict[str, Any]],
    rows: dict[UUID, int],
    shared: dict[str, Any] | None,
) -> int:
    """The bulk edit of `transactions_update` (`shared`: the changes every row takes) and
    `transactions_update_rows` (None: each row its own)."""
    with transaction.atomic():
        # Rows first, then the ledger, in the order the allocation locks them.
        txs = list(
            Transaction.objects.select_for_update()
            .filter(ledger=ledger, pk__in=list(rows))
            .order_by("created_at", "id")
        )
        ledger_lock(ledger_ids=[ledger.pk])
        transactions_changing.send(sender=Transaction, transactions=txs)
        if shared and "payee_name" in shared:  # one payee for all, found or created once
            named = {"payee_name": shared["payee_name"]}
            payees_resolve(ledger=ledger, items=[named])
            changes = {pk: {**shared, "payee": named["payee"]} for pk in changes}
        found = {tx.pk for tx in txs}
        errors = [
            {"row": row, "field": "ids", "message": "No such transaction in this ledger."}
            for pk, row in rows.items()
            if pk not in found
        ]
        lines_of, lines_data = _split_lines_of([tx.pk for tx in txs])
        items = [
            {**_transaction_data(tx), "splits": lines_data[tx.pk], **changes[tx.pk]} for tx in txs
        ]
        for tx, data in zip(txs, items, strict=True):
            if changes[tx.pk].get("category") and data["splits"]:
                data["splits"] = []  # SPEC §13: a category replaces the lines
        refs = references_load(ledger=ledger, items=items)
        for tx, data in zip(txs, items, strict=True):
            _base_reset(data, changes[tx.pk])
            found_errors = transaction_errors(data, refs, changed=set(changes[tx.pk]))
            errors += [{"row": rows[tx.pk], **e} for e in found_errors]
        if not errors:
            errors = _bases_fill(ledger, items, refs, rows=[rows[tx.pk] for tx in txs])
        if errors:
            errors.sort(key=lambda e: e["row"])
            bad = len({e["row"] for e in errors})
            raise Invalid(
                f"{bad} of {len(rows)} transactions cannot take these changes; "
                "nothing was changed.",
                errors=errors,
            )

        system_id = refs.system_bucket.pk
        splits: dict[UUID, dict[UUID, Decimal]] = defaultdict(dict)
        allocated = [tx.pk for tx in txs if tx.allocation_status == AllocationStatus.ALLOCATED]
        if allocated:
            for tx_id, bucket_id, amount in Allocation.objects.filter(
                transaction_id__in=allocated
            ).values_list("transaction_id", "bucket_id", "amount"):
                splits[tx_id][bucket_id] = amount
        plus, minus, dropped, resplit, unsplit, relined = [], [], [], [], [], []
        updates: dict[tuple, tuple[dict, list[UUID]]] = {}
        for tx, data in zip(txs, items, strict=True):
            before = {column: getattr(tx, column) for column in _BULK_COLUMNS}
            was_allocated = tx.allocation_status == AllocationStatus.ALLOCATED
            allocations = splits.get(tx.pk, {}) if was_allocated else {}
            lines = lines_of.get(tx.pk, [])
            minus += transaction_legs(
                tx, system_bucket_id=system_id, allocations=allocations, lines=lines
            )
            if lines and not data["splits"]:
                unsplit.append(tx.pk)
                lines = []
            elif lines and data["base_amount"] != tx.base_amount:
                relined.append((tx, data["splits"]))  # the lines' bases follow
                lines = [
                    Line(line["category"], line["bucket"], line["amount"], line["base_amount"])
                    for line in data["splits"]
                ]
            split_before = _split_key(tx)
            _transaction_fill(tx, data, refs.system_bucket)
            # As in transaction_update: the split stands unless its inputs changed.
            if was_allocated and tx.allocation_status == AllocationStatus.PENDING:
                if _split_key(tx) == split_before:
                    tx.allocation_status = AllocationStatus.ALLOCATED
                else:
                    resplit.append(tx)
            if was_allocated and tx.allocation_status != AllocationStatus.ALLOCATED:
                dropped.append(tx.pk)
                allocations = {}
            plus += transaction_legs(
                tx, system_bucket_id=system_id, allocations=allocations, lines=lines
            )
            new = {c: getattr(tx, c) for c in _BULK_COLUMNS if getattr(tx, c) != before[c]}
            if new:
                key = tuple(sorted((c, _hashable(v)) for c, v in new.items()))
                updates.setdefault(key, (new, []))[1].append(tx.pk)
        now = timezone.now()
        if shared is not None:  # a handful of value sets: one UPDATE each
            for values, pks in updates.values():
                Transaction.objects.filter(pk__in=pks).update(**values, updated_at=now)
        elif updates:  # a value set per row: one bulk UPDATE of the columns any row changed
            columns = {column for values, _ in updates.values() for column in values}
            changed = {pk for _, pks in updates.values() for pk in pks}
            written = [tx for tx in txs if tx.pk in changed]
            for tx in written:
                tx.updated_at = now
            Transaction.objects.bulk_update(
                written, [_BULK_NAMES[column] for column in sorted(columns)] + ["updated_at"]
            )
        if dropped:
            Allocation.objects.filter(transaction_id__in=dropped).delete()
        if unsplit:
            TransactionSplit.objects.filter(transaction_id__in=unsplit).delete()
        if relined:
            TransactionSplit.objects.filter(
                transaction_id__in=[tx.pk for tx, _ in relined]
            ).delete()
            TransactionSplit.objects.bulk_create(
                [row for tx, lines in relined for row in _split_rows(tx, lines, refs)]
            )
        rollup_apply(plus=plus, minus=minus)
        if resplit:
            _allocate(resplit)
        # An income that lost its bucket waits to be split, as a new one does.
        _allocation_enqueue(
            [tx.pk for tx in txs if tx.allocation_status == AllocationStatus.PENDING]
        )
        _written(ledger.pk, txs, created=False)
        activity.record(
            ledger_id=ledger.pk,
            action="update",
            object_type="transaction",
            summary=f"{len(txs)} transactions",
            # The old values differ from row to row: a bulk entry names the new ones.
            changes={name: [None, activity.plain(value)] for name, value in (shared or {}).items()},
            count=len(txs),
        )
    return len(txs)


UPDATE_BATCH = 500


def transactions_update_each(*, ledger: Ledger, changes: dict[UUID, dict[str, Any]]) -> int:
    """Applies each transaction's `changes` (id → changes) in one database transaction, each
    through `transaction_update`, so the rollup, allocation and budgets follow as for an
    edit; a change the rules refuse is a 422 and nothing is written. Returns the count."""
    ids = list(changes)
    with transaction.atomic():
        for start in range(0, len(ids), UPDATE_BATCH):
            batch = ledger.transactions.filter(pk__in=ids[start : start + UPDATE_BATCH])
            for tx in batch.order_by("created_at", "id"):
                transaction_update(tx=tx, changes=changes[tx.pk])
    return len(ids)


def transaction_delete(*, tx: Transaction) -> None:
    """Deletes the transaction and its allocations in one database transaction."""
    with transaction.atomic():
        tx = Transaction.objects.select_for_update().get(pk=tx.pk)
        transactions_changing.send(sender=Transaction, transactions=[tx])
        system_id = Bucket.objects.values_list("pk", flat=True).get(
            ledger_id=tx.ledger_id, is_system=True
        )
        allocations = (
            _allocations_of(tx) if tx.allocation_status == AllocationStatus.ALLOCATED else {}
        )
        lines = _lines_of([tx.pk])[tx.pk] if selectors.may_have_lines(tx) else []
        legs = transaction_legs(
            tx, system_bucket_id=system_id, allocations=allocations, lines=lines
        )
        transactions_deleted.send(
            sender=Transaction, ledger_id=tx.ledger_id, transactions=[tx], count=1
        )
        pk = tx.pk
        tx.delete()
        rollup_apply(minus=legs)
        activity.record(
            ledger_id=tx.ledger_id,
            action="delete",
            object_type="transaction",
            object_id=pk,
            summary=transaction_summary(tx),
        )


def transactions_delete(*, ledger: Ledger, filters: Q) -> int:
    """Deletes the ledger's transactions that match `filters`, and their allocations, in
    one database transaction, keeping the rollup in step; returns how many went.

    For many rows at once (undoing an import of 100 000): the rows are locked first, in
    the order the allocation locks them, so a concurrent allocation task waits instead of
    deadlocking; their legs are taken off the rollups in grouped SQL (`rollup_add`), and
    the rows, their allocations and their split lines go with one statement each."""
    rows = Transaction.objects.filter(filters, ledger=ledger)
    with transaction.atomic():
        count = len(
            rows.select_for_update().order_by("created_at", "id").values_list("pk", flat=True)
        )
        if not count:
            return 0
        rollup_add(transactions=rows, sign=-1)
        allocations = Allocation.objects.filter(ledger=ledger, transaction__in=rows.values("pk"))
        split_lines = TransactionSplit.objects.filter(
            ledger=ledger, transaction__in=rows.values("pk")
        )
        allocations._raw_delete(allocations.db)  # nothing points at an allocation
        split_lines._raw_delete(split_lines.db)  # nor at a line
        # Apps whose rows point at transactions (attachments: budget.receipts) delete them
        # here and answer with their model.
        emptied = {Allocation, TransactionSplit} | {
            model
            for _, model in transactions_deleting.send(
                sender=Transaction, ledger_id=ledger.pk, rows=rows
            )
        }
        if {rel.related_model for rel in Transaction._meta.related_objects} <= emptied:
            # Nothing but what is gone above points at a transaction, so one
            # DELETE does; Django's collector would first fetch every row.
            rows._raw_delete(rows.db)
        else:
            rows.delete()
        transactions_deleted.send(
            sender=Transaction, ledger_id=ledger.pk, transactions=[], count=count
        )
    return count


# --- Allocation ---------------------------------------------------------------------------

ALLOCATE_BATCH = 500


def incomes_allocate(*, ids: Iterable[UUID] | None = None, ledger: Ledger | None = None) -> int:
    """Splits pending incomes across their ledger's buckets; returns how many it split.

    Idempotent: the incomes are locked and re-read as pending inside the transaction, so
    a second task, or a second worker on the same income, finds nothing left to do.
    """
    ids = list(ids) if ids is not None else None
    allocated = 0
    while True:
        with transaction.atomic():
            pending = Transaction.objects.select_for_update().filter(
                kind=Kind.INCOME, allocation_status=AllocationStatus.PENDING, bucket__isnull=True
            )
            if ids is not None:
                pending = pending.filter(pk__in=ids)
            if ledger is not None:
                pending = pending.filter(ledger=ledger)
            batch = list(pending.order_by("created_at", "id")[:ALLOCATE_BATCH])
            if not batch:
                return allocated
            _allocate(batch)
            allocated += len(batch)
        if ids is not None and len(batch) < ALLOCATE_BATCH:
            return allocated


def _allocate(incomes: list[Transaction]) -> None:
    ledger_ids = {tx.ledger_id for tx in incomes}
    # Buckets are read under the ledger lock that bucket changes take too.
    ledger_lock(ledger_ids=ledger_ids)
    shares: dict[UUID, list[Share]] = {lid: [] for lid in ledger_ids}
    system: dict[UUID, UUID] = {}
    unit: dict[UUID, int] = {}  # the base currency's decimals: parts are base amounts
    buckets = Bucket.objects.filter(ledger_id__in=ledger_ids, archived=False).select_related(
        "ledger"
    )
    for bucket in buckets.order_by("created_at", "id"):
        if bucket.is_system:
            system[bucket.ledger_id] = bucket.pk
            unit[bucket.ledger_id] = places(bucket.ledger.currency)
        elif bucket.allocation_percent:
            shares[bucket.ledger_id].append(
                Share(bucket.pk, bucket.allocation_percent, bucket.created_at)
            )
    rows, plus, minus = [], [], []
    lines = _lines_of(tx.pk for tx in incomes)
    for tx in incomes:
        system_id, tx_lines = system[tx.ledger_id], lines.get(tx.pk)
        minus += transaction_legs(tx, system_bucket_id=system_id, lines=tx_lines)
        # A split income: its whole amount; in another currency: its base amount (SPEC §14).
        parts, _ = split(tx.base_amount, shares[tx.ledger_id], places=unit[tx.ledger_id])
        rows += [
            Allocation(ledger_id=tx.ledger_id, transaction=tx, bucket_id=b, amount=a)
            for b, a in parts.items()
        ]
        tx.allocation_status = AllocationStatus.ALLOCATED
        plus += transaction_legs(tx, system_bucket_id=system_id, allocations=parts, lines=tx_lines)
    Allocation.objects.bulk_create(rows)
    Transaction.objects.filter(pk__in=[tx.pk for tx in incomes]).update(
        allocation_status=AllocationStatus.ALLOCATED, updated_at=timezone.now()
    )
    rollup_apply(plus=plus, minus=minus)
