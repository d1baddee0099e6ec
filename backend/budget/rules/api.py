"""Rules of one ledger: /ledgers/{lid}/rules (SPEC §12). Editors write, members read."""

from uuid import UUID

from django.db.models import Q
from django.http import HttpRequest
from ninja import Path, Router, Status
from ninja.pagination import paginate

from budget.common.errors import Invalid, NotFound
from budget.common.pagination import Pages
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Ledger, Role
from budget.money.selectors import transactions_of
from budget.rules import selectors, services
from budget.rules.models import Rule
from budget.rules.schemas import (
    ApplyIn,
    ApplyOut,
    PreviewIn,
    PreviewOut,
    RuleIn,
    RuleOut,
    RulePatch,
)

rules = Router(tags=["rules"], auth=LedgerAuth())

PREVIEW_LIST = 20
_NOT_NULL = ("name", "active", "position", "match", "conditions", "actions", "stop")


def _rule(ledger: Ledger, rule_id: UUID) -> Rule:
    rule = selectors.rules_of(ledger=ledger).select_related("ledger").filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("Rule not found.")
    return rule


@rules.get("", response=list[RuleOut])
@paginate(Pages)
def rule_list(request: HttpRequest, lid: Path[UUID]):
    """In position order: the order they run in."""
    return selectors.rules_of(ledger=ledger_access(request, lid))


@rules.post("", response={201: RuleOut})
def rule_create(request: HttpRequest, lid: Path[UUID], payload: RuleIn):
    """422 naming each bad condition or action by its index (`conditions.2.op`)."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    return Status(201, services.rule_create(ledger=ledger, **payload.dict()))


@rules.post("/preview", response=PreviewOut)
def rule_preview(request: HttpRequest, lid: Path[UUID], payload: PreviewIn):
    """Which stored transactions a rule body (not saved) matches; writes nothing. For
    editors, who write rules."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    body = payload.dict()
    date_from, date_to = body.pop("date_from"), body.pop("date_to")
    rule, compiled = services.rule_compile(ledger=ledger, data=body)
    matched, ids = 0, []
    for view in selectors.candidates(
        ledger=ledger, rule=rule, date_from=date_from, date_to=date_to
    ):
        if compiled.matches(view):
            matched += 1
            if len(ids) < PREVIEW_LIST:
                ids.append(view["id"])
    items = list(transactions_of(ledger=ledger, filters=Q(pk__in=ids)))
    return {"matched": matched, "transactions": items}


@rules.get("/{uuid:rule_id}", response=RuleOut)
def rule_detail(request: HttpRequest, lid: Path[UUID], rule_id: UUID):
    return _rule(ledger_access(request, lid), rule_id)


@rules.patch("/{uuid:rule_id}", response=RuleOut)
def rule_update(request: HttpRequest, lid: Path[UUID], rule_id: UUID, payload: RulePatch):
    ledger = ledger_access(request, lid, Role.EDITOR)
    changes = payload.dict(exclude_unset=True)
    for name in _NOT_NULL:
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be null.", field=name)
    return services.rule_update(rule=_rule(ledger, rule_id), changes=changes)


@rules.delete("/{uuid:rule_id}", response={204: None})
def rule_delete(request: HttpRequest, lid: Path[UUID], rule_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.rule_delete(rule=_rule(ledger, rule_id))
    return Status(204, None)


@rules.post("/{uuid:rule_id}/apply", response=ApplyOut)
def rule_apply(request: HttpRequest, lid: Path[UUID], rule_id: UUID, payload: ApplyIn):
    """Runs the rule over stored transactions: a dry run by default; `overwrite` sets
    fields that already hold a value too."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    return services.rule_apply(rule=_rule(ledger, rule_id), **payload.dict())
