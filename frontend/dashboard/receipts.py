"""Receipts and attachments (SPEC §17) without widgets: which files get a preview, the
scan's suggestion as form defaults, and the form's values as the accept request's
overrides."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from dashboard.forms import parse_amount

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
UPLOAD_TYPES = ["jpg", "jpeg", "png", "webp", "heic", "pdf"]
# Previews are fetched for the first few images of a transaction only.
PREVIEW_LIMIT = 4
WAITING = ("queued", "running")


def is_image(attachment: Mapping[str, Any]) -> bool:
    return attachment.get("content_type") in IMAGE_TYPES


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def form_defaults(receipt: Mapping[str, Any], today: date) -> dict[str, Any]:
    """The confirm form's starting values from a receipt's suggestion (a failed scan
    suggests nothing: the form starts empty, dated today)."""
    suggestion = receipt.get("suggestion") or {}
    when = suggestion.get("date")
    return {
        "date": date.fromisoformat(when) if when else today,
        "amount": suggestion.get("amount") or "",
        "payee_name": suggestion.get("payee_name") or "",
        "description": suggestion.get("description") or "",
        "wallet": suggestion.get("wallet"),
        "category": suggestion.get("category"),
    }


def low_confidence(receipt: Mapping[str, Any], threshold: float = 0.5) -> list[str]:
    """The fields the scan was unsure of, to be checked."""
    confidence = (receipt.get("suggestion") or {}).get("confidence") or {}
    names = {"date": "date", "amount": "amount", "payee": "payee"}
    return [label for key, label in names.items() if float(confidence.get(key, 0)) < threshold]


def accept_overrides(values: Mapping[str, Any], decimals: int = 2) -> dict[str, Any]:
    """The form's values as POST …/receipts/{id}/accept's `overrides`; `FormErrors` for an
    amount that is not one (``decimals``: the places of the wallet's currency). Empty optional
    fields are left to the suggestion."""
    overrides: dict[str, Any] = {
        "kind": "expense",
        "date": values["date"].isoformat(),
        "amount": str(parse_amount(values.get("amount") or "", decimals=decimals)),
    }
    for name in ("wallet", "category"):
        if values.get(name):
            overrides[name] = values[name]
    for name in ("payee_name", "description"):
        text = (values.get(name) or "").strip()
        if text:
            overrides[name] = text
    return overrides
