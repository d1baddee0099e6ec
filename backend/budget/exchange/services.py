"""Restoring an exported ledger document into a new ledger (`POST /ledgers/import-json`).

The whole document is checked first, with the same transaction rules as every other write
(`budget.money.rules`), against references built from the document itself; then
everything is created in one database transaction, in bulk. Split incomes keep their
stored allocations exactly (no re-split with today's percents), and the rollup is rebuilt
from the rows at the end.
"""

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from pydantic import ValidationError as PydanticValidationError

from budget.accounts.models import User
from budget.common.errors import Invalid
from budget.common.handlers import clean_message
from budget.exchange.schemas import LedgerDocument
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_create
from budget.money.models import (
    Allocation,
    AllocationStatus,
    Bucket,
    Category,
    Kind,
    Transaction,
    Wallet,
)
from budget.money.rollup import rollup_rebuild
from budget.money.rules import REFERENCE_FIELDS, References, transaction_errors

ZERO = Decimal("0.00")
MAX_TRANSACTIONS = 200_000


def _max_transactions() -> int:
    return getattr(settings, "EXCHANGE_IMPORT_MAX_TRANSACTIONS", MAX_TRANSACTIONS)


def document_parse(raw: Any) -> LedgerDocument:
    """The document's shape and values; 422 naming every bad field (`transactions.3.amount`)."""
    if isinstance(raw, dict):
        transactions = raw.get("transactions")
        if isinstance(transactions, list) and len(transactions) > _max_transactions():
            raise Invalid(
                f"A restore takes at most {_max_transactions()} transactions.",
                field="transactions",
            )
    try:
        return LedgerDocument.model_validate(raw)
    except PydanticValidationError as error:
        errors = [
            {
                "field": ".".join(map(str, e["loc"])) or "body",
                "message": clean_message(e["msg"]),
            }
            for e in error.errors()
        ]
        raise _invalid(errors) from error


def _invalid(errors: list[dict[str, str]]) -> Invalid:
    fields = ", ".join(dict.fromkeys(e["field"] for e in errors[:20]))
    return Invalid(f"The ledger document is invalid; nothing was created: {fields}.", errors=errors)


def _stand_ins(doc: LedgerDocument, errors: list[dict[str, str]]) -> References:
    """References keyed by the document's own ids, as unsaved model instances, so
    `transaction_errors` checks the document as it checks a request."""
    refs = References()
    sections = (
        ("wallets", doc.wallets, refs.wallets, lambda w: Wallet(name=w.name, kind=w.kind)),
        (
            "buckets",
            doc.buckets,
            refs.buckets,
            lambda b: Bucket(name=b.name, is_system=b.is_system),
        ),
        (
            "categories",
            doc.categories,
            refs.categories,
            lambda c: Category(name=c.name, type=c.type),
        ),
    )
    for section, items, lookup, build in sections:
        names: set[str] = set()
        for index, item in enumerate(items):
            if item.id in lookup:
                errors.append(
                    {"field": f"{section}.{index}.id", "message": "This id is used twice."}
                )
            key = item.name.casefold()
            if key in names:
                errors.append(
                    {"field": f"{section}.{index}.name", "message": "This name is used twice."}
                )
            names.add(key)
            obj = build(item)
            obj.archived = item.archived
            lookup[item.id] = obj
    systems = [i for i, b in enumerate(doc.buckets) if b.is_system]
    if len(systems) != 1:
        errors.append(
            {"field": "buckets", "message": "Exactly one bucket must be the system bucket."}
        )
    else:
        system = doc.buckets[systems[0]]
        refs.system_bucket = refs.buckets[system.id]
        if system.allocation_percent is not None or system.archived:
            errors.append(
                {
                    "field": f"buckets.{systems[0]}",
                    "message": "The system bucket has no percentage and cannot be archived.",
                }
            )
    total = ZERO
    for index, bucket in enumerate(doc.buckets):
        if not bucket.is_system and bucket.allocation_percent is None:
            errors.append(
                {
                    "field": f"buckets.{index}.allocation_percent",
                    "message": "A percentage is required.",
                }
            )
        elif not bucket.is_system and not bucket.archived:
            total += bucket.allocation_percent
    if total > 100:
        errors.append(
            {
                "field": "buckets",
                "message": f"Allocation percentages add up to {total:.2f} %; the most is 100 %.",
            }
        )
    return refs


def _allocation_errors(index: int, tx, refs: References) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    prefix = f"transactions.{index}"
    split_income = tx.kind == Kind.INCOME and not tx.bucket
    status = tx.allocation_status or _default_status(tx)
    if tx.allocation_status is not None:
        allowed = (
            {AllocationStatus.PENDING, AllocationStatus.ALLOCATED}
            if split_income
            else {AllocationStatus.NOT_APPLICABLE}
        )
        if status not in allowed:
            errors.append(
                {
                    "field": f"{prefix}.allocation_status",
                    "message": f"Must be one of {', '.join(sorted(allowed))} for this transaction.",
                }
            )
    if tx.allocations and status != AllocationStatus.ALLOCATED:
        errors.append(
            {
                "field": f"{prefix}.allocations",
                "message": "Only an allocated income has allocations.",
            }
        )
        return errors
    seen: set[str] = set()
    total = ZERO
    for j, part in enumerate(tx.allocations):
        bucket = refs.buckets.get(part.bucket)
        if bucket is None or bucket.is_system:
            errors.append(
                {
                    "field": f"{prefix}.allocations.{j}.bucket",
                    "message": "No such bucket in this ledger.",
                }
            )
        elif part.bucket in seen:
            errors.append(
                {
                    "field": f"{prefix}.allocations.{j}.bucket",
                    "message": "This bucket appears twice.",
                }
            )
        seen.add(part.bucket)
        if part.amount <= 0:
            errors.append(
                {
                    "field": f"{prefix}.allocations.{j}.amount",
                    "message": "The amount must be greater than zero.",
                }
            )
        total += part.amount
    if tx.allocations and total > tx.amount:
        errors.append(
            {
                "field": f"{prefix}.allocations",
                "message": "The allocations exceed the income's amount.",
            }
        )
    return errors


def document_errors(doc: LedgerDocument) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    refs = _stand_ins(doc, errors)
    if refs.system_bucket is None:
        return errors
    seen: set[str] = set()
    for index, tx in enumerate(doc.transactions):
        if tx.id is not None:
            if tx.id in seen:
                errors.append(
                    {"field": f"transactions.{index}.id", "message": "This id is used twice."}
                )
            seen.add(tx.id)
        data = tx.model_dump()
        # changed=set(): an archived wallet or category was not archived when it was used.
        for e in transaction_errors(data, refs, changed=set()):
            errors.append({"field": f"transactions.{index}.{e['field']}", "message": e["message"]})
        errors += _allocation_errors(index, tx, refs)
    return errors


def _ordered_ids(count: int) -> list[uuid.UUID]:
    """Fresh ids that sort in the document's order, so ties on created_at (rows made in
    the same microsecond) still list, split and export in the original order."""
    base = uuid.uuid4().int >> 64 << 64
    return [uuid.UUID(int=base + i) for i in range(count)]


def ledger_restore(*, owner: User, document: LedgerDocument) -> Ledger:
    """Creates a new ledger, owned by `owner`, from an exported document; all or nothing."""
    errors = document_errors(document)
    if errors:
        raise _invalid(errors)
    doc = document
    with transaction.atomic():
        ledger = ledger_create(name=doc.ledger.name, owner=owner, currency=doc.ledger.currency)
        # The document brings its own categories instead of the defaults.
        Category.objects.filter(ledger=ledger).delete()
        system = Bucket.objects.get(ledger=ledger, is_system=True)
        ids: dict[str, dict[str, uuid.UUID]] = {"wallets": {}, "buckets": {}, "categories": {}}

        wallets = [
            Wallet(
                id=pk,
                ledger=ledger,
                name=w.name,
                name_key=w.name.casefold()[:100],
                kind=w.kind,
                archived=w.archived,
            )
            for pk, w in zip(_ordered_ids(len(doc.wallets)), doc.wallets, strict=True)
        ]
        Wallet.objects.bulk_create(wallets)
        ids["wallets"] = {w.id: obj.pk for w, obj in zip(doc.wallets, wallets, strict=True)}

        others = [b for b in doc.buckets if not b.is_system]
        buckets = [
            Bucket(
                id=pk,
                ledger=ledger,
                name=b.name,
                name_key=b.name.casefold()[:100],
                allocation_percent=b.allocation_percent,
                archived=b.archived,
            )
            for pk, b in zip(_ordered_ids(len(others)), others, strict=True)
        ]
        Bucket.objects.bulk_create(buckets)
        ids["buckets"] = {b.id: obj.pk for b, obj in zip(others, buckets, strict=True)}
        system_doc = next(b for b in doc.buckets if b.is_system)
        ids["buckets"][system_doc.id] = system.pk
        if system.name != system_doc.name:
            system.name = system_doc.name
            system.save(update_fields=["name"])

        categories = [
            Category(
                id=pk,
                ledger=ledger,
                name=c.name,
                name_key=c.name.casefold()[:100],
                type=c.type,
                archived=c.archived,
            )
            for pk, c in zip(_ordered_ids(len(doc.categories)), doc.categories, strict=True)
        ]
        Category.objects.bulk_create(categories)
        ids["categories"] = {
            c.id: obj.pk for c, obj in zip(doc.categories, categories, strict=True)
        }

        group = {
            "category": "categories",
            "wallet": "wallets",
            "from_wallet": "wallets",
            "to_wallet": "wallets",
        }
        txs, allocations = [], []
        for pk, item in zip(_ordered_ids(len(doc.transactions)), doc.transactions, strict=True):
            tx = Transaction(
                id=pk,
                ledger=ledger,
                kind=item.kind,
                date=item.date,
                amount=item.amount,
                description=item.description,
                notes=item.notes,
                tags=list(item.tags),
                allocation_status=item.allocation_status or _default_status(item),
            )
            for name in REFERENCE_FIELDS:
                ref = getattr(item, name)
                mapped = ids[group.get(name, "buckets")][ref] if ref else None
                setattr(tx, f"{name}_id", mapped)
            if tx.kind in (Kind.EXPENSE, Kind.ADJUSTMENT) and not tx.bucket_id:
                tx.bucket_id = system.pk
            txs.append(tx)
            allocations += [
                Allocation(transaction_id=pk, bucket_id=ids["buckets"][a.bucket], amount=a.amount)
                for a in item.allocations
            ]
        Transaction.objects.bulk_create(txs, batch_size=1000)
        Allocation.objects.bulk_create(allocations, batch_size=1000)
        rollup_rebuild(ledger_id=ledger.pk)
    return ledger


def _default_status(item) -> str:
    if item.kind == Kind.INCOME and not item.bucket:
        return AllocationStatus.ALLOCATED if item.allocations else AllocationStatus.PENDING
    return AllocationStatus.NOT_APPLICABLE
