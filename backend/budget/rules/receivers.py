"""rules' answers to what money announces (connected in `RulesConfig.ready()`)."""

from typing import Any

from budget.common.errors import Conflict
from budget.ledgers.models import Ledger
from budget.money.models import Payee
from budget.rules import engine
from budget.rules.models import Rule


def rules_run(*, ledger: Ledger, items: list[dict], **_: Any) -> None:
    """Every new transaction goes through the rules and the payee history (SPEC §12)."""
    if items:
        engine.rules_run(ledger=ledger, items=items)


def _names(rule: Rule, payee: Payee) -> bool:
    return any(
        part["field"] == "payee" and part["value"] == str(payee.pk)
        for part in (*rule.conditions, *rule.actions)
    )


def payee_references_move(*, ledger: Ledger, source: Payee, target: Payee, **_: Any) -> None:
    """A merge moves the rules' conditions and actions that name `source` to `target`."""
    moved = []
    for rule in Rule.objects.filter(ledger=ledger):
        if _names(rule, source):
            for part in (*rule.conditions, *rule.actions):
                if part["field"] == "payee" and part["value"] == str(source.pk):
                    part["value"] = str(target.pk)
            moved.append(rule)
    Rule.objects.bulk_update(moved, ["conditions", "actions"])


def payee_in_use_check(*, payee: Payee, **_: Any) -> None:
    if any(_names(rule, payee) for rule in Rule.objects.filter(ledger_id=payee.ledger_id)):
        raise Conflict(
            "This payee is still used by rules; merge it into another payee instead.",
            code="in_use",
        )
