"""Every write about recurring transactions.

A template holds the transaction fields of SPEC §2 and a schedule. Its fields are checked
with the very rules a new transaction is (`budget.money.rules`), and its occurrences are
made by `budget.money.services.transactions_create`, so balances, allocation and the report
cache behave as for any other transaction.
"""

from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from budget.common.errors import Invalid
from budget.ledgers.models import Ledger
from budget.money import services as money
from budget.money.models import Kind, Transaction
from budget.money.rules import ALLOWED, REFERENCE_FIELDS, references_load, transaction_errors
from budget.planning.models import RecurringTransaction
from budget.planning.schedule import occurrences

TEMPLATE_FIELDS = ("kind", "amount", "description", "notes", "tags", *REFERENCE_FIELDS)
SCHEDULE_FIELDS = ("frequency", "interval", "start_date", "end_date", "active")


def _data(template: RecurringTransaction) -> dict[str, Any]:
    data = {name: getattr(template, name) for name in TEMPLATE_FIELDS[:5]}
    data.update({name: getattr(template, f"{name}_id") for name in REFERENCE_FIELDS})
    return data


def _check(
    *, ledger: Ledger, data: dict[str, Any], schedule: dict[str, Any], changed: set[str] | None
) -> None:
    """The transaction rules, as for a new transaction dated `start_date`, plus the
    schedule's own: the end is not before the start."""
    refs = references_load(ledger=ledger, items=[data])
    errors = transaction_errors({**data, "date": schedule["start_date"]}, refs, changed=changed)
    end, start = schedule.get("end_date"), schedule["start_date"]
    if end is not None and end < start:
        errors.append(
            {"field": "end_date", "message": "The end date cannot be before the start date."}
        )
    if errors:
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise Invalid(f"The recurring transaction is invalid: {fields}.", errors=errors)


def _next_date(template: RecurringTransaction) -> date | None:
    return next(
        occurrences(
            start=template.start_date,
            frequency=template.frequency,
            interval=template.interval,
            end=template.end_date,
            after=template.last_date,
        ),
        None,
    )


def recurring_create(*, ledger: Ledger, **fields: Any) -> RecurringTransaction:
    """Creates the template and, at once, every occurrence due up to today."""
    data = {name: fields.get(name) for name in TEMPLATE_FIELDS}
    schedule = {name: fields[name] for name in SCHEDULE_FIELDS if name in fields}
    _check(ledger=ledger, data=data, schedule=schedule, changed=None)
    with transaction.atomic():
        template = RecurringTransaction(ledger=ledger, **schedule)
        _fill(template, data)
        template.next_date = _next_date(template)
        template.save()
        recurring_materialise(template=template)
    template.refresh_from_db()
    return template


def _fill(template: RecurringTransaction, data: dict[str, Any]) -> None:
    for name in TEMPLATE_FIELDS[:5]:
        setattr(template, name, data.get(name))
    template.description = template.description or ""
    template.notes = template.notes or ""
    template.tags = list(template.tags or [])
    for name in REFERENCE_FIELDS:
        setattr(template, f"{name}_id", data.get(name))


def recurring_update(
    *, template: RecurringTransaction, changes: dict[str, Any]
) -> RecurringTransaction:
    """Applies `changes` to the template; occurrences already made keep their values, the
    coming ones follow the new fields and schedule."""
    with transaction.atomic():
        template = RecurringTransaction.objects.select_for_update().get(pk=template.pk)
        data = _data(template)
        if changes.get("kind", template.kind) != template.kind:
            # References the new kind has no use for go, unless the caller set them.
            for name in set(REFERENCE_FIELDS) - set(changes) - ALLOWED[Kind(changes["kind"])]:
                data[name] = None
        data.update({k: v for k, v in changes.items() if k in TEMPLATE_FIELDS})
        schedule = {name: getattr(template, name) for name in SCHEDULE_FIELDS}
        schedule.update({k: v for k, v in changes.items() if k in SCHEDULE_FIELDS})
        _check(ledger=template.ledger, data=data, schedule=schedule, changed=set(changes))
        _fill(template, data)
        for name, value in schedule.items():
            setattr(template, name, value)
        template.next_date = _next_date(template)
        template.save()
    return template


def recurring_delete(*, template: RecurringTransaction) -> None:
    """Deletes the template; the transactions it made stay (their `recurring` becomes null)."""
    with transaction.atomic():
        template.delete()


def recurring_materialise(
    *, template: RecurringTransaction, today: date | None = None
) -> tuple[int, date | None]:
    """Creates every occurrence dated up to `today` (default: today in TIME_ZONE) that does
    not exist yet; returns (how many were created, the next date).

    The template row is locked and the last occurrence re-read under the lock, so two runs
    at once (two workers, a worker and the API) make each occurrence once.
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        template = (
            RecurringTransaction.objects.select_for_update()
            .select_related("ledger")
            .filter(pk=template.pk)
            .first()
        )
        if template is None:
            return 0, None
        # An occurrence the user deleted is not made again: `last_date` remembers it.
        made = Transaction.objects.filter(recurring=template).aggregate(last=Max("recurring_date"))
        template.last_date = max(
            (d for d in (template.last_date, made["last"]) if d is not None), default=None
        )
        dates = []
        if template.active:
            dates = list(
                occurrences(
                    start=template.start_date,
                    frequency=template.frequency,
                    interval=template.interval,
                    end=min(today, template.end_date or today),
                    after=template.last_date,
                )
            )
        if dates:
            data = _data(template)
            try:
                money.transactions_create(
                    ledger=template.ledger,
                    items=[
                        {**data, "date": day, "recurring": template.pk, "recurring_date": day}
                        for day in dates
                    ],
                    bulk=True,
                )
            except Invalid as error:
                # Every row is the template on another date: name its fields once.
                errors = [e for e in error.errors if e["row"] == 0]
                errors = [{"field": e["field"], "message": e["message"]} for e in errors]
                fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
                raise Invalid(
                    f"This recurring transaction cannot be made any more: {fields}. "
                    "Change it or make it inactive.",
                    errors=errors,
                ) from error
            template.last_date = dates[-1]
        template.next_date = _next_date(template)
        RecurringTransaction.objects.filter(pk=template.pk).update(
            last_date=template.last_date, next_date=template.next_date
        )
    return len(dates), template.next_date
