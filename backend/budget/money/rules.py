"""The rules a transaction must follow (SPEC §2), in one place.

`references_load` fetches every wallet, bucket and category a batch refers to in three
queries; `transaction_errors` checks one transaction's fields against its kind and those
references. Create, bulk create, update, import and recurring all call these two.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

from budget.common.money import MAX_AMOUNT
from budget.ledgers.models import Ledger
from budget.money.models import Bucket, Category, CategoryType, Kind, Wallet

WALLET_FIELDS = ("wallet", "from_wallet", "to_wallet")
BUCKET_FIELDS = ("bucket", "from_bucket", "to_bucket")
REFERENCE_FIELDS = (*WALLET_FIELDS, *BUCKET_FIELDS, "category")

# Per kind: the reference fields it must have, and those it may have.
REQUIRED = {
    Kind.INCOME: {"wallet", "category"},
    Kind.EXPENSE: {"wallet", "category"},
    Kind.TRANSFER: set(),
    Kind.ADJUSTMENT: {"wallet"},
}
ALLOWED = {
    Kind.INCOME: {"wallet", "category", "bucket"},
    Kind.EXPENSE: {"wallet", "category", "bucket"},
    Kind.TRANSFER: {"from_wallet", "to_wallet", "from_bucket", "to_bucket", "category"},
    Kind.ADJUSTMENT: {"wallet", "bucket"},
}
CATEGORY_TYPE = {
    Kind.INCOME: CategoryType.INCOME,
    Kind.EXPENSE: CategoryType.EXPENSE,
    Kind.TRANSFER: CategoryType.NEUTRAL,
}

_GROUP = (
    {"category": "categories"}
    | dict.fromkeys(WALLET_FIELDS, "wallets")
    | dict.fromkeys(BUCKET_FIELDS, "buckets")
)
_NOUN = (
    {"category": "category"}
    | dict.fromkeys(WALLET_FIELDS, "wallet")
    | dict.fromkeys(BUCKET_FIELDS, "bucket")
)


@dataclass
class References:
    wallets: dict[UUID, Wallet] = field(default_factory=dict)
    buckets: dict[UUID, Bucket] = field(default_factory=dict)
    categories: dict[UUID, Category] = field(default_factory=dict)
    system_bucket: Bucket | None = None

    def lookup(self, name: str) -> dict:
        if name in WALLET_FIELDS:
            return self.wallets
        if name in BUCKET_FIELDS:
            return self.buckets
        return self.categories


def _as_uuid(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return UUID(value)
        except ValueError:
            return value  # reported as "no such …" by transaction_errors
    return value


def references_load(*, ledger: Ledger, items: list[dict[str, Any]]) -> References:
    """Loads what `items` refer to; also turns their reference ids into UUIDs in place."""
    ids: dict[str, set] = {"wallets": set(), "buckets": set(), "categories": set()}
    for item in items:
        for name in REFERENCE_FIELDS:
            if item.get(name):
                item[name] = _as_uuid(item[name])
                if isinstance(item[name], UUID):
                    ids[_GROUP[name]].add(item[name])
    refs = References()
    if ids["wallets"]:
        refs.wallets = {
            w.pk: w for w in Wallet.objects.filter(ledger=ledger, pk__in=ids["wallets"])
        }
    buckets = Bucket.objects.filter(ledger=ledger, pk__in=ids["buckets"]) | Bucket.objects.filter(
        ledger=ledger, is_system=True
    )
    refs.buckets = {b.pk: b for b in buckets}
    refs.system_bucket = next(b for b in refs.buckets.values() if b.is_system)
    if ids["categories"]:
        refs.categories = {
            c.pk: c for c in Category.objects.filter(ledger=ledger, pk__in=ids["categories"])
        }
    return refs


def transaction_errors(
    data: dict[str, Any], refs: References, *, changed: set[str] | None = None
) -> list[dict[str, str]]:
    """Problems with one transaction, as [{field, message}]; empty when it is valid.

    `data` holds every field (for an update: the stored values with the changes applied);
    `changed` names the fields the caller set, so an archived reference that was already
    there does not block editing other fields. None means a new transaction.
    """
    errors: list[dict[str, str]] = []

    def error(name: str, message: str) -> None:
        errors.append({"field": name, "message": message})

    kind = Kind(data["kind"])
    amount: Decimal = data["amount"]
    if abs(amount) > MAX_AMOUNT:
        error("amount", "The amount is too large (at most 999999999999.99).")
    elif kind == Kind.ADJUSTMENT:
        if amount == 0:
            error("amount", "An adjustment cannot be zero.")
    elif amount <= 0:
        error("amount", "The amount must be greater than zero.")

    given = {name for name in REFERENCE_FIELDS if data.get(name)}
    a_kind = f"{'An' if kind[0] in 'aeiou' else 'A'} {kind} transaction"
    for name in sorted(given - ALLOWED[kind]):
        error(name, f"{a_kind} has no {name}.")
    for name in sorted(REQUIRED[kind] - given):
        error(name, f"{a_kind} needs a {name}.")

    for name in sorted(given & ALLOWED[kind]):
        target = refs.lookup(name).get(data[name])
        if target is None:
            error(name, f"No such {_NOUN[name]} in this ledger.")
        elif target.archived and (changed is None or name in changed):
            error(name, f"The {_NOUN[name]} '{target.name}' is archived.")
        elif name == "category" and target.type != CATEGORY_TYPE[kind]:
            needed = CATEGORY_TYPE[kind]
            article = "an" if needed[0] in "aeiou" else "a"
            error(name, f"{a_kind} needs {article} {needed} category, not {target.type}.")

    if kind == Kind.TRANSFER:
        pairs = (("from_wallet", "to_wallet"), ("from_bucket", "to_bucket"))
        complete = 0
        for source, target in pairs:
            if (source in given) != (target in given):
                missing = target if source in given else source
                error(missing, f"A transfer needs both {source} and {target}.")
            elif source in given:
                complete += 1
                if data[source] == data[target]:
                    error(target, f"{target} must differ from {source}.")
        if not complete and not errors:
            error("from_wallet", "A transfer moves money between two wallets and/or two buckets.")
    return errors


def batch_errors(
    *, ledger: Ledger, items: list[dict[str, Any]], rows: list[int] | None = None
) -> tuple[References, list[dict[str, Any]]]:
    """Checks a batch; errors carry `row` (the item's index, or `rows[i]`) when `rows` is
    given. Returns the loaded references too, for the caller that goes on to write."""
    refs = references_load(ledger=ledger, items=items)
    errors = []
    for index, data in enumerate(items):
        found = transaction_errors(data, refs)
        if rows is not None:
            found = [{"row": rows[index], **e} for e in found]
        errors += found
    return refs, errors
