"""What the Activity page and a transaction's history need, without Streamlit's layout: an
entry of the ledger's activity log (SPEC §16) as the rows a person reads — when, who, how
they were signed in, what, and each changed field as "old → new"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

ACTIONS = {
    "create": "Added",
    "update": "Changed",
    "delete": "Deleted",
    "import": "Imported",
    "undo": "Undid",
    "restore": "Restored",
    "invite": "Invited",
    "revoke": "Revoked",
}
OBJECT_TYPES = {
    "transaction": "Transaction",
    "wallet": "Wallet",
    "bucket": "Bucket",
    "category": "Category",
    "payee": "Payee",
    "rule": "Rule",
    "budget": "Budget",
    "goal": "Goal",
    "recurring": "Recurring transaction",
    "import": "Import",
    "ledger": "Ledger",
    "member": "Member",
    "invitation": "Invitation",
}


def when(at: str) -> str:
    """ "2026-12-04T21:38:51.372Z" → "2026-12-04 21:38" (as the API wrote it, UTC)."""
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
    except (AttributeError, ValueError):
        return str(at)


def who(entry: Mapping[str, Any]) -> str:
    """The actor and how they were signed in: "ada@example.com (API key nightly)"."""
    email = (entry.get("actor") or {}).get("email") or ""
    via = entry.get("via") or ""
    if via.startswith("api_key:"):
        how = f"API key {via.removeprefix('api_key:')}"
    elif via == "import":
        how = "import"
    elif via in ("system", "worker"):
        return "the system"
    else:
        how = ""
    if not email:
        return how or "someone"
    return f"{email} ({how})" if how else email


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "{…}"
    return str(value)


def changes_text(changes: Mapping[str, Any] | None) -> str:
    """ "amount: 12.50 → 15.00; description: — → Milk" (a bulk entry names only the new)."""
    parts = []
    for field, pair in (changes or {}).items():
        old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        label = field.replace("_", " ")
        if old is None:
            parts.append(f"{label}: {_value(new)}")
        else:
            parts.append(f"{label}: {_value(old)} → {_value(new)}")
    return "; ".join(parts)


def what(entry: Mapping[str, Any]) -> str:
    """ "Changed transaction expense 12.50 Bread" or "Imported 500 transactions from bank.csv"."""
    action = ACTIONS.get(entry.get("action", ""), str(entry.get("action", "")).capitalize())
    noun = OBJECT_TYPES.get(entry.get("object_type", ""), str(entry.get("object_type", "")))
    count = int(entry.get("count") or 1)
    summary = entry.get("summary") or ""
    if entry.get("object_type") == "import":
        return f"{action} {count:,} transactions from {summary}".strip()
    text = f"{action} {noun.lower()}"
    if count > 1 and not entry.get("object_id"):
        text = f"{action} {count:,} {noun.lower()}s"
    return f"{text}: {summary}" if summary else text


def rows(entries: list[Mapping[str, Any]]) -> list[dict[str, str]]:
    """The entries as table rows, newest first as the API sends them."""
    return [
        {
            "When": when(e.get("at", "")),
            "Who": who(e),
            "What": what(e),
            "Changes": changes_text(e.get("changes")),
        }
        for e in entries
    ]
