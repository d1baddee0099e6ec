"""Helpers for the rules tests."""

from typing import Any


def rules_path(ledger, rule_id=None) -> str:
    path = f"/ledgers/{ledger.pk}/rules"
    return f"{path}/{rule_id}" if rule_id else path


def rule_body(h, **changes: Any) -> dict[str, Any]:
    """A rule: description containing "market" → Groceries."""
    return {
        "name": "Groceries at the market",
        "conditions": [{"field": "description", "op": "contains", "value": "market"}],
        "actions": [{"field": "category", "value": str(h.groceries.pk)}],
        **changes,
    }
