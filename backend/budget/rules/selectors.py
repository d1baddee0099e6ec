"""Every read about rules: the ledger's rules, and the stored transactions one rule is
run over (apply, preview)."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet

from budget.ledgers.models import Ledger
from budget.money.models import REFERENCE_FIELDS, SHARED_FIELDS, Transaction
from budget.money.selectors import ORDERINGS, amount_filter, wallet_filter
from budget.rules.models import Match, Rule

CHUNK = 2000


def rules_of(*, ledger: Ledger) -> QuerySet[Rule]:
    return Rule.objects.filter(ledger=ledger).order_by("position", "created_at", "id")


def _structural(rule: Rule) -> Q:
    """The conditions SQL can decide exactly (kind, references, amounts, the bank's id), as
    a filter that only narrows what Python then checks: for `all` rules only."""
    if rule.match != Match.ALL:
        return Q()
    q = Q()
    for condition in rule.conditions:
        name, op, value = condition["field"], condition["op"], condition["value"]
        if name == "kind":
            part = Q(kind=value)
        elif name == "wallet":
            part = wallet_filter(UUID(value))
        elif name in ("category", "payee"):
            part = Q(**{f"{name}_id": UUID(value)})
        elif name == "amount" and op in ("gte", "lte", "between"):
            low = Decimal(value[0] if op == "between" else value) if op != "lte" else None
            high = Decimal(value[1] if op == "between" else value) if op != "gte" else None
            q &= amount_filter(min_amount=low, max_amount=high)
            continue
        else:
            continue
        q &= part if op == "is" else ~part
    return q


_FIELDS = ("id", "date", "external_id", *SHARED_FIELDS)


def candidates(
    *, ledger: Ledger, rule: Rule, date_from: date | None, date_to: date | None
) -> Iterator[dict[str, Any]]:
    """The ledger's transactions in the range that the rule might match, newest first, as
    the engine reads them (references as ids, `payee_name` the payee's name). Streamed in
    chunks: memory stays flat whatever the ledger's size."""
    rows = Transaction.objects.filter(ledger=ledger).filter(_structural(rule))
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    references = tuple(f"{name}_id" for name in REFERENCE_FIELDS)
    for row in (
        rows.order_by(*ORDERINGS["-date"])
        .values(*_FIELDS, *references, "payee__name")
        .iterator(chunk_size=CHUNK)
    ):
        view = {name: row[name] for name in _FIELDS}
        view.update({name: row[f"{name}_id"] for name in REFERENCE_FIELDS})
        view["payee_name"] = row["payee__name"] or ""
        yield view
