"""Every write about rules, and running one rule over stored transactions (SPEC §12)."""

from datetime import date
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Max

from budget.common.errors import Invalid
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_version_bump
from budget.money import services as money
from budget.money.models import Bucket, Category, Payee, Wallet
from budget.rules import engine, selectors
from budget.rules.models import Rule
from budget.rules.vocabulary import CompiledRule, Known, referenced_ids, rule_errors

RULE_FIELDS = ("name", "active", "position", "match", "conditions", "actions", "stop")
APPLY_LIST = 100  # ids answered by apply


def _known(ledger: Ledger, conditions: list, actions: list) -> Known:
    ids = referenced_ids(conditions, actions)
    known = Known()
    for group, model in (
        ("wallets", Wallet),
        ("buckets", Bucket),
        ("categories", Category),
        ("payees", Payee),
    ):
        if ids[group]:
            objects = model.objects.filter(ledger=ledger, pk__in=ids[group])
            getattr(known, group).update((o.pk, o) for o in objects)
    return known


def rule_check(*, ledger: Ledger, data: dict[str, Any]) -> dict[str, Any]:
    """The rule's body as stored; 422 naming every bad condition or action by index
    (`conditions.2.op`)."""
    conditions = [dict(c) for c in data["conditions"]]
    actions = [dict(a) for a in data["actions"]]
    errors, conditions, actions = rule_errors(
        conditions, actions, _known(ledger, conditions, actions)
    )
    if errors:
        fields = ", ".join(dict.fromkeys(e["field"] for e in errors))
        raise Invalid(f"The rule is invalid: {fields}.", errors=errors)
    return {**data, "conditions": conditions, "actions": actions}


def rule_create(*, ledger: Ledger, **fields: Any) -> Rule:
    data = rule_check(ledger=ledger, data=fields)
    with transaction.atomic():
        if data.get("position") is None:  # after the last one
            last = Rule.objects.filter(ledger=ledger).aggregate(last=Max("position"))["last"]
            data["position"] = 0 if last is None else last + 1
        rule = Rule.objects.create(ledger=ledger, **{n: data[n] for n in RULE_FIELDS if n in data})
    return rule


def rule_update(*, rule: Rule, changes: dict[str, Any]) -> Rule:
    data = {name: getattr(rule, name) for name in RULE_FIELDS}
    data.update(changes)
    data = rule_check(ledger=rule.ledger, data=data)
    for name in RULE_FIELDS:
        setattr(rule, name, data[name])
    rule.save()
    return rule


def rule_delete(*, rule: Rule) -> None:
    rule.delete()


def rule_compile(*, ledger: Ledger, data: dict[str, Any]) -> tuple[Rule, CompiledRule]:
    """An unsaved rule of `data` (checked), and its compiled form: for the preview."""
    data = rule_check(ledger=ledger, data=data)
    rule = Rule(ledger=ledger, **{n: data[n] for n in RULE_FIELDS if data.get(n) is not None})
    return rule, CompiledRule.of(rule)


def rule_apply(
    *,
    rule: Rule,
    date_from: date | None = None,
    date_to: date | None = None,
    dry_run: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Runs one rule over the ledger's stored transactions (in the date range): `matched`
    counts those its conditions match, `changed` those its actions change (only empty
    fields unless `overwrite`), `transactions` the first APPLY_LIST of the changed ones,
    newest first. Unless `dry_run`, writes every change in one database transaction,
    through money's update, so balances, the rollup, allocation, the report cache and
    budgets follow as for an edit."""
    ledger = rule.ledger
    compiled = CompiledRule.of(rule)
    targets = engine.targets_load(ledger=ledger, rules=[rule])
    system_bucket_id = Bucket.objects.values_list("pk", flat=True).get(
        ledger=ledger, is_system=True
    )
    matched = 0
    changes: dict[UUID, dict[str, Any]] = {}
    for view in selectors.candidates(
        ledger=ledger, rule=rule, date_from=date_from, date_to=date_to
    ):
        if not compiled.matches(view):
            continue
        matched += 1
        found = engine.actions_apply(
            view,
            rule.actions,
            targets,
            overwrite=overwrite,
            system_bucket_id=system_bucket_id,
        )
        if found:
            changes[view["id"]] = found
    if not dry_run and changes:
        with transaction.atomic():
            money.transactions_update_each(ledger=ledger, changes=changes)
            ledger_version_bump(ledger_ids=[ledger.pk])
    return {
        "matched": matched,
        "changed": len(changes),
        "transactions": list(changes)[:APPLY_LIST],
    }
