"""What the dashboard's forms need to know, without Streamlit's layout: which fields a
transaction kind takes, how typed text becomes an API body, what an edit changed, and how ids
become names.

Money typed by a person is parsed exactly (`parse_amount`): more than two decimals is an error
here too, never rounded away, and no float is ever involved.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import streamlit as st

from dashboard import labels, localisation
from dashboard.api import ApiError, FieldError
from dashboard.formatting import literal, places

KINDS = tuple(labels.TRANSACTION_KINDS)

TEXT_FIELDS = ("description", "notes", "tags")
REFERENCE_FIELDS = (
    "wallet",
    "from_wallet",
    "to_wallet",
    "bucket",
    "from_bucket",
    "to_bucket",
    "category",
)
# The references each kind takes, in the order the form shows them (mirrors the API's rules).
KIND_REFERENCES = {
    "income": ("wallet", "category", "bucket"),
    "expense": ("wallet", "category", "bucket"),
    "transfer": ("from_wallet", "to_wallet", "from_bucket", "to_bucket", "category"),
    "adjustment": ("wallet", "bucket"),
}
REQUIRED_REFERENCES = {
    "income": ("wallet", "category"),
    "expense": ("wallet", "category"),
    "transfer": (),
    "adjustment": ("wallet",),
}
# The category type a kind needs; an adjustment takes no category.
CATEGORY_TYPE = {"income": "income", "expense": "expense", "transfer": "neutral"}

FIELD_LABELS = {
    "kind": "Kind",
    "date": "Date",
    "amount": "Amount",
    "description": "Description",
    "notes": "Notes",
    "tags": "Tags",
    "category": "Category",
    "wallet": "Wallet",
    "bucket": "Bucket",
    "from_wallet": "From wallet",
    "to_wallet": "To wallet",
    "from_bucket": "From bucket",
    "to_bucket": "To bucket",
    "payee_name": "Payee",
    "payee": "Payee",
    "splits": "Split",
    "currency": "Currency",
    "base_amount": "Amount in the ledger's currency",
    "to_amount": "Amount received",
    "foreign_amount": "Foreign amount",
    "foreign_currency": "Foreign currency",
    "rate": "Rate",
}

# The columns of a transactions CSV (SPEC §10): what the import reads by default.
CSV_COLUMNS = (
    "date",
    "kind",
    "amount",
    "description",
    "category",
    "wallet",
    "bucket",
    "notes",
    "tags",
)
# The kinds that name who was paid or who paid, and can be split over categories.
PAYEE_KINDS = ("income", "expense")
MAX_PAYEE_LENGTH = 100
TAG_SEPARATOR = "|"
MAX_TAGS = 20
MAX_TAG_LENGTH = 50


class FormErrors(Exception):
    """Problems found before anything was sent; shown like the API's field errors."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(str(e) for e in errors))


def fields_for(kind: str) -> tuple[str, ...]:
    """Every field the form for ``kind`` shows, in order (``kind`` itself is chosen first)."""
    payee = ("payee",) if kind in PAYEE_KINDS else ()
    return ("date", "amount", *payee, *KIND_REFERENCES[kind], *TEXT_FIELDS)


def field_label(name: str) -> str:
    # "percents.<uuid>" and bulk names like "items.3.amount" keep their last part.
    last = name.rsplit(".", 1)[-1]
    return FIELD_LABELS.get(last, last.replace("_", " ").capitalize())


def _exact(text: str, field_name: str, decimals: int = 2) -> Decimal:
    """Typed text → Decimal, refusing anything but a plain number with at most ``decimals``
    decimals (the currency's places: 0 for JPY, 3 for KWD)."""
    cleaned = (text or "").strip().replace(" ", "")
    if not cleaned:
        raise FormErrors([FieldError(field=field_name, message="Enter an amount.")])
    mark = localisation.decimal_mark()
    number = localisation.normalise_amount(cleaned, mark)
    if number is None:
        example = f"12{mark}50"
        raise FormErrors(
            [FieldError(field=field_name, message=f"Enter a number such as {example}.")]
        )
    amount = Decimal(number)
    if -amount.as_tuple().exponent > decimals:
        message = (
            f"Use at most {decimals} decimal places." if decimals else "Use no decimal places."
        )
        raise FormErrors([FieldError(field=field_name, message=message)])
    return amount.quantize(Decimal(1).scaleb(-decimals))


def parse_amount(
    text: str, *, signed: bool = False, field_name: str = "amount", decimals: int = 2
) -> Decimal:
    """Money as a person typed it ("1,234.5", "-20") → an exact Decimal with ``decimals``
    places (the currency's; two unless told).

    Raises FormErrors for anything that is not a plain amount with at most two decimals, and
    for zero or a negative amount (a negative one passes when ``signed``).
    """
    amount = _exact(text, field_name, decimals)
    if signed and amount == 0:
        raise FormErrors([FieldError(field=field_name, message="Enter a non-zero amount.")])
    if not signed and amount <= 0:
        raise FormErrors([FieldError(field=field_name, message="Enter an amount above zero.")])
    return amount


def parse_balance(
    text: str, *, field_name: str, required: bool = False, decimals: int = 2
) -> Decimal | None:
    """A balance (opening or counted): any sign, zero included; empty means "not given"."""
    if not (text or "").strip() and not required:
        return None
    return _exact(text, field_name, decimals)


def parse_filter_amount(text: str, *, field_name: str) -> Decimal | None:
    """A min/max amount filter: empty means "any"; otherwise zero or more."""
    if not (text or "").strip():
        return None
    amount = _exact(text, field_name)
    if amount < 0:
        raise FormErrors([FieldError(field=field_name, message="Amounts compare without sign.")])
    return amount


def filter_params(typed: Mapping[str, Any]) -> dict[str, str]:
    """The filter form's values → the list endpoint's query parameters (empty ones left out)."""
    errors = []
    params: dict[str, str] = {}
    for name in ("date_from", "date_to"):
        if typed.get(name):
            params[name] = typed[name].isoformat()
    for name in ("kind", "category", "wallet", "bucket"):
        if typed.get(name):
            params[name] = str(typed[name])
    for name in ("q", "tag"):
        text = (typed.get(name) or "").strip()
        if text:
            params[name] = text
    for name in ("min_amount", "max_amount"):
        try:
            amount = parse_filter_amount(typed.get(name) or "", field_name=name)
        except FormErrors as error:
            errors += error.errors
            continue
        if amount is not None:
            params[name] = str(amount)
    if "date_from" in params and "date_to" in params and params["date_from"] > params["date_to"]:
        errors.append(FieldError(field="date_to", message="The end is before the start."))
    if typed.get("ordering") and typed["ordering"] != "-date":
        params["ordering"] = typed["ordering"]
    if errors:
        raise FormErrors(errors)
    return params


def parse_percent(text: str, *, field_name: str) -> Decimal:
    """A bucket percentage: 0 to 100 with at most two decimals ("" counts as 0)."""
    cleaned = (text or "").strip().rstrip("%").strip()
    if not cleaned:
        return Decimal("0.00")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise FormErrors([FieldError(field=field_name, message="Enter a number.")]) from exc
    if not value.is_finite():
        raise FormErrors([FieldError(field=field_name, message="Enter a number.")])
    if -value.as_tuple().exponent > 2:
        raise FormErrors([FieldError(field=field_name, message="Use at most 2 decimal places.")])
    if value < 0 or value > 100:
        raise FormErrors([FieldError(field=field_name, message="Enter 0 to 100.")])
    return value.quantize(Decimal("0.01"))


def percent_split(percents: Iterable[Decimal]) -> tuple[Decimal, Decimal]:
    """(total of the bucket percentages, what Unallocated gets — never below zero)."""
    total = sum(percents, Decimal("0.00"))
    return total, max(Decimal("100.00") - total, Decimal("0.00"))


def parse_tags(text: str) -> list[str]:
    """ "food, weekly | shop" → ["food", "weekly", "shop"] (commas or |; duplicates dropped)."""
    parts = re.split(r"[,|]", text or "")
    tags = [part.strip() for part in parts if part.strip()]
    return list(dict.fromkeys(tags))


# Amounts a transaction may carry besides ``amount`` (SPEC §14): in the base currency, in
# the receiving wallet's currency (a transfer between currencies), and what a receipt said.
OTHER_AMOUNTS = ("base_amount", "to_amount", "foreign_amount")


def build_payload(
    kind: str, values: Mapping[str, Any], places: Mapping[str, int] | None = None
) -> dict[str, Any]:
    """The POST body for a new transaction from the form's values.

    ``values`` holds ``date`` (a date), ``amount`` (the typed text), the references (ids or
    None) and the text fields (``tags`` as typed); and, in another currency (SPEC §14),
    optionally ``base_amount``, ``to_amount`` and ``foreign_amount`` + ``foreign_currency``.
    ``places`` gives each amount's decimals (its currency's; two where not given). Only the
    kind's fields go out, amounts as strings. Raises FormErrors naming every field that is
    missing or malformed.
    """
    places = places or {}
    if kind not in KIND_REFERENCES:
        raise FormErrors([FieldError(field="kind", message="Choose a kind.")])
    errors: list[FieldError] = []
    payload: dict[str, Any] = {"kind": kind}

    when = values.get("date")
    if not isinstance(when, date):
        errors.append(FieldError(field="date", message="Choose a date."))
    else:
        payload["date"] = when.isoformat()

    try:
        amount = parse_amount(
            values.get("amount", ""),
            signed=kind == "adjustment",
            decimals=places.get("amount", 2),
        )
        payload["amount"] = str(amount)
    except FormErrors as error:
        errors += error.errors
    errors += _other_amounts(kind, values, places, payload)

    split = values.get("splits") is not None and kind in PAYEE_KINDS
    for name in KIND_REFERENCES[kind]:
        ref = values.get(name)
        if split and name == "category":
            continue  # the lines carry the categories
        if ref:
            payload[name] = str(ref)
        elif name in REQUIRED_REFERENCES[kind]:
            errors.append(FieldError(field=name, message=f"Choose a {field_label(name).lower()}."))
    if split:
        payload["category"] = None
        payload["splits"] = list(values["splits"])
    if kind in PAYEE_KINDS:
        payee = (values.get("payee_name") or "").strip()
        if len(payee) > MAX_PAYEE_LENGTH:
            message = f"Keep the payee to {MAX_PAYEE_LENGTH} characters."
            errors.append(FieldError(field="payee_name", message=message))
        if payee:
            payload["payee_name"] = payee

    if kind == "transfer":
        errors += _transfer_errors(payload)

    payload["description"] = (values.get("description") or "").strip()
    payload["notes"] = (values.get("notes") or "").strip()
    tags = parse_tags(values.get("tags") or "")
    errors += tag_errors(tags)
    payload["tags"] = tags

    if errors:
        raise FormErrors(errors)
    return payload


def _other_amounts(
    kind: str, values: Mapping[str, Any], places: Mapping[str, int], payload: dict[str, Any]
) -> list[FieldError]:
    """``base_amount``, ``to_amount`` and ``foreign_amount`` (+ ``foreign_currency``) when
    typed: into ``payload``; the problems found are returned."""
    errors: list[FieldError] = []
    for name in OTHER_AMOUNTS:
        text = values.get(name)
        if name == "to_amount" and kind != "transfer":
            continue
        if name == "foreign_amount" and kind != "expense":
            continue
        if not (text or "").strip():
            continue
        try:
            amount = parse_amount(
                text,
                signed=kind == "adjustment" and name == "base_amount",
                field_name=name,
                decimals=places.get(name, 2),
            )
        except FormErrors as error:
            errors += error.errors
            continue
        payload[name] = str(amount)
    if "foreign_amount" in payload:
        currency = (values.get("foreign_currency") or "").strip().upper()
        if not currency:
            message = "Choose the currency of the foreign amount."
            errors.append(FieldError(field="foreign_currency", message=message))
        payload["foreign_currency"] = currency
    return errors


def _transfer_errors(payload: Mapping[str, Any]) -> list[FieldError]:
    errors = []
    pairs = [("from_wallet", "to_wallet"), ("from_bucket", "to_bucket")]
    complete = 0
    for source, target in pairs:
        has_source, has_target = bool(payload.get(source)), bool(payload.get(target))
        if has_source != has_target:
            missing = target if has_source else source
            errors.append(
                FieldError(field=missing, message=f"Choose a {field_label(missing).lower()} too.")
            )
        elif has_source and payload[source] == payload[target]:
            errors.append(FieldError(field=target, message="Choose a different one."))
        elif has_source:
            complete += 1
    if not errors and not complete:
        errors.append(
            FieldError(
                field="from_wallet",
                message="Choose two wallets, two buckets, or both.",
            )
        )
    return errors


def tag_errors(tags: Sequence[str]) -> list[FieldError]:
    if len(tags) > MAX_TAGS:
        return [FieldError(field="tags", message=f"Use at most {MAX_TAGS} tags.")]
    long = [tag for tag in tags if len(tag) > MAX_TAG_LENGTH]
    if long:
        return [FieldError(field="tags", message=f"Keep each tag to {MAX_TAG_LENGTH} characters.")]
    return []


def changes(original: Mapping[str, Any], payload: Mapping[str, Any]) -> dict[str, Any]:
    """The PATCH body: only what differs from ``original`` (a transaction from the API).

    References the (possibly new) kind has no use for, or that were emptied, go out as null
    so the API clears them.
    """
    diff: dict[str, Any] = {}
    kind = payload["kind"]
    if kind != original.get("kind"):
        diff["kind"] = kind
    if payload.get("date") != str(original.get("date")):
        diff["date"] = payload["date"]
    if Decimal(payload["amount"]) != _decimal(original.get("amount")):
        diff["amount"] = payload["amount"]
    for name in (*OTHER_AMOUNTS, "foreign_currency"):
        if name in payload and str(payload[name]) != str(original.get(name) or ""):
            same = name != "foreign_currency" and _decimal(payload[name]) == _decimal(
                original.get(name)
            )
            if not same:
                diff[name] = payload[name]
    for name in ("description", "notes"):
        if payload.get(name, "") != (original.get(name) or ""):
            diff[name] = payload.get(name, "")
    if list(payload.get("tags", [])) != list(original.get("tags") or []):
        diff["tags"] = list(payload.get("tags", []))
    for name in REFERENCE_FIELDS:
        new = payload.get(name)
        old = original.get(name)
        if (str(new) if new else None) != (str(old) if old else None):
            diff[name] = new
    if kind in PAYEE_KINDS and (payload.get("payee_name") or None) != (
        original.get("payee_name") or None
    ):
        if payload.get("payee_name"):
            diff["payee_name"] = payload["payee_name"]
        else:
            diff["payee"] = None
    old_splits = [_split_key(line) for line in original.get("splits") or []]
    if "splits" in payload:
        if [_split_key(line) for line in payload["splits"]] != old_splits:
            diff["splits"] = payload["splits"]
            diff.pop("category", None)
    elif old_splits and payload.get("category"):
        diff["category"] = payload["category"]  # a category ends the split
    return diff


def _split_key(line: Mapping[str, Any]) -> tuple:
    return (
        str(line.get("category") or ""),
        _decimal(line.get("amount")),
        str(line.get("bucket") or ""),
        line.get("description") or "",
    )


def _decimal(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        return None


def form_values(transaction: Mapping[str, Any]) -> dict[str, Any]:
    """A transaction from the API → the values the edit form starts with."""
    values: dict[str, Any] = {
        "date": date.fromisoformat(str(transaction["date"])),
        "amount": f"{Decimal(str(transaction['amount'])):.{places(transaction.get('currency'))}f}",
        "description": transaction.get("description") or "",
        "notes": transaction.get("notes") or "",
        "tags": ", ".join(transaction.get("tags") or []),
        "payee_name": transaction.get("payee_name") or "",
    }
    for name in REFERENCE_FIELDS:
        ref = transaction.get(name)
        values[name] = str(ref) if ref else None
    for name in (*OTHER_AMOUNTS, "foreign_currency"):
        values[name] = str(transaction.get(name) or "")
    return values


# --- names ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Names:
    """Id → name of a ledger's wallets, buckets and categories (archived ones included)."""

    wallets: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        wallets: Iterable[Mapping[str, Any]] = (),
        buckets: Iterable[Mapping[str, Any]] = (),
        categories: Iterable[Mapping[str, Any]] = (),
    ) -> Names:
        def index(items: Iterable[Mapping[str, Any]]) -> dict[str, str]:
            return {str(item["id"]): item["name"] for item in items}

        return cls(index(wallets), index(buckets), index(categories))

    def lookup(self, group: str, ref: Any) -> str:
        if not ref:
            return ""
        return getattr(self, group).get(str(ref), "Unknown")


@dataclass(frozen=True)
class Lists:
    """The ledger's wallets, buckets and categories (archived included) and their names."""

    wallets: list[dict[str, Any]]
    buckets: list[dict[str, Any]]
    categories: list[dict[str, Any]]
    payees: list[dict[str, Any]] = field(default_factory=list)

    @property
    def names(self) -> Names:
        return Names.of(self.wallets, self.buckets, self.categories)

    def active_wallets(self) -> list[dict[str, Any]]:
        return [w for w in self.wallets if not w["archived"]]

    def active_buckets(self) -> list[dict[str, Any]]:
        # The system bucket first: it is where money waits until it is given a purpose.
        active = [b for b in self.buckets if not b["archived"]]
        return sorted(active, key=lambda b: not b.get("is_system"))

    def active_categories(self, type_: str) -> list[dict[str, Any]]:
        return [c for c in self.categories if c["type"] == type_ and not c["archived"]]

    def system_bucket_id(self) -> str | None:
        return next((str(b["id"]) for b in self.buckets if b.get("is_system")), None)

    def default_bucket_id(self, category: str | None) -> str | None:
        """The category's default bucket (Setup → Categories) while it is active; None
        when it has none: an expense then stays on Unallocated (the API's rule too)."""
        found = next((c for c in self.categories if str(c["id"]) == str(category)), None)
        wanted = str((found or {}).get("default_bucket") or "")
        return next((str(b["id"]) for b in self.active_buckets() if str(b["id"]) == wanted), None)


def resolve(transaction: Mapping[str, Any], names: Names) -> dict[str, str]:
    """The category, wallet and bucket a transaction shows, by name.

    A transfer's wallet and bucket read "Bank → Cash"; an income split across buckets has no
    single bucket, so it stays empty (the split lives in ``allocations``).
    """
    wallet = names.lookup("wallets", transaction.get("wallet"))
    bucket = names.lookup("buckets", transaction.get("bucket"))
    if transaction.get("kind") == "transfer":
        wallet = _pair(names, "wallets", transaction, "wallet")
        bucket = _pair(names, "buckets", transaction, "bucket")
    return {
        "category": names.lookup("categories", transaction.get("category")),
        "wallet": wallet,
        "bucket": bucket,
    }


def _pair(names: Names, group: str, transaction: Mapping[str, Any], name: str) -> str:
    source, target = transaction.get(f"from_{name}"), transaction.get(f"to_{name}")
    if not source and not target:
        return ""
    return f"{names.lookup(group, source)} → {names.lookup(group, target)}"


def transaction_label(transaction: Mapping[str, Any], currency: str) -> str:
    """One line that names a transaction: "2025-03-01 · Expense · Rent · 950.00 EUR" (in the
    transaction's own currency when it has one: "1,200 JPY")."""
    parts = [str(transaction["date"]), labels.label(labels.TRANSACTION_KINDS, transaction["kind"])]
    if transaction.get("description"):
        parts.append(transaction["description"])
    own = transaction.get("currency") or currency
    decimals = places(own)
    parts.append(f"{Decimal(str(transaction['amount'])):,.{decimals}f} {own}")
    return " · ".join(parts)


# --- resetting widgets ------------------------------------------------------------------------

_RESETS_KEY = "forms_pending_resets"


def reset_later(values: Mapping[str, Any]) -> None:
    """Give these widgets (by key) new values at the start of the next run.

    A widget's value can only be set before it is drawn, and deleting its state is not
    enough: the browser keeps showing (and later sends back) what was typed. So a form that
    was sent asks for its fields to be emptied here, and the page calls `apply_resets` first.
    """
    st.session_state.setdefault(_RESETS_KEY, {}).update(values)


def apply_resets() -> None:
    for key, value in st.session_state.pop(_RESETS_KEY, {}).items():
        st.session_state[key] = value


# --- showing problems -------------------------------------------------------------------------


def show_form_error(
    error: ApiError | FormErrors, label: Callable[[str], str] = field_label
) -> None:
    """Under a form: the API's sentence, then one line per field problem with its label
    (``label`` names a field: the import form has its own names).

    An expired session (or any error without field problems) goes the usual way.
    """
    from dashboard.views.common import show_error

    if isinstance(error, ApiError) and not error.errors:
        show_error(error)
        return
    lines = []
    for problem in error.errors:
        where = label(problem.field) if problem.field else ""
        if problem.row is not None:
            where = f"Row {problem.row}" + (f", {where}" if where else "")
        # Field names may be users' names (a bucket's), messages may quote them: literal.
        message = literal(problem.message)
        lines.append(f"- **{literal(where)}**: {message}" if where else f"- {message}")
    heading = literal(error.detail) if isinstance(error, ApiError) else "Please check the form:"
    st.error("\n".join([heading, "", *lines]))
