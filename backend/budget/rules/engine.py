"""Running rules over transactions (SPEC §12): a batch of new transactions' input before it
is checked (`rules_run`), or one rule over stored transactions (`budget.rules.services`).

A batch costs a fixed number of queries whatever its size: the ledger's active rules (one),
the categories, buckets and payees their actions name (one each, when they name any), the
payees the batch names (one), and the payee history (one grouped query). Conditions are
evaluated in Python over the rows being written, the only rows in memory.
"""

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django.db.models import Count, F, Max, Q

from budget.ledgers.models import Ledger
from budget.money.models import Bucket, Category, Kind, Payee, Transaction, name_key
from budget.money.rules import ALLOWED, CATEGORY_TYPE
from budget.rules.models import Rule
from budget.rules.vocabulary import TAGS_MAX, CompiledRule, Item, condition_test


@dataclass
class Targets:
    """What the actions of a set of rules name, loaded once."""

    categories: dict[UUID, Category] = field(default_factory=dict)
    buckets: dict[UUID, Bucket] = field(default_factory=dict)
    payees: dict[UUID, Payee] = field(default_factory=dict)


def active_rules(*, ledger: Ledger) -> list[Rule]:
    return list(
        Rule.objects.filter(ledger=ledger, active=True).order_by("position", "created_at", "id")
    )


def targets_load(*, ledger: Ledger, rules: list[Rule]) -> Targets:
    ids: dict[str, set[UUID]] = {"category": set(), "bucket": set(), "payee": set()}
    for rule in rules:
        for action in rule.actions:
            if action["field"] in ids:
                ids[action["field"]].add(UUID(action["value"]))
    targets = Targets()
    for name, model, lookup in (
        ("category", Category, targets.categories),
        ("bucket", Bucket, targets.buckets),
        ("payee", Payee, targets.payees),
    ):
        if ids[name]:
            lookup.update((o.pk, o) for o in model.objects.filter(ledger=ledger, pk__in=ids[name]))
    return targets


def _uuid(value: Any) -> UUID | None:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value)) if value else None
    except ValueError:
        return None


def views_build(*, ledger: Ledger, items: list[dict], rules: list[Rule]) -> list[Item]:
    """What the conditions read of each item: its fields, `payee` (the id, also when the
    input named the payee by `payee_name` and the ledger has it) and `payee_name` (the
    name, also when the input gave the id). One query for the payees."""
    ids = {pk for item in items if (pk := _uuid(item.get("payee")))}
    keys = {name_key(str(item["payee_name"]).strip()) for item in items if item.get("payee_name")}
    keys |= {name_key(a["value"]) for r in rules for a in r.actions if a["field"] == "payee_name"}
    by_id, by_key = {}, {}
    if ids or keys:
        for payee in Payee.objects.filter(Q(pk__in=ids) | Q(name_key__in=keys), ledger=ledger):
            by_id[payee.pk] = payee
            by_key[payee.name_key] = payee
    views = []
    for item in items:
        view = dict(item)
        name = str(item.get("payee_name") or "").strip()
        if item.get("payee_name") is not None:
            payee = by_key.get(name_key(name)) if name else None
        else:
            payee = by_id.get(_uuid(item.get("payee")))
            name = payee.name if payee else ""
        view["payee"], view["payee_name"] = (payee.pk if payee else None), name
        view["_by_key"] = by_key
        views.append(view)
    return views


def _empty_bucket(view: Item, system_bucket_id: UUID | None) -> bool:
    bucket = _uuid(view.get("bucket"))
    return bucket is None or bucket == system_bucket_id


def actions_apply(
    view: Item,
    actions: list[dict],
    targets: Targets,
    *,
    overwrite: bool = False,
    system_bucket_id: UUID | None = None,
) -> dict[str, Any]:
    """Sets on `view` what `actions` say where it fits: only empty fields unless
    `overwrite`; an action that does not fit the transaction (a category of another type,
    a bucket on a transfer, an archived target) is skipped. Returns the changes, as a
    transaction's input takes them (`payee_name` for a payee named by name)."""
    try:
        kind = Kind(view.get("kind"))
    except ValueError:
        return {}
    changes: dict[str, Any] = {}
    for action in actions:
        name, value = action["field"], action["value"]
        if name == "category":
            category = targets.categories.get(UUID(value))
            if category is None or category.archived or CATEGORY_TYPE.get(kind) != category.type:
                continue
            if (view.get("category") and not overwrite) or _uuid(
                view.get("category")
            ) == category.pk:
                continue
            view["category"] = changes["category"] = category.pk
        elif name == "bucket":
            bucket = targets.buckets.get(UUID(value))
            if bucket is None or bucket.archived or "bucket" not in ALLOWED[kind]:
                continue
            if not (overwrite or _empty_bucket(view, system_bucket_id)):
                continue
            if _uuid(view.get("bucket")) != bucket.pk:
                view["bucket"] = changes["bucket"] = bucket.pk
        elif name in ("payee", "payee_name"):
            if view.get("payee_name") and not overwrite:
                continue
            if name == "payee":
                payee = targets.payees.get(UUID(value))
                if payee is None or payee.pk == view.get("payee"):
                    continue
                view["payee"], view["payee_name"] = payee.pk, payee.name
                changes["payee"] = payee.pk
                changes.pop("payee_name", None)
            else:
                if name_key(value) == name_key(view.get("payee_name") or ""):
                    continue
                known = view.get("_by_key", {}).get(name_key(value))
                view["payee"], view["payee_name"] = (known.pk if known else None), value
                changes["payee_name"] = value
                changes.pop("payee", None)
        elif name == "tags":
            tags = list(view.get("tags") or [])
            added = [t for t in value if t not in tags]
            if added and len(tags) + len(added) <= TAGS_MAX:
                view["tags"] = changes["tags"] = tags + added
        elif (not view.get(name) or overwrite) and view.get(name) != value:
            view[name] = changes[name] = value
    return changes


def _input_set(item: dict, changes: dict[str, Any]) -> None:
    """A new transaction's input after the actions: a payee by id replaces a name."""
    for name, value in changes.items():
        item[name] = value
    if "payee" in changes:
        item["payee_name"] = None
    if "payee_name" in changes:
        item["payee"] = None


def history_categories(*, ledger: Ledger, payee_ids: set[UUID]) -> dict[tuple[UUID, str], UUID]:
    """(payee, kind) → the category of that type most used with the payee in the ledger
    (ties: the most recently used), for income and expense; one grouped query. Archived
    categories are left out: a new transaction could not take them."""
    if not payee_ids:
        return {}
    rows = (
        Transaction.objects.filter(
            ledger=ledger,
            payee_id__in=payee_ids,
            kind__in=(Kind.INCOME, Kind.EXPENSE),
            category__type=F("kind"),
            category__archived=False,
        )
        .values("payee_id", "kind", "category_id")
        .annotate(uses=Count("id"), last_date=Max("date"), last_created=Max("created_at"))
    )
    best: dict[tuple[UUID, str], tuple] = {}
    for row in rows:
        key = (row["payee_id"], row["kind"])
        rank = (row["uses"], row["last_date"], row["last_created"])
        if key not in best or rank > best[key][0]:
            best[key] = (rank, row["category_id"])
    return {key: category for key, (_, category) in best.items()}


# What a condition on a field reads of an item besides that field (`condition_test`), and
# what an action on a field reads besides it (`actions_apply`; every action reads the kind).
_CONDITION_READS = {"wallet": ("wallet", "from_wallet", "to_wallet")}
_ACTION_READS = {"payee": ("payee", "payee_name"), "payee_name": ("payee", "payee_name")}


def _lists(values: dict[str, Any]) -> list[str]:
    return [name for name, value in values.items() if isinstance(value, list)]


def _replay(target: dict[str, Any], values: dict[str, Any], lists: list[str]) -> None:
    """`values` set on `target`, each list its own copy (items never share a list)."""
    target.update(values)
    for name in lists:
        target[name] = list(values[name])


def memo_key(rules: list[Rule]):
    """A function of an item's view giving what running `rules` over it depends on: the
    values of every field a condition or an action of theirs reads, and for the amount
    (which no action changes) only the answer of each distinct amount condition. Items
    with the same key get the same changes, so a batch runs the rules once per key."""
    fields, amounts = {"kind"}, {}
    for rule in rules:
        for condition in rule.conditions:
            if condition["field"] == "amount":
                amounts.setdefault(repr((condition["op"], condition["value"])), condition)
            else:
                name = condition["field"]
                fields.update(_CONDITION_READS.get(name, (name,)))
        for action in rule.actions:
            fields.update(_ACTION_READS.get(action["field"], (action["field"],)))
    # The tags (a list) as a tuple; every other field as it is (a value that cannot be a
    # key makes the caller run the rules for that item).
    names = tuple(sorted(fields - {"tags"}))
    tests = [condition_test(condition) for condition in amounts.values()]
    tagged = "tags" in fields

    def key(view: Item) -> tuple:
        return (
            *map(view.get, names),
            tuple(view.get("tags") or ()) if tagged else (),
            *[test(view) for test in tests],
        )

    return key


def _rules_apply(items: list[dict], views: list[Item], compiled, targets, key_of) -> None:
    """The rules over each item (and its view), once per distinct key (`memo_key`): what
    they set on the first item and its view is set on the others with that key."""
    memo: dict[tuple, tuple[dict, list[str], dict, list[str]]] = {}
    for item, view in zip(items, views, strict=True):
        key = key_of(view)
        try:
            found = memo.get(key)
        except TypeError:  # a value that cannot be a key: this item without the memo
            key, found = None, None
        if found is not None:
            item_set, item_lists, view_set, view_lists = found
            _replay(item, item_set, item_lists)
            _replay(view, view_set, view_lists)
            continue
        before, item_set = dict(view), {}
        for rule in compiled:
            if rule.matches(view):
                changes = actions_apply(view, rule.actions, targets)
                _input_set(item, changes)
                _input_set(item_set, changes)  # what the item got, in the end
                if rule.stop:
                    break
        if key is not None:
            view_set = {
                name: value
                for name, value in view.items()
                if name not in before or before[name] != value
            }
            memo[key] = (item_set, _lists(item_set), view_set, _lists(view_set))
            _replay(item_set, dict(item_set), _lists(item_set))  # its own lists, too
            _replay(view_set, dict(view_set), _lists(view_set))


def rules_run(*, ledger: Ledger, items: list[dict]) -> None:
    """Fills what new transactions' input left empty, in place: the ledger's active rules
    in position order (a matching rule with `stop` ends the run for that transaction),
    then the payee history for an income or expense still without a category.

    The rules run once per distinct `memo_key` of the batch (an import of 100 000 rows
    repeats the same few descriptions, wallets and categories); the other items with that
    key get the same changes, to their input and their view."""
    rules = active_rules(ledger=ledger)
    if not rules and not any(item.get("payee") or item.get("payee_name") for item in items):
        return  # no rule to match, no payee whose history to follow
    compiled = [CompiledRule.of(rule) for rule in rules]
    targets = targets_load(ledger=ledger, rules=rules) if rules else Targets()
    views = views_build(ledger=ledger, items=items, rules=rules)
    if rules:
        _rules_apply(items, views, compiled, targets, memo_key(rules))
    learners = [
        (item, view)
        for item, view in zip(items, views, strict=True)
        if view.get("kind") in (Kind.INCOME, Kind.EXPENSE)
        and not item.get("category")
        and view.get("payee")
    ]
    history = history_categories(ledger=ledger, payee_ids={v["payee"] for _, v in learners})
    for item, view in learners:
        category = history.get((view["payee"], str(view["kind"])))
        if category is not None:
            item["category"] = category
