"""What the Rules tab and the split editor need to know, without Streamlit's layout: the
conditions and actions a rule takes (SPEC §12) and how rows typed in a table become a rule's
body, how a rule reads back as one sentence, and the arithmetic of split lines (SPEC §13).

Names typed by a person (a category, a wallet, a payee) are matched case-insensitively to the
ledger's objects and sent as ids; amounts are parsed exactly, never through a float.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from dashboard import forms
from dashboard.api import FieldError
from dashboard.formatting import places
from dashboard.forms import FormErrors

TEXT_OPS = ("contains", "is", "starts_with", "ends_with", "matches")
AMOUNT_OPS = ("eq", "gt", "gte", "lt", "lte", "between")
CHOICE_OPS = ("is", "is_not")
# Condition field → the operators it takes (mirrors the API's rules, SPEC §12).
CONDITION_OPS: dict[str, tuple[str, ...]] = {
    "description": TEXT_OPS,
    "payee_name": TEXT_OPS,
    "notes": TEXT_OPS,
    "amount": AMOUNT_OPS,
    "kind": CHOICE_OPS,
    "wallet": CHOICE_OPS,
    "category": CHOICE_OPS,
    "payee": CHOICE_OPS,
    "external_id": ("is",),
}
CONDITION_LABELS = {
    "description": "Description",
    "payee_name": "Payee",
    "notes": "Notes",
    "amount": "Amount",
    "kind": "Kind",
    "wallet": "Wallet",
    "category": "Category",
    "payee": "Payee (exact)",
    "external_id": "Bank id",
}
OP_LABELS = {
    "contains": "contains",
    "is": "is",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "matches": "matches the pattern",
    "eq": "=",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "between": "between",
    "is_not": "is not",
}
ACTION_FIELDS = ("category", "bucket", "payee_name", "description", "notes", "tags")
ACTION_LABELS = {
    "category": "Set category",
    "bucket": "Set bucket",
    "payee_name": "Set payee",
    "description": "Set description",
    "notes": "Set notes",
    "tags": "Add tags",
}
MATCH_LABELS = {"all": "all conditions hold", "any": "any condition holds"}
MAX_PATTERN = 500
_BETWEEN = re.compile(r"^\s*(.+?)\s*(?:\.\.|\u2013|\u2014|\bto\b|-)\s*(.+?)\s*$")


@dataclass(frozen=True)
class Objects:
    """The ledger's objects a rule may name, as the API lists them."""

    wallets: Sequence[Mapping[str, Any]] = ()
    buckets: Sequence[Mapping[str, Any]] = ()
    categories: Sequence[Mapping[str, Any]] = ()
    payees: Sequence[Mapping[str, Any]] = ()

    def find(self, group: str, name: str) -> Mapping[str, Any] | None:
        """The active object of ``group`` called ``name`` (any case), or None."""
        wanted = name.strip().casefold()
        for item in getattr(self, group):
            if item["name"].casefold() == wanted and not item.get("archived"):
                return item
        return None

    def name(self, group: str, ref: Any) -> str:
        for item in getattr(self, group):
            if str(item["id"]) == str(ref):
                return item["name"]
        return "Unknown"


_GROUP = {"wallet": "wallets", "category": "categories", "payee": "payees", "bucket": "buckets"}


def _blank(row: Mapping[str, Any]) -> bool:
    return not any(str(row.get(k) or "").strip() for k in ("field", "op", "value"))


def build_conditions(rows: Sequence[Mapping[str, Any]], objects: Objects) -> list[dict[str, Any]]:
    """Table rows ``{field, op, value}`` (labels as shown) → the API's conditions. Empty rows
    are dropped; every problem is named by its row ("conditions.2.value")."""
    fields_by_label = {v: k for k, v in CONDITION_LABELS.items()}
    ops_by_label = {v: k for k, v in OP_LABELS.items()}
    conditions: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    for row in (r for r in rows if not _blank(r)):
        where = f"conditions.{len(conditions)}"
        field_name = fields_by_label.get(str(row.get("field") or ""), row.get("field"))
        op = ops_by_label.get(str(row.get("op") or ""), row.get("op"))
        value = str(row.get("value") or "").strip()
        if field_name not in CONDITION_OPS:
            errors.append(FieldError(field=f"{where}.field", message="Choose what to look at."))
            conditions.append({})
            continue
        if op not in CONDITION_OPS[field_name]:
            allowed = ", ".join(OP_LABELS[o] for o in CONDITION_OPS[field_name])
            message = f"{CONDITION_LABELS[field_name]} takes: {allowed}."
            errors.append(FieldError(field=f"{where}.op", message=message))
            conditions.append({})
            continue
        try:
            parsed = _condition_value(field_name, op, value, objects, f"{where}.value")
        except FormErrors as error:
            errors += error.errors
            conditions.append({})
            continue
        conditions.append({"field": field_name, "op": op, "value": parsed})
    if not conditions and not errors:
        errors.append(FieldError(field="conditions", message="Add at least one condition."))
    if errors:
        raise FormErrors(errors)
    return conditions


def _condition_value(field_name: str, op: str, value: str, objects: Objects, where: str) -> Any:
    def fail(message: str) -> FormErrors:
        return FormErrors([FieldError(field=where, message=message)])

    if not value:
        raise fail("Enter a value.")
    if field_name == "amount":
        if op == "between":
            pair = _BETWEEN.match(value)
            if not pair:
                raise fail("Enter two amounts such as 10 to 20.")
            low, high = _rule_amount(pair[1], where), _rule_amount(pair[2], where)
            if low > high:
                raise fail("The first amount is above the second.")
            return [str(low), str(high)]
        return str(_rule_amount(value, where))
    if field_name == "kind":
        kind = value.casefold()
        if kind not in forms.KINDS:
            raise fail(f"Enter one of: {', '.join(forms.KINDS)}.")
        return kind
    if field_name in _GROUP:
        found = objects.find(_GROUP[field_name], value)
        if found is None:
            raise fail(f"No {field_name} is called {value}.")
        return str(found["id"])
    if op == "matches" and len(value) > MAX_PATTERN:
        raise fail(f"Keep the pattern to {MAX_PATTERN} characters.")
    return value


# A rule may test a wallet in any currency: as many places as any has (KWD's three).
RULE_AMOUNT_PLACES = 3


def _rule_amount(text: str, where: str) -> Decimal:
    """A condition's amount, exact: two places unless it needs three (12.50, 1.005)."""
    amount = forms.parse_balance(text, field_name=where, required=True, decimals=RULE_AMOUNT_PLACES)
    two = amount.quantize(Decimal("0.01"))
    return two if two == amount else amount


def build_actions(rows: Sequence[Mapping[str, Any]], objects: Objects) -> list[dict[str, Any]]:
    """Table rows ``{field, value}`` → the API's actions (names become ids)."""
    fields_by_label = {v: k for k, v in ACTION_LABELS.items()}
    actions: list[dict[str, Any]] = []
    errors: list[FieldError] = []
    for row in rows:
        label, value = str(row.get("field") or ""), str(row.get("value") or "").strip()
        if not label and not value:
            continue
        where = f"actions.{len(actions)}"
        field_name = fields_by_label.get(label, label)
        actions.append({})
        if field_name not in ACTION_FIELDS:
            errors.append(FieldError(field=f"{where}.field", message="Choose what to set."))
            continue
        if not value:
            errors.append(FieldError(field=f"{where}.value", message="Enter a value."))
            continue
        if field_name in ("category", "bucket"):
            found = objects.find(_GROUP[field_name], value)
            if found is None:
                message = f"No active {field_name} is called {value}."
                errors.append(FieldError(field=f"{where}.value", message=message))
                continue
            actions[-1] = {"field": field_name, "value": str(found["id"])}
        elif field_name == "tags":
            actions[-1] = {"field": "tags", "value": forms.parse_tags(value)}
        else:
            actions[-1] = {"field": field_name, "value": value}
    if not actions and not errors:
        errors.append(FieldError(field="actions", message="Add at least one action."))
    if errors:
        raise FormErrors(errors)
    return actions


def describe(rule: Mapping[str, Any], objects: Objects) -> str:
    """A rule as one plain sentence: "If payee contains rewe: set category Groceries"."""
    joiner = " and " if rule.get("match", "all") == "all" else " or "
    parts = []
    for condition in rule.get("conditions") or []:
        field_name, value = condition.get("field"), condition.get("value")
        if field_name in _GROUP:
            value = objects.name(_GROUP[field_name], value)
        elif isinstance(value, list):
            value = " to ".join(str(v) for v in value)
        label = CONDITION_LABELS.get(field_name, str(field_name)).lower()
        parts.append(f"{label} {OP_LABELS.get(condition.get('op'), condition.get('op'))} {value}")
    doing = []
    for action in rule.get("actions") or []:
        field_name, value = action.get("field"), action.get("value")
        if field_name in ("category", "bucket", "payee"):
            value = objects.name(_GROUP[field_name], value)
        elif isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        label = ACTION_LABELS.get(field_name, f"Set {field_name}").lower()
        doing.append(f"{label} {value}")
    text = f"If {joiner.join(parts)}: {'; '.join(doing)}"
    return text + (" (then stop)" if rule.get("stop") else "")


def rule_from_transaction(
    transaction: Mapping[str, Any], category_id: str, category_name: str
) -> dict[str, Any]:
    """ "Always categorise this payee (or description) as ``category``": a rule's body."""
    payee = (transaction.get("payee_name") or "").strip()
    if payee:
        condition = {"field": "payee_name", "op": "is", "value": payee}
        subject = payee
    else:
        subject = (transaction.get("description") or "").strip()
        condition = {"field": "description", "op": "contains", "value": subject}
    return {
        "name": f"{subject} → {category_name}"[:100],
        "match": "all",
        "conditions": [condition, {"field": "kind", "op": "is", "value": transaction["kind"]}],
        "actions": [{"field": "category", "value": category_id}],
    }


# --- split lines --------------------------------------------------------------------------------

CENT = Decimal("0.01")
MAX_SPLIT_LINES = 50


def line_amount(text: Any, decimals: int = 2) -> Decimal | None:
    """A split line's typed amount (``decimals``: its currency's places), or None when empty
    or not a plain amount."""
    try:
        return forms.parse_amount(str(text or ""), decimals=decimals)
    except FormErrors:
        return None


def left_to_assign(
    total: Decimal | None, lines: Sequence[Mapping[str, Any]], decimals: int = 2
) -> Decimal | None:
    """What the lines still have to take (negative: they are over), or None without a total."""
    if total is None:
        return None
    taken = sum(
        (line_amount(line.get("amount"), decimals) or Decimal(0) for line in lines), Decimal(0)
    )
    return total - taken


def left_text(left: Decimal | None, currency: str, decimals: int = 2) -> str:
    if left is None:
        return "Enter the amount to split."
    if left == 0:
        return "Every cent is assigned."
    unit = f" {currency}" if currency else ""
    if left > 0:
        return f"{left:,.{decimals}f}{unit} left to assign."
    return f"The lines are {-left:,.{decimals}f}{unit} over the amount."


def split_rest_evenly(
    total: Decimal | None, lines: Sequence[Mapping[str, Any]], decimals: int = 2
) -> list[dict[str, Any]] | None:
    """The lines with the rest shared out over the lines that have no amount yet, to the cent
    (the currency's smallest unit; the first lines take the odd ones); None when there is no
    rest or no empty line."""
    left = left_to_assign(total, lines, decimals)
    empty = [i for i, line in enumerate(lines) if line_amount(line.get("amount"), decimals) is None]
    if left is None or left <= 0 or not empty:
        return None
    unit = Decimal(1).scaleb(-decimals)
    cents = int(left / unit)
    share, odd = divmod(cents, len(empty))
    result = [dict(line) for line in lines]
    for n, index in enumerate(empty):
        result[index]["amount"] = f"{(share + (1 if n < odd else 0)) * unit:.{decimals}f}"
    return result


def build_splits(
    kind: str,
    total: Decimal,
    lines: Sequence[Mapping[str, Any]],
    objects: Objects,
    decimals: int = 2,
) -> list[dict[str, Any]]:
    """Editor rows ``{category, amount, bucket, description}`` (names) → the API's ``splits``.
    The sum must equal ``total``: the message says by how much it is over or under."""
    errors: list[FieldError] = []
    splits: list[dict[str, Any]] = []
    rows = [
        line
        for line in lines
        if any(str(line.get(k) or "").strip() for k in ("category", "amount", "description"))
    ]
    for line in rows:
        where = f"splits.{len(splits)}"
        splits.append({})
        category = objects.find("categories", str(line.get("category") or ""))
        if category is None or category.get("type") != kind:
            errors.append(
                FieldError(field=f"{where}.category", message=f"Choose a {kind} category.")
            )
            continue
        amount = line_amount(line.get("amount"), decimals)
        if amount is None:
            errors.append(
                FieldError(field=f"{where}.amount", message="Enter an amount above zero.")
            )
            continue
        split: dict[str, Any] = {"category": str(category["id"]), "amount": str(amount)}
        bucket_name = str(line.get("bucket") or "").strip()
        if kind == "expense" and bucket_name:
            bucket = objects.find("buckets", bucket_name)
            if bucket is None:
                errors.append(FieldError(field=f"{where}.bucket", message="Choose a bucket."))
                continue
            split["bucket"] = str(bucket["id"])
        description = str(line.get("description") or "").strip()
        if description:
            split["description"] = description
        splits[-1] = split
    if not errors and not 2 <= len(splits) <= MAX_SPLIT_LINES:
        errors.append(FieldError(field="splits", message="A split takes 2 to 50 lines."))
    if not errors:
        message = left_text(left_to_assign(total, rows, decimals), "", decimals)
        if message != "Every cent is assigned.":
            errors.append(FieldError(field="splits", message=message))
    if errors:
        raise FormErrors(errors)
    return splits


def split_rows(transaction: Mapping[str, Any], objects: Objects) -> list[dict[str, Any]]:
    """A split transaction's lines as the editor shows them (names, amounts as text)."""
    return [
        {
            "category": objects.name("categories", line.get("category")),
            "amount": f"{Decimal(str(line['amount'])):.{places(transaction.get('currency'))}f}",
            "bucket": objects.name("buckets", line["bucket"]) if line.get("bucket") else "",
            "description": line.get("description") or "",
        }
        for line in transaction.get("splits") or []
    ]
