"""What a rule may say (SPEC §12), in one place: the condition fields and their operators,
the action fields; the check of a rule's body (`rule_errors`, errors named
`conditions.2.op`), and the compiled form the engine runs (`CompiledRule`).

Text conditions are case-insensitive (casefold). `matches` runs a regular expression with
RE2 (google-re2): linear time whatever the pattern and the text, no back-references; a
search anywhere in the text (`^…$` anchors). A user's pattern never reaches Python's `re`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

import re2

from budget.common.currencies import MAX_PLACES
from budget.common.money import MAX_AMOUNT
from budget.money.models import Kind

TEXT_OPS = ("is", "contains", "starts_with", "ends_with", "matches")
AMOUNT_OPS = ("eq", "gt", "gte", "lt", "lte", "between")
ID_OPS = ("is", "is_not")
# Condition field → the operators it takes.
CONDITION_OPS: dict[str, tuple[str, ...]] = {
    "description": TEXT_OPS,
    "payee_name": TEXT_OPS,
    "notes": TEXT_OPS,
    "amount": AMOUNT_OPS,
    "kind": ID_OPS,
    "wallet": ID_OPS,
    "category": ID_OPS,
    "payee": ID_OPS,
    "external_id": ("is",),
}
# Condition fields whose value is an object of the ledger, by id: field → its group.
CONDITION_REFERENCES = {"wallet": "wallets", "category": "categories", "payee": "payees"}
ACTION_FIELDS = ("category", "bucket", "payee", "payee_name", "description", "notes", "tags")
ACTION_REFERENCES = {"category": "categories", "bucket": "buckets", "payee": "payees"}
# What an action may never change.
UNCHANGEABLE = ("kind", "amount", "date", "wallet", "from_wallet", "to_wallet")
TEXT_LIMITS = {"description": 255, "notes": 2000, "payee_name": 100}
PATTERN_MAX = 500
TAG_MAX, TAGS_MAX = 50, 20


def _options() -> re2.Options:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False
    return options


def pattern_compile(pattern: str):
    """RE2, case-insensitive; raises re2.error for a pattern RE2 refuses."""
    return re2.compile(pattern, _options())


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        return None
    # As many places as any currency has (SPEC §14: a rule may test a wallet in KWD).
    if amount.as_tuple().exponent < -MAX_PLACES:
        return None
    return amount


def _amount_text(amount: Decimal) -> str:
    """An amount condition as stored: two places, three when the third is not zero."""
    two = amount.quantize(Decimal("0.01"))
    return f"{two:.2f}" if two == amount else f"{amount:.{MAX_PLACES}f}"


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


# --- Checking a rule's body ----------------------------------------------------------------


@dataclass
class Known:
    """The ledger's objects a rule may name, by id (loaded by the service): what they are
    and whether they are archived."""

    wallets: dict[UUID, Any] = field(default_factory=dict)
    buckets: dict[UUID, Any] = field(default_factory=dict)
    categories: dict[UUID, Any] = field(default_factory=dict)
    payees: dict[UUID, Any] = field(default_factory=dict)


def referenced_ids(conditions: list[dict], actions: list[dict]) -> dict[str, set[UUID]]:
    """The ids a rule's body names, per group, so the service loads them in one query each."""
    ids: dict[str, set[UUID]] = {"wallets": set(), "buckets": set(), "categories": set()}
    ids["payees"] = set()
    for parts, groups in ((conditions, CONDITION_REFERENCES), (actions, ACTION_REFERENCES)):
        for item in parts:
            name = item.get("field")
            if name in groups and (pk := _uuid(item.get("value"))):
                ids[groups[name]].add(pk)
    return ids


def rule_errors(
    conditions: list[dict], actions: list[dict], known: Known
) -> tuple[list[dict[str, str]], list[dict], list[dict]]:
    """Checks a rule's conditions and actions: (errors as [{field, message}] with the
    field `conditions.2.op`, the conditions as stored, the actions as stored)."""
    errors: list[dict[str, str]] = []
    clean_conditions, clean_actions = [], []
    for index, condition in enumerate(conditions):
        found, clean = _condition_check(condition, known)
        errors += [{"field": f"conditions.{index}.{f}", "message": m} for f, m in found]
        clean_conditions.append(clean)
    for index, action in enumerate(actions):
        found, clean = _action_check(action, known)
        errors += [{"field": f"actions.{index}.{f}", "message": m} for f, m in found]
        clean_actions.append(clean)
    return errors, clean_conditions, clean_actions


def _condition_check(condition: dict, known: Known) -> tuple[list[tuple[str, str]], dict]:
    name, op, value = condition.get("field"), condition.get("op"), condition.get("value")
    if name not in CONDITION_OPS:
        return [
            ("field", f"A condition cannot test '{name}'; use one of {_list(CONDITION_OPS)}.")
        ], {}
    if op not in CONDITION_OPS[name]:
        return [
            ("op", f"'{op}' does not apply to {name}; use one of {_list(CONDITION_OPS[name])}.")
        ], {}
    clean = {"field": name, "op": op, "value": value}
    if name in ("description", "payee_name", "notes", "external_id"):
        if not isinstance(value, str) or not value:
            return [("value", "Expected a non-empty text.")], clean
        if len(value) > PATTERN_MAX:
            return [("value", f"At most {PATTERN_MAX} characters.")], clean
        if op == "matches":
            try:
                pattern_compile(value)
            except re2.error as error:
                reason = (
                    error.args[0].decode()
                    if error.args and isinstance(error.args[0], bytes)
                    else str(error)
                )
                return [("value", f"Not a regular expression RE2 can run: {reason}.")], clean
    elif name == "amount":
        if op == "between":
            bounds = (
                [_money(v) for v in value] if isinstance(value, list) and len(value) == 2 else None
            )
            if bounds is None or None in bounds:
                return [
                    (
                        "value",
                        "Expected [low, high]: two amounts of at most "
                        f"{MAX_PLACES} decimal places.",
                    )
                ], clean
            if bounds[0] > bounds[1]:
                return [("value", "The low amount is above the high one.")], clean
            clean["value"] = [_amount_text(b) for b in bounds]
        else:
            amount = _money(value)
            if amount is None:
                return [
                    ("value", f"Expected an amount ≥ 0 with at most {MAX_PLACES} decimal places.")
                ], clean
            clean["value"] = _amount_text(amount)
    elif name == "kind":
        if value not in Kind.values:
            return [("value", f"Expected a kind: {_list(Kind.values)}.")], clean
    else:
        pk = _uuid(value)
        noun = name
        if pk is None or pk not in getattr(known, CONDITION_REFERENCES[name]):
            return [("value", f"No such {noun} in this ledger.")], clean
        clean["value"] = str(pk)
    return [], clean


def _action_check(action: dict, known: Known) -> tuple[list[tuple[str, str]], dict]:
    name, value = action.get("field"), action.get("value")
    if name in UNCHANGEABLE:
        return [("field", f"A rule never changes a transaction's {name}.")], {}
    if name not in ACTION_FIELDS:
        return [("field", f"An action cannot set '{name}'; use one of {_list(ACTION_FIELDS)}.")], {}
    clean = {"field": name, "value": value}
    if name in ACTION_REFERENCES:
        pk = _uuid(value)
        target = getattr(known, ACTION_REFERENCES[name]).get(pk) if pk else None
        if target is None:
            return [("value", f"No such {name} in this ledger.")], clean
        if getattr(target, "archived", False):
            return [("value", f"The {name} '{target.name}' is archived.")], clean
        clean["value"] = str(pk)
    elif name == "tags":
        tags = [value] if isinstance(value, str) else value
        if (
            not isinstance(tags, list)
            or not tags
            or len(tags) > TAGS_MAX
            or not all(isinstance(t, str) and t.strip() and len(t.strip()) <= TAG_MAX for t in tags)
        ):
            return [
                ("value", f"Expected 1 to {TAGS_MAX} tags of at most {TAG_MAX} characters.")
            ], clean
        clean["value"] = list(dict.fromkeys(t.strip() for t in tags))
    else:
        limit = TEXT_LIMITS[name]
        if not isinstance(value, str) or not value.strip():
            return [("value", "Expected a non-empty text.")], clean
        if len(value.strip()) > limit:
            return [("value", f"At most {limit} characters.")], clean
        clean["value"] = value.strip()
    return [], clean


def _list(names) -> str:
    return ", ".join(str(n) for n in names)


# --- Running a rule ------------------------------------------------------------------------

# An item as the engine sees it: the transaction's input (references as UUIDs or None), with
# `payee_name` always the payee's name ("" for none), `payee` its id when the ledger has it.
Item = dict[str, Any]
Test = Callable[[Item], bool]


def _text(item: Item, name: str) -> str:
    return str(item.get(name) or "").casefold()


def _text_test(name: str, op: str, value: str) -> Test:
    if op == "matches":
        pattern = pattern_compile(value)
        return lambda item: pattern.search(str(item.get(name) or "")) is not None
    wanted = value.casefold()
    compare = {
        "is": lambda text: text == wanted,
        "contains": lambda text: wanted in text,
        "starts_with": lambda text: text.startswith(wanted),
        "ends_with": lambda text: text.endswith(wanted),
    }[op]
    return lambda item: compare(_text(item, name).strip() if op == "is" else _text(item, name))


def _amount_test(op: str, value: Any) -> Test:
    if op == "between":
        low, high = Decimal(value[0]), Decimal(value[1])
        compare = lambda a: low <= a <= high  # noqa: E731
    else:
        bound = Decimal(value)
        compare = {
            "eq": lambda a: a == bound,
            "gt": lambda a: a > bound,
            "gte": lambda a: a >= bound,
            "lt": lambda a: a < bound,
            "lte": lambda a: a <= bound,
        }[op]

    def test(item: Item) -> bool:
        amount = item.get("amount")
        return isinstance(amount, Decimal) and compare(abs(amount))

    return test


def _id_test(name: str, op: str, value: str) -> Test:
    names = ("wallet", "from_wallet", "to_wallet") if name == "wallet" else (name,)
    wanted = value if name == "kind" else _uuid(value)

    def found(item: Item) -> bool:
        if name == "kind":
            return str(item.get("kind") or "") == wanted
        return any(_uuid(item[n]) == wanted for n in names if item.get(n))

    return found if op == "is" else (lambda item: not found(item))


def condition_test(condition: dict) -> Test:
    name, op, value = condition["field"], condition["op"], condition["value"]
    if name in ("description", "payee_name", "notes"):
        return _text_test(name, op, value)
    if name == "amount":
        return _amount_test(op, value)
    if name == "external_id":
        wanted = value.strip()
        return lambda item: str(item.get("external_id") or "").strip() == wanted
    return _id_test(name, op, value)


@dataclass
class CompiledRule:
    id: UUID
    match_all: bool
    tests: list[Test]
    actions: list[dict]
    stop: bool

    @classmethod
    def of(cls, rule) -> "CompiledRule":
        return cls(
            id=rule.pk,
            match_all=rule.match == "all",
            tests=[condition_test(c) for c in rule.conditions],
            actions=rule.actions,
            stop=rule.stop,
        )

    def matches(self, item: Item) -> bool:
        results = (test(item) for test in self.tests)
        return all(results) if self.match_all else any(results)
