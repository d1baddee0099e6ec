"""Restoring an exported ledger document into a new ledger (`POST /ledgers/import-json`).

The whole document is checked first, with the same transaction rules as every other write
(`budget.money.rules`), against references built from the document itself; then
everything is created in one database transaction, in bulk. Split incomes keep their
stored allocations exactly (no re-split with today's percents), and the rollup is rebuilt
from the rows at the end.

Planning comes back as it was: templates keep `last_date`/`next_date` and no occurrence is
made (the daily job goes on from there); budgets keep the record of alerts already sent and
nothing is queued, so no notification goes out for the past. Budgets and goals are checked
by the planning services' own rules once the ledger's categories and buckets exist, in the
same database transaction; every error of the document still comes in one 422.
"""

import contextlib
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from pydantic import ValidationError as PydanticValidationError

from budget.accounts.models import User
from budget.common import activity
from budget.common.currencies import currency_check
from budget.common.errors import Conflict, Invalid
from budget.common.handlers import clean_message
from budget.common.money import base_currency_set
from budget.exchange.schemas import LedgerDocument, RecurringDoc
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_create
from budget.money.models import (
    REFERENCE_FIELDS,
    REFERENCE_GROUP,
    Allocation,
    AllocationStatus,
    Bucket,
    Category,
    CategoryType,
    Payee,
    Transaction,
    TransactionSplit,
    Wallet,
    name_key,
)
from budget.money.rollup import rollup_rebuild
from budget.money.rules import (
    References,
    percent_sum_error,
    reference_error,
    transaction_defaults,
    transaction_errors,
)
from budget.planning.models import Budget, BudgetAlert, Goal, RecurringTransaction
from budget.planning.services import (
    budget_category_error,
    budget_check,
    goal_check,
    template_next_date,
)
from budget.rates.models import LedgerRate

ZERO = Decimal("0.00")
RESTORE_BATCH = 1000


def _max_transactions() -> int:
    return settings.EXCHANGE_IMPORT_MAX_TRANSACTIONS


def document_parse(raw: Any) -> LedgerDocument:
    """The document's shape and values; 422 naming every bad field (`transactions.3.amount`).

    The document's base-currency amounts (allocations, budgets, goals) are read with the
    decimals of its ledger's currency, the request's ledger from here on (SPEC §14: 1.250
    in a KWD ledger, whole yen in a JPY one)."""
    if isinstance(raw, dict):
        transactions = raw.get("transactions")
        if isinstance(transactions, list) and len(transactions) > _max_transactions():
            raise Invalid(
                f"A restore takes at most {_max_transactions()} transactions.",
                field="transactions",
            )
        ledger = raw.get("ledger")
        currency = ledger.get("currency", "EUR") if isinstance(ledger, dict) else None
        if isinstance(currency, str):
            with contextlib.suppress(ValueError):  # named as `ledger.currency` below
                base_currency_set(currency_check(currency))
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
    base = doc.ledger.currency
    refs = References(base=base)
    sections = (
        (
            "wallets",
            doc.wallets,
            refs.wallets,
            lambda w: Wallet(name=w.name, kind=w.kind, currency=w.currency or base),
        ),
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
        ("payees", doc.payees, refs.payees, lambda p: Payee(name=p.name)),
    )
    for section, items, lookup, build in sections:
        names: set[str] = set()
        for index, item in enumerate(items):
            if item.id in lookup:
                errors.append(
                    {"field": f"{section}.{index}.id", "message": "This id is used twice."}
                )
            key = name_key(item.name)
            if key in names:
                errors.append(
                    {"field": f"{section}.{index}.name", "message": "This name is used twice."}
                )
            names.add(key)
            obj = build(item)
            obj.archived = getattr(item, "archived", False)
            lookup[item.id] = obj
    for index, category in enumerate(doc.categories):
        if category.default_bucket is None:
            continue
        if category.default_bucket not in refs.buckets:
            message = "No bucket of the document has this id."
        elif category.type != CategoryType.EXPENSE:
            message = "Only an expense category has a default bucket."
        else:
            continue
        errors.append({"field": f"categories.{index}.default_bucket", "message": message})
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
    message = percent_sum_error(total)
    if message:
        errors.append({"field": "buckets", "message": message})
    return refs


def _allocation_errors(index: int, tx, refs: References) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    prefix = f"transactions.{index}"
    _, default = transaction_defaults(kind=tx.kind, bucket_id=tx.bucket, system_bucket_id=None)
    split_income = default == AllocationStatus.PENDING
    status = tx.allocation_status or _stored_split(default, tx)
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
        # Unallocated takes no part of a split; an archived bucket may hold an old one.
        message = reference_error(
            None if bucket is None or bucket.is_system else bucket, noun="bucket", archived_ok=True
        )
        if message:
            errors.append(_error(f"{prefix}.allocations.{j}.bucket", message))
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
    # Allocations move buckets, which are in the base currency (SPEC §14).
    if tx.allocations and total > (tx.amount if tx.base_amount is None else tx.base_amount):
        errors.append(
            {
                "field": f"{prefix}.allocations",
                "message": "The allocations exceed the income's amount.",
            }
        )
    return errors


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _template_errors(doc: LedgerDocument, refs: References) -> list[dict[str, str]]:
    """Each template's fields as a new transaction dated `start_date` (what planning's
    `_check` does), its schedule, and where the schedule stands.

    RECURRING_MAX_CATCH_UP is not checked: it bounds what one run makes at once, and a
    restore makes nothing; a template far behind catches up in runs, as it would have."""
    errors: list[dict[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(doc.recurring):
        prefix = f"recurring.{index}"
        if item.id in seen:
            errors.append(_error(f"{prefix}.id", "This id is used twice."))
        seen.add(item.id)
        data = {**item.model_dump(), "date": item.start_date}
        for e in transaction_errors(data, refs, changed=set()):
            errors.append(_error(f"{prefix}.{e['field']}", e["message"]))
        if item.end_date is not None and item.end_date < item.start_date:
            errors.append(
                _error(f"{prefix}.end_date", "The end date cannot be before the start date.")
            )
        elif "next_date" in item.model_fields_set and item.next_date != (
            expected := _schedule_next(item)
        ):
            errors.append(
                _error(
                    f"{prefix}.next_date",
                    "The next date must be the schedule's first date after last_date: "
                    f"{expected.isoformat() if expected else 'none (the schedule is over)'}.",
                )
            )
    return errors


def _schedule_next(item: RecurringDoc) -> date | None:
    """The schedule's first date after `last_date`: what planning stores as `next_date`."""
    template = RecurringTransaction(
        start_date=item.start_date,
        frequency=item.frequency,
        interval=item.interval,
        end_date=item.end_date,
        last_date=item.last_date,
    )
    return template_next_date(template)


def _occurrence_errors(doc: LedgerDocument) -> list[dict[str, str]]:
    """A transaction's `recurring` is a template of the document; an occurrence has its
    date, is made once, and is not newer than its template's `last_date`."""
    errors: list[dict[str, str]] = []
    templates = {item.id: item for item in doc.recurring}
    made: dict[tuple[str, Any], int] = {}
    for index, tx in enumerate(doc.transactions):
        if tx.recurring is None:
            continue
        prefix = f"transactions.{index}"
        template = templates.get(tx.recurring)
        if template is None:
            errors.append(_error(f"{prefix}.recurring", "No such recurring transaction."))
        elif tx.recurring_date is None:
            errors.append(
                _error(
                    f"{prefix}.recurring_date",
                    "An occurrence of a recurring transaction needs its recurring_date.",
                )
            )
        elif (tx.recurring, tx.recurring_date) in made:
            other = made[tx.recurring, tx.recurring_date]
            errors.append(
                _error(
                    f"{prefix}.recurring_date",
                    f"transactions.{other} is already this occurrence of the template.",
                )
            )
        else:
            made[tx.recurring, tx.recurring_date] = index
            if template.last_date is None or template.last_date < tx.recurring_date:
                last = template.last_date.isoformat() if template.last_date else "none"
                errors.append(
                    _error(
                        f"{prefix}.recurring_date",
                        f"This occurrence is newer than its template's last_date ({last}), "
                        "which is the newest occurrence made.",
                    )
                )
    return errors


def _budget_goal_errors(doc: LedgerDocument, refs: References) -> list[dict[str, str]]:
    """What needs the document's categories and buckets: a budget's category is one of
    them and an expense category (archived is fine: it was not when the budget was set),
    a goal's bucket is one of them. The other rules are the planning services' own, run
    by `_planning_create`."""
    errors: list[dict[str, str]] = []
    for section, items in (("budgets", doc.budgets), ("goals", doc.goals)):
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.id in seen:
                errors.append(_error(f"{section}.{index}.id", "This id is used twice."))
            seen.add(item.id)
    for index, budget in enumerate(doc.budgets):
        message = budget_category_error(refs.categories.get(budget.category), archived_ok=True)
        if message:
            errors.append(_error(f"budgets.{index}.category", message))
        sent: set[tuple[Any, str]] = set()
        for j, alert in enumerate(budget.alerts):
            key = (alert.month, alert.threshold)
            if key in sent:
                errors.append(_error(f"budgets.{index}.alerts.{j}", "This alert appears twice."))
            sent.add(key)
    for index, goal in enumerate(doc.goals):
        message = reference_error(refs.buckets.get(goal.bucket), noun="bucket", archived_ok=True)
        if message:
            errors.append(_error(f"goals.{index}.bucket", message))
    return errors


def document_errors(doc: LedgerDocument) -> list[dict[str, str]]:
    """Every error found without the database; `_planning_create` adds those of budgets
    and goals that the planning services find."""
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
    errors += _occurrence_errors(doc)
    errors += _rate_errors(doc)
    errors += _template_errors(doc, refs)
    errors += _budget_goal_errors(doc, refs)
    return errors


def _rate_errors(doc: LedgerDocument) -> list[dict[str, str]]:
    """SPEC §14: a rate is of another currency than the ledger's, one per currency and day."""
    errors, seen = [], set()
    for index, rate in enumerate(doc.rates):
        if rate.currency == doc.ledger.currency:
            message = f"{rate.currency} is this ledger's own currency: its rate is always 1."
            errors.append(_error(f"rates.{index}.currency", message))
        elif (rate.currency, rate.date) in seen:
            message = f"The {rate.currency} rate of {rate.date.isoformat()} is given twice."
            errors.append(_error(f"rates.{index}.date", message))
        seen.add((rate.currency, rate.date))
    return errors


def _ordered_ids(count: int) -> list[uuid.UUID]:
    """Fresh ids that sort in the document's order, so ties on created_at (rows made in
    the same microsecond) still list, split and export in the original order."""
    base = uuid.uuid4().int >> 64 << 64
    return [uuid.UUID(int=base + i) for i in range(count)]


_BASE_SECTIONS = ("ledger", "wallets", "buckets", "categories")


def ledger_restore(*, owner: User, document: LedgerDocument) -> Ledger:
    """Creates a new ledger, owned by `owner`, from an exported document; all or nothing."""
    doc = document
    errors = document_errors(doc)
    if any(e["field"].split(".")[0] in _BASE_SECTIONS for e in errors):
        # Without sound wallets, buckets and categories there is nothing to check the
        # budgets and goals against.
        raise _invalid(errors)
    with transaction.atomic():
        ledger, ids, system = _base_create(owner, doc)
        errors += _planning_create(ledger, doc, ids, skip={e["field"] for e in errors})
        if errors:
            raise _invalid(errors)  # rolls back what was created

        templates = []
        for pk, item in zip(_ordered_ids(len(doc.recurring)), doc.recurring, strict=True):
            template = RecurringTransaction(
                id=pk,
                ledger=ledger,
                frequency=item.frequency,
                interval=item.interval,
                start_date=item.start_date,
                end_date=item.end_date,
                active=item.active,
                last_date=item.last_date,
            )
            # As exported (checked above); worked out when the document leaves it out.
            given = "next_date" in item.model_fields_set
            template.next_date = item.next_date if given else _schedule_next(item)
            template.shared_set(item.model_dump())
            _references_set(template, item, ids)
            templates.append(template)
        RecurringTransaction.objects.bulk_create(templates)
        LedgerRate.objects.bulk_create(
            (
                LedgerRate(ledger=ledger, currency=r.currency, date=r.date, rate=r.rate)
                for r in doc.rates
            ),
            batch_size=RESTORE_BATCH,
        )
        ids["recurring"] = {
            item.id: obj.pk for item, obj in zip(doc.recurring, templates, strict=True)
        }

        currencies = dict(Wallet.objects.filter(ledger=ledger).values_list("pk", "currency"))
        txs, allocations, lines = [], [], []
        for pk, item in zip(_ordered_ids(len(doc.transactions)), doc.transactions, strict=True):
            if len(txs) == RESTORE_BATCH:  # rows go in batches: memory stays bounded
                Transaction.objects.bulk_create(txs)
                Allocation.objects.bulk_create(allocations, batch_size=RESTORE_BATCH)
                TransactionSplit.objects.bulk_create(lines, batch_size=RESTORE_BATCH)
                txs, allocations, lines = [], [], []
            tx = Transaction(
                id=pk,
                ledger=ledger,
                date=item.date,
                recurring_id=ids["recurring"][item.recurring] if item.recurring else None,
                recurring_date=item.recurring_date,
                external_id=item.external_id,
            )
            tx.shared_set(item.model_dump())
            _references_set(tx, item, ids)
            # SPEC §14: in its wallet's currency, worth its base amount (the amount itself in
            # the base currency; a document before currencies has only those).
            tx.currency = currencies.get(tx.wallet_id or tx.from_wallet_id) or ledger.currency
            tx.base_amount = (
                item.base_amount
                if tx.currency != ledger.currency and item.base_amount is not None
                else tx.amount
            )
            if tx.currency != ledger.currency and item.base_amount is None:
                raise _invalid(
                    [_error(f"transactions.{len(txs)}.base_amount", "Give the base amount.")]
                )
            tx.bucket_id, status = transaction_defaults(
                kind=tx.kind, bucket_id=tx.bucket_id, system_bucket_id=system.pk
            )
            tx.allocation_status = item.allocation_status or _stored_split(status, item)
            txs.append(tx)
            allocations += [
                Allocation(
                    ledger=ledger,
                    transaction_id=pk,
                    bucket_id=ids["buckets"][a.bucket],
                    amount=a.amount,
                )
                for a in item.allocations
            ]
            lines += [
                TransactionSplit(
                    ledger=ledger,
                    transaction_id=pk,
                    category_id=ids["categories"][line.category],
                    bucket_id=ids["buckets"][line.bucket] if line.bucket else None,
                    amount=line.amount,
                    base_amount=line.amount if line.base_amount is None else line.base_amount,
                    description=line.description,
                    position=position,
                )
                for position, line in enumerate(item.splits)
            ]
        # Straight to the table, not through transactions_create: nothing is queued (no
        # allocation, no budget check), and the rollup is rebuilt once below.
        Transaction.objects.bulk_create(txs)
        Allocation.objects.bulk_create(allocations, batch_size=RESTORE_BATCH)
        TransactionSplit.objects.bulk_create(lines, batch_size=RESTORE_BATCH)
        rollup_rebuild(ledger_id=ledger.pk)
        activity.record(
            ledger_id=ledger.pk,
            action="restore",
            object_type="ledger",
            object_id=ledger.pk,
            summary=f"{ledger.name}: {len(doc.transactions)} transactions from a document",
            count=len(doc.transactions),
        )
    return ledger


def _references_set(obj, item, ids: dict[str, dict[str, uuid.UUID]]) -> None:
    """The document's references of a transaction or template, as the new ids."""
    for name in REFERENCE_FIELDS:
        ref = getattr(item, name)
        setattr(obj, f"{name}_id", ids[REFERENCE_GROUP[name]][ref] if ref else None)


def _base_create(
    owner: User, doc: LedgerDocument
) -> tuple[Ledger, dict[str, dict[str, uuid.UUID]], Bucket]:
    """The ledger, its wallets, buckets and categories; the document's ids → new ids."""
    ledger = ledger_create(name=doc.ledger.name, owner=owner, currency=doc.ledger.currency)
    # The document brings its own categories instead of the defaults.
    Category.objects.filter(ledger=ledger).delete()
    system = Bucket.objects.get(ledger=ledger, is_system=True)
    ids: dict[str, dict[str, uuid.UUID]] = {}

    wallets = [
        Wallet(
            id=pk,
            ledger=ledger,
            name=w.name,
            name_key=name_key(w.name),
            kind=w.kind,
            currency=w.currency or ledger.currency,
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
            name_key=name_key(b.name),
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
            name_key=name_key(c.name),
            type=c.type,
            group=(c.group or "").strip(),
            default_bucket_id=ids["buckets"].get(c.default_bucket) if c.default_bucket else None,
            archived=c.archived,
        )
        for pk, c in zip(_ordered_ids(len(doc.categories)), doc.categories, strict=True)
    ]
    Category.objects.bulk_create(categories)
    ids["categories"] = {c.id: obj.pk for c, obj in zip(doc.categories, categories, strict=True)}
    ids["payees"] = _payees_create(ledger, doc)
    return ledger, ids, system


def _payees_create(ledger: Ledger, doc: LedgerDocument) -> dict[str, uuid.UUID]:
    """The document's payees, and those its transactions and templates name only by
    `payee_name` (a hand-written document); document id (or name key) → new id. A
    `payee_name` is kept on its item as the reference (`payee`) it stands for."""
    payees = [
        Payee(id=pk, ledger=ledger, name=p.name, name_key=name_key(p.name))
        for pk, p in zip(_ordered_ids(len(doc.payees)), doc.payees, strict=True)
    ]
    by_key = {payee.name_key: payee for payee in payees}
    ids = {p.id: obj.pk for p, obj in zip(doc.payees, payees, strict=True)}
    for item in (*doc.recurring, *doc.transactions):
        name = (item.payee_name or "").strip()
        if item.payee is not None or not name:
            continue
        key = name_key(name)
        if key not in by_key:
            by_key[key] = Payee(ledger=ledger, name=name, name_key=key)
            payees.append(by_key[key])
        ids.setdefault(f"name:{key}", by_key[key].pk)
        item.payee = f"name:{key}"
    Payee.objects.bulk_create(payees, batch_size=RESTORE_BATCH)
    return ids


def _planning_create(
    ledger: Ledger,
    doc: LedgerDocument,
    ids: dict[str, dict[str, uuid.UUID]],
    *,
    skip: set[str],
) -> list[dict[str, str]]:
    """Budgets (with the alerts already sent) and goals, each checked by the planning
    services' own rules (`budget_check`, `goal_check`; changed=set(): an archived
    category or bucket was not archived when it was chosen); their errors, named
    `budgets.2.amount`. Items the document check already refused (`skip`) are left out.

    Budgets are saved one by one so that each is checked for overlap against the ones
    before it; nothing is queued (`budget_create` would check the current month's alerts)."""
    errors: list[dict[str, str]] = []
    refused = {".".join(field.split(".")[:2]) for field in skip}
    alerts = []
    for pk, (index, item) in zip(
        _ordered_ids(len(doc.budgets)), enumerate(doc.budgets), strict=True
    ):
        if f"budgets.{index}" in refused:
            continue
        data = {
            "category": ids["categories"][item.category],
            "amount": item.amount,
            "alert_percent": item.alert_percent,
            "rollover": item.rollover,
            "start_month": item.start_month,
            "end_month": item.end_month,
        }
        try:
            budget_check(ledger=ledger, data=data, changed=set(), budget_id=None)
        except Invalid as error:
            errors += [_error(f"budgets.{index}.{e['field']}", e["message"]) for e in error.errors]
            continue
        except Conflict as error:
            errors.append(_error(f"budgets.{index}.start_month", error.detail))
            continue
        budget = Budget(id=pk, ledger=ledger, category_id=data.pop("category"), **data)
        budget.save(force_insert=True)
        alerts += [
            BudgetAlert(ledger=ledger, budget=budget, month=a.month, threshold=a.threshold)
            for a in item.alerts
        ]
    BudgetAlert.objects.bulk_create(alerts, batch_size=1000)

    goals = []
    for pk, (index, item) in zip(_ordered_ids(len(doc.goals)), enumerate(doc.goals), strict=True):
        if f"goals.{index}" in refused:
            continue
        data = {
            "name": item.name,
            "bucket": ids["buckets"][item.bucket],
            "target_amount": item.target_amount,
            "target_date": item.target_date,
        }
        try:
            goal_check(ledger=ledger, data=data, changed=set())
        except Invalid as error:
            errors += [_error(f"goals.{index}.{e['field']}", e["message"]) for e in error.errors]
            continue
        goals.append(Goal(id=pk, ledger=ledger, bucket_id=data.pop("bucket"), **data))
    Goal.objects.bulk_create(goals)
    return errors


def _stored_split(status: str, item) -> str:
    """A split income that the document gives allocations was split already."""
    if status == AllocationStatus.PENDING and item.allocations:
        return AllocationStatus.ALLOCATED
    return status
