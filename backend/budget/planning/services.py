"""Every write about recurring transactions, budgets (and their alerts) and goals.

A recurring template holds the transaction fields of SPEC §2 and a schedule. Its fields are
checked with the very rules a new transaction is (`budget.money.rules`), and its occurrences
are made by `budget.money.services.transactions_create`, so balances, allocation and the
report cache behave as for any other transaction.
"""

import logging
from datetime import date, timedelta
from decimal import Decimal
from itertools import islice
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from budget.accounts.models import User
from budget.common import activity
from budget.common.currencies import amount_str
from budget.common.errors import Conflict, Invalid
from budget.common.tasks import enqueue_on_commit
from budget.ledgers.models import Ledger, Role
from budget.ledgers.services import ledger_lock, ledger_version_bump
from budget.money import services as money
from budget.money.models import (
    REFERENCE_FIELDS,
    SHARED_FIELDS,
    Bucket,
    Category,
    CategoryType,
    Kind,
    Transaction,
    Wallet,
)
from budget.money.rules import (
    ALLOWED,
    reference_error,
    references_load,
    transaction_errors,
)
from budget.notifications.models import Notification, NotificationKind
from budget.notifications.services import notifications_create
from budget.planning import selectors
from budget.planning.models import (
    Budget,
    BudgetAlert,
    Goal,
    RecurringTransaction,
    Threshold,
    month_text,
)
from budget.planning.schedule import occurrences
from budget.planning.signals import budget_alerted

logger = logging.getLogger(__name__)

TEMPLATE_FIELDS = (*SHARED_FIELDS, *REFERENCE_FIELDS)
SCHEDULE_FIELDS = ("frequency", "interval", "start_date", "end_date", "active")


def _check(
    *,
    ledger: Ledger,
    data: dict[str, Any],
    schedule: dict[str, Any],
    changed: set[str] | None,
    last_date: date | None = None,
) -> None:
    """The transaction rules, as for a new transaction dated `start_date`, plus the
    schedule's own: the end is not before the start, and catching up to today (the
    occurrences after `last_date`) makes at most RECURRING_MAX_CATCH_UP transactions."""
    refs = references_load(ledger=ledger, items=[data])
    errors = transaction_errors({**data, "date": schedule["start_date"]}, refs, changed=changed)
    end, start = schedule.get("end_date"), schedule["start_date"]
    if end is not None and end < start:
        errors.append(
            {"field": "end_date", "message": "The end date cannot be before the start date."}
        )
    elif schedule.get("active", True):
        limit = settings.RECURRING_MAX_CATCH_UP
        due = _due_dates(schedule, after=last_date, today=timezone.localdate(), limit=limit + 1)
        if len(due) > limit:
            errors.append(
                {
                    "field": "start_date",
                    "message": f"From this start date more than {limit} transactions would "
                    "be made at once to catch up to today; choose a later start date.",
                }
            )
    if errors:
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise Invalid(f"The recurring transaction is invalid: {fields}.", errors=errors)


def _due_dates(
    schedule: dict[str, Any], *, after: date | None, today: date, limit: int
) -> list[date]:
    """The schedule's dates after `after` up to today (and its end), at most `limit`."""
    end = schedule.get("end_date")
    return list(
        islice(
            occurrences(
                start=schedule["start_date"],
                frequency=schedule["frequency"],
                interval=schedule.get("interval") or 1,
                end=min(today, end or today),
                after=after,
            ),
            limit,
        )
    )


def template_next_date(template: RecurringTransaction) -> date | None:
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


def _logged(obj, action: str, noun: str, summary: str, changes=None, pk=None) -> None:
    activity.record(
        ledger_id=obj.ledger_id,
        action=action,
        object_type=noun,
        object_id=pk or obj.pk,
        summary=summary,
        changes=changes,
    )


def _template_currency(template: RecurringTransaction) -> str:
    """The currency of the template's amount: its wallet's (a transfer's from_wallet's), the
    ledger's without one."""
    wallet_id = template.wallet_id or template.from_wallet_id
    found = Wallet.objects.filter(pk=wallet_id).values_list("currency", flat=True).first()
    if found:
        return found
    return Ledger.objects.values_list("currency", flat=True).get(pk=template.ledger_id)


def _recurring_summary(template: RecurringTransaction) -> str:
    """ "expense 1200 Rent": the amount with its currency's decimals."""
    amount = amount_str(template.amount, _template_currency(template))
    return " ".join(p for p in (template.kind, amount, template.description) if p)


def recurring_create(*, ledger: Ledger, **fields: Any) -> RecurringTransaction:
    """Creates the template and, at once, every occurrence due up to today."""
    data = {name: fields.get(name) for name in TEMPLATE_FIELDS}
    schedule = {name: fields[name] for name in SCHEDULE_FIELDS if name in fields}
    with transaction.atomic():
        if fields.get("payee_name") is not None:
            # A new payee is made in this transaction: a refused template leaves none.
            data["payee_name"] = fields["payee_name"]
            money.payees_resolve(ledger=ledger, items=[data])
        _check(ledger=ledger, data=data, schedule=schedule, changed=None)
        template = RecurringTransaction(ledger=ledger, **schedule)
        template.shared_set(data)
        template.next_date = template_next_date(template)
        template.save()
        ledger_version_bump(ledger_ids=[ledger.pk])  # the forecast shows its occurrences
        _logged(template, "create", "recurring", _recurring_summary(template))
        recurring_materialise(template=template)
    template.refresh_from_db()
    return template


def recurring_update(
    *, template: RecurringTransaction, changes: dict[str, Any]
) -> RecurringTransaction:
    """Applies `changes` to the template; occurrences already made keep their values, the
    coming ones follow the new fields and schedule."""
    with transaction.atomic():
        template = RecurringTransaction.objects.select_for_update().get(pk=template.pk)
        data = template.shared_data()
        before = {**data, **{name: getattr(template, name) for name in SCHEDULE_FIELDS}}
        if changes.get("kind", template.kind) != template.kind:
            # References the new kind has no use for go, unless the caller set them.
            for name in set(REFERENCE_FIELDS) - set(changes) - ALLOWED[Kind(changes["kind"])]:
                data[name] = None
        data.update({k: v for k, v in changes.items() if k in TEMPLATE_FIELDS})
        if changes.get("payee_name") is not None:
            data["payee_name"] = changes["payee_name"]
            money.payees_resolve(ledger=template.ledger, items=[data])
            changes = {**changes, "payee": data["payee"]}
        schedule = {name: getattr(template, name) for name in SCHEDULE_FIELDS}
        schedule.update({k: v for k, v in changes.items() if k in SCHEDULE_FIELDS})
        _check(
            ledger=template.ledger,
            data=data,
            schedule=schedule,
            changed=set(changes),
            last_date=template.last_date,
        )
        template.shared_set(data)
        for name, value in schedule.items():
            setattr(template, name, value)
        template.next_date = template_next_date(template)
        template.save()
        ledger_version_bump(ledger_ids=[template.ledger_id])  # the forecast follows it
        changes = activity.diff(before, {**data, **schedule})
        _logged(template, "update", "recurring", _recurring_summary(template), changes)
    return template


def recurring_delete(*, template: RecurringTransaction) -> None:
    """Deletes the template; the transactions it made stay (their `recurring` becomes null)."""
    with transaction.atomic():
        pk = template.pk
        template.delete()
        ledger_version_bump(ledger_ids=[template.ledger_id])
        _logged(template, "delete", "recurring", _recurring_summary(template), pk=pk)


def _rateless_rows(error: Invalid) -> set[int]:
    """The rows of a refused batch whose only fault is a missing exchange rate (SPEC §14);
    empty when any row has another fault."""
    errors = error.errors or []
    if not errors or any(e["field"] != "base_amount" or "row" not in e for e in errors):
        return set()
    return {e["row"] for e in errors}


def recurring_materialise(
    *, template: RecurringTransaction, today: date | None = None, skip_missing_rates: bool = False
) -> tuple[int, date | None]:
    """Creates every occurrence dated up to `today` (default: today in TIME_ZONE) that does
    not exist yet; returns (how many were created, the next date).

    The template row is locked and the last occurrence re-read under the lock, so two runs
    at once (two workers, a worker and the API) make each occurrence once. One run makes at
    most RECURRING_MAX_CATCH_UP occurrences; after a long downtime the next runs go on.
    With `skip_missing_rates` (the daily job), an occurrence in another currency without a
    rate of its date is skipped, logged and notified (`_skipped_notify`), and the others
    are made. A skipped occurrence is not tried again: `last_date` passes it as it passes
    a deleted one.
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
        dates, skipped = [], set()
        if template.active:
            limit = settings.RECURRING_MAX_CATCH_UP
            schedule = {name: getattr(template, name) for name in SCHEDULE_FIELDS}
            dates = _due_dates(schedule, after=template.last_date, today=today, limit=limit + 1)
            if len(dates) > limit:
                dates = dates[:limit]
                logger.warning(
                    "Recurring transaction %s: made %s occurrences, the most one run makes "
                    "(RECURRING_MAX_CATCH_UP); the next run goes on from %s.",
                    template.pk,
                    limit,
                    dates[-1],
                )
        if dates:
            data = template.shared_data()
            items = [
                {**data, "date": day, "recurring": template.pk, "recurring_date": day}
                for day in dates
            ]
            try:
                try:
                    money.transactions_create(ledger=template.ledger, items=items, bulk=True)
                except Invalid as error:
                    skipped = _rateless_rows(error) if skip_missing_rates else set()
                    if not skipped:
                        raise
                    # SPEC §14: an occurrence in another currency without a rate of its date
                    # is skipped (logged, and the owners and editors are told), the others
                    # are made.
                    logger.warning(
                        "Recurring transaction %s: no exchange rate for %s; skipped.",
                        template.pk,
                        ", ".join(dates[row].isoformat() for row in sorted(skipped)),
                    )
                    _skipped_notify(template, [dates[row] for row in sorted(skipped)])
                    rest = [item for row, item in enumerate(items) if row not in skipped]
                    if rest:
                        money.transactions_create(ledger=template.ledger, items=rest, bulk=True)
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
        template.next_date = template_next_date(template)
        RecurringTransaction.objects.filter(pk=template.pk).update(
            last_date=template.last_date, next_date=template.next_date
        )
    return len(dates) - len(skipped), template.next_date


def _alert_recipients(ledger_id: UUID) -> list[User]:
    """Who hears of a ledger's alerts: its active owners and editors (SPEC §10)."""
    return list(
        User.objects.filter(
            memberships__ledger_id=ledger_id,
            memberships__role__in=(Role.OWNER, Role.EDITOR),
            is_active=True,
        ).order_by("email")
    )


def _skipped_notify(template: RecurringTransaction, days: list[date]) -> None:
    """Tells the ledger's owners and editors of each occurrence of `template` the daily job
    skipped for want of an exchange rate (SPEC §14): which template, date and currency, and
    what to do. Once per template and date: the job passes a skipped date for good, and a
    date already told of is not told again."""
    ledger = template.ledger
    currency, base = _template_currency(template), ledger.currency
    told = set(
        Notification.objects.filter(
            ledger=ledger,
            kind=NotificationKind.RECURRING_SKIPPED,
            data__template=str(template.pk),
        ).values_list("data__date", flat=True)
    )
    days = [day for day in days if day.isoformat() not in told]
    if not days:
        return
    recipients = _alert_recipients(ledger.pk)
    amount = f"{amount_str(template.amount, currency)} {currency}"
    name = template.description or f"{template.kind} of {amount}"
    for day in days:
        notifications_create(
            users=recipients,
            ledger=ledger,
            kind=NotificationKind.RECURRING_SKIPPED,
            title=f"Recurring transaction not made: {name}",
            message=(
                f"{ledger.name}: the recurring {template.kind} '{name}' ({amount}) due on "
                f"{day.isoformat()} was not made: there is no {currency}→{base} exchange rate "
                "for that date or the 7 days before. It will not be made later by itself: add "
                f"it under Transactions with its amount in {base} (what your bank charged), "
                f"or add the rate first. So that the next occurrences are made, add {currency} "
                "rates in Setup → Rates."
            ),
            data={
                "template": str(template.pk),
                "description": template.description,
                "date": day.isoformat(),
                "currency": currency,
                "base_currency": base,
            },
        )


# --- Budgets ------------------------------------------------------------------------------

BUDGET_FIELDS = ("category", "amount", "alert_percent", "rollover", "start_month", "end_month")


def _budget_amount(budget: Budget) -> str:
    """The limit with the ledger currency's decimals, for the activity log."""
    return amount_str(budget.amount, budget.ledger.currency)


def budget_category_error(category: Category | None, *, archived_ok: bool = False) -> str | None:
    """A budget watches one expense category of its ledger (`category`: the row found
    there, or None). Pure, so the JSON restore checks its documents with it too."""
    return reference_error(
        category,
        noun="category",
        archived_ok=archived_ok,
        category_type=CategoryType.EXPENSE,
        wrong_type=lambda c: f"A budget needs an expense category; '{c.name}' is {c.type}.",
    )


def budget_check(
    *, ledger: Ledger, data: dict[str, Any], changed: set[str] | None, budget_id: UUID | None
) -> None:
    """The budget's rules: 422 per field, then 409 when another budget of the category
    covers one of its months. Call under the ledger lock (`ledger_lock`)."""
    errors = []
    if changed is None or "category" in changed:
        message = budget_category_error(
            Category.objects.filter(ledger=ledger, pk=data["category"]).first()
        )
        if message:
            errors.append({"field": "category", "message": message})
    if data["amount"] <= 0:
        errors.append({"field": "amount", "message": "The limit must be greater than zero."})
    if not 1 <= data["alert_percent"] <= 100:
        errors.append(
            {"field": "alert_percent", "message": "The alert percent is between 1 and 100."}
        )
    start, end = data["start_month"], data["end_month"]
    if end is not None and end < start:
        errors.append(
            {"field": "end_month", "message": "The end month cannot be before the start month."}
        )
    if errors:
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise Invalid(f"The budget is invalid: {fields}.", errors=errors)

    others = Budget.objects.filter(ledger=ledger, category_id=data["category"]).exclude(
        pk=budget_id
    )
    if end is not None:
        others = others.filter(start_month__lte=end)
    other = others.exclude(end_month__lt=start).order_by("start_month").first()
    if other is not None:
        until = month_text(other.end_month) if other.end_month else "with no end"
        raise Conflict(
            f"This category already has a budget for some of these months (from "
            f"{month_text(other.start_month)}, {until}); change that one or pick other months.",
            code="budget_overlap",
        )


def _alerts_enqueue(budget: Budget) -> None:
    """After a budget is set or changed, its ledger's current month is checked at once (on
    commit, in a worker) rather than at the next daily check; earlier months are not news."""
    month = timezone.localdate().replace(day=1)
    if budget.start_month <= month <= (budget.end_month or month):
        enqueue_on_commit(
            "budget.planning.tasks.budget_alerts_task",
            str(budget.ledger_id),
            [month.isoformat()],
            task_name="check budgets",
        )


def budget_create(
    *,
    ledger: Ledger,
    category: UUID,
    amount: Decimal,
    start_month: date,
    alert_percent: int = 80,
    rollover: bool = False,
    end_month: date | None = None,
) -> Budget:
    data = {
        "category": category,
        "amount": amount,
        "alert_percent": alert_percent,
        "rollover": rollover,
        "start_month": start_month.replace(day=1),
        "end_month": end_month.replace(day=1) if end_month else None,
    }
    with transaction.atomic():
        ledger_lock(ledger_ids=[ledger.pk])  # budget writes of a ledger go one at a time
        budget_check(ledger=ledger, data=data, changed=None, budget_id=None)
        budget = Budget(ledger=ledger, category_id=data.pop("category"), **data)
        budget.save()
        _logged(budget, "create", "budget", f"{_budget_amount(budget)} from {budget.start_month}")
        _alerts_enqueue(budget)
    return budget


def budget_update(*, budget: Budget, changes: dict[str, Any]) -> Budget:
    """Applies `changes`; an archived category the budget already had does not block them.
    Another category starts the budget's alerts afresh."""
    with transaction.atomic():
        ledger_lock(ledger_ids=[budget.ledger_id])
        budget = Budget.objects.select_related("ledger").get(pk=budget.pk)
        data = {name: getattr(budget, name) for name in BUDGET_FIELDS if name != "category"}
        data["category"] = budget.category_id
        before = dict(data)
        data.update({k: v for k, v in changes.items() if k in BUDGET_FIELDS})
        for name in ("start_month", "end_month"):
            if data[name] is not None:
                data[name] = data[name].replace(day=1)
        # Sending the category it already has (a whole form) is no change.
        changed = {k for k in changes if k != "category" or changes[k] != budget.category_id}
        budget_check(ledger=budget.ledger, data=data, changed=changed, budget_id=budget.pk)
        if "category" in changed:
            # The alerts sent were about the old category's spending; the new one's is news.
            budget.alerts.all().delete()
        changes = activity.diff(before, data)
        budget.category_id = data.pop("category")
        for name, value in data.items():
            setattr(budget, name, value)
        budget.save()
        _logged(budget, "update", "budget", _budget_amount(budget), changes)
        _alerts_enqueue(budget)
    return Budget.objects.select_related("category").get(pk=budget.pk)


def budget_delete(*, budget: Budget) -> None:
    """Deletes the budget and the record of its alerts; notifications already sent stay."""
    with transaction.atomic():
        pk = budget.pk
        budget.delete()
        _logged(budget, "delete", "budget", _budget_amount(budget), pk=pk)


# --- Budget alerts ------------------------------------------------------------------------

# The thresholds a state has crossed, lowest first.
_CROSSED = {"ok": (), "warning": (Threshold.WARNING,), "exceeded": tuple(Threshold)}


def _alert_text(ledger: Ledger, status: dict, month: date, threshold: str) -> tuple[str, str]:
    """The notification's title and text. A rolling-over budget speaks of what was
    available (the month's limit plus what carried over), which its state is measured on."""
    name, currency = status["category_name"], ledger.currency
    spent = amount_str(status["spent"], currency)
    limit = amount_str(status["available"], currency)
    if status["carried"]:
        own, carried = (
            amount_str(status["limit"], currency),
            amount_str(status["carried"], currency),
        )
        limit = f"{limit} {currency} available ({own} + {carried} carried)"
    else:
        limit = f"{limit} {currency}"
    percent = status["percent_used"]
    percent = "nothing was left" if percent is None else f"{percent:.2f} %"
    when = f"{month:%B %Y}"
    if threshold == Threshold.EXCEEDED:
        over = amount_str(-status["remaining"], currency)
        return (
            f"Budget exceeded: {name}",
            f"{ledger.name}: {spent} {currency} spent on {name} in {when}, over the budget "
            f"of {limit} by {over} {currency} ({percent}).",
        )
    return (
        f"Budget warning: {name} at {percent}",
        f"{ledger.name}: {spent} of {limit} spent on {name} in {when} "
        f"({percent}; you asked to be told at {status['alert_percent']} %).",
    )


def budget_alerts_check(*, ledger_id: UUID, months: list[date]) -> int:
    """Notifies every owner and editor of the ledger of each budget threshold crossed in
    `months` (firsts of months; months before the previous one are history and skipped);
    returns how many alerts it sent.

    Each (budget, month, threshold) is sent once, ever: the alert row is inserted with
    get_or_create under its unique key, in the same database transaction as the
    notifications, so a check run twice, or by two workers at once, sends it once. When
    one check finds both thresholds newly crossed, only `exceeded` is sent (the warning is
    recorded as sent: it would only repeat old news).
    """
    ledger = Ledger.objects.filter(pk=ledger_id).first()
    if ledger is None:
        return 0
    # Only this month and the last are news: importing or back-dating a year of history must
    # not send a year of alerts.
    this_month = timezone.localdate().replace(day=1)
    oldest = (this_month - timedelta(days=1)).replace(day=1)
    due = []
    for month in sorted(m for m in set(months) if m >= oldest):
        for status in selectors.budget_status(ledger=ledger, month=month):
            if _CROSSED[status["state"]]:
                due.append((month, status))
    if not due:
        return 0
    done = set(
        BudgetAlert.objects.filter(
            ledger=ledger,
            budget_id__in={s["budget"] for _, s in due},
            month__in={m for m, _ in due},
        ).values_list("budget_id", "month", "threshold")
    )
    todo = []
    for month, status in due:
        new = [t for t in _CROSSED[status["state"]] if (status["budget"], month, t) not in done]
        if new:
            todo.append((month, status, new))
    if not todo:
        return 0
    recipients = _alert_recipients(ledger.pk)
    sent = 0
    for month, status, thresholds in todo:
        with transaction.atomic():
            won = [
                threshold
                for threshold in thresholds
                if BudgetAlert.objects.get_or_create(
                    budget_id=status["budget"],
                    month=month,
                    threshold=threshold,
                    defaults={"ledger": ledger},
                )[1]
            ]
            if not won:
                continue  # another check sent it meanwhile
            threshold = won[-1]
            title, message = _alert_text(ledger, status, month, threshold)
            kind = (
                NotificationKind.BUDGET_EXCEEDED
                if threshold == Threshold.EXCEEDED
                else NotificationKind.BUDGET_WARNING
            )
            data = {
                "budget": str(status["budget"]),
                "category": str(status["category"]),
                "category_name": status["category_name"],
                "month": month_text(month),
                "threshold": str(threshold),
                # In the ledger's currency, with its decimals (SPEC §14).
                "limit": amount_str(status["limit"], ledger.currency),
                "carried": amount_str(status["carried"], ledger.currency),
                "available": amount_str(status["available"], ledger.currency),
                "spent": amount_str(status["spent"], ledger.currency),
                "percent_used": (
                    None if status["percent_used"] is None else f"{status['percent_used']:.2f}"
                ),
            }
            notifications_create(
                users=recipients,
                ledger=ledger,
                kind=kind,
                title=title,
                message=message,
                data=data,
            )
            budget_alerted.send(
                sender=BudgetAlert,
                ledger_id=ledger.pk,
                title=title,
                data={"kind": str(kind), **data},
            )
            sent += 1
    return sent


def budget_alerts_check_all(*, today: date | None = None) -> int:
    """The daily check: the current month of every ledger with a budget active in it."""
    month = (today or timezone.localdate()).replace(day=1)
    return sum(
        budget_alerts_check(ledger_id=ledger_id, months=[month])
        for ledger_id in selectors.budget_ledgers_active(month=month)
    )


# --- Goals --------------------------------------------------------------------------------

GOAL_FIELDS = ("name", "bucket", "target_amount", "target_date")


def goal_check(*, ledger: Ledger, data: dict[str, Any], changed: set[str] | None) -> None:
    errors = []
    if changed is None or "bucket" in changed:
        message = reference_error(
            Bucket.objects.filter(ledger=ledger, pk=data["bucket"]).first(), noun="bucket"
        )
        if message:
            errors.append({"field": "bucket", "message": message})
    if data["target_amount"] <= 0:
        errors.append(
            {"field": "target_amount", "message": "The target must be greater than zero."}
        )
    if errors:
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise Invalid(f"The goal is invalid: {fields}.", errors=errors)


def goal_create(
    *,
    ledger: Ledger,
    name: str,
    bucket: UUID,
    target_amount: Decimal,
    target_date: date | None = None,
) -> Goal:
    data = {
        "name": name,
        "bucket": bucket,
        "target_amount": target_amount,
        "target_date": target_date,
    }
    goal_check(ledger=ledger, data=data, changed=None)
    with transaction.atomic():
        goal = Goal(ledger=ledger, bucket_id=data.pop("bucket"), **data)
        goal.save()
        _logged(goal, "create", "goal", goal.name)
    return goal


def goal_update(*, goal: Goal, changes: dict[str, Any]) -> Goal:
    with transaction.atomic():
        goal = Goal.objects.select_for_update().select_related("ledger").get(pk=goal.pk)
        data = {name: getattr(goal, name) for name in GOAL_FIELDS if name != "bucket"}
        data["bucket"] = goal.bucket_id
        before = dict(data)
        data.update({k: v for k, v in changes.items() if k in GOAL_FIELDS})
        changed = {k for k in changes if k != "bucket" or changes[k] != goal.bucket_id}
        goal_check(ledger=goal.ledger, data=data, changed=changed)
        changes = activity.diff(before, data)
        goal.bucket_id = data.pop("bucket")
        for name, value in data.items():
            setattr(goal, name, value)
        goal.save()
        _logged(goal, "update", "goal", goal.name, changes)
    return goal


def goal_delete(*, goal: Goal) -> None:
    with transaction.atomic():
        pk = goal.pk
        goal.delete()
        _logged(goal, "delete", "goal", goal.name, pk=pk)
