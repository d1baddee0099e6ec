"""The rules a transaction must follow (SPEC §2), in one place.

`references_load` fetches every wallet, bucket and category a batch refers to in three
queries; `transaction_errors` checks one transaction's fields against its kind and those
references. Create, bulk create, update, import, restore and recurring all call these two.
The smaller rules below (`reference_error`, `transaction_defaults`, `percent_sum_error`)
are pure functions, so the JSON restore, which checks a document before anything exists,
calls the very rules the API does.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any
from uuid import UUID

from budget.common.currencies import amount_str_exact
from budget.common.money import MAX_AMOUNT, amount_check
from budget.common.raw import ledger_rows, uuid_in
from budget.ledgers.models import Ledger
from budget.money.conversion import to_currency, tx_currency
from budget.money.models import (
    REFERENCE_FIELDS,
    REFERENCE_GROUP,
    REFERENCE_NOUN,
    AllocationStatus,
    Bucket,
    Category,
    CategoryType,
    Kind,
    Payee,
    Wallet,
)

# Per kind: the reference fields it must have, and those it may have.
# Any kind may name a payee (SPEC §12): who was paid, who paid, whom a loan went to.
REQUIRED = {
    Kind.INCOME: {"wallet", "category"},
    Kind.EXPENSE: {"wallet", "category"},
    Kind.TRANSFER: set(),
    Kind.ADJUSTMENT: {"wallet"},
}
ALLOWED = {
    Kind.INCOME: {"wallet", "category", "bucket", "payee"},
    Kind.EXPENSE: {"wallet", "category", "bucket", "payee"},
    Kind.TRANSFER: {"from_wallet", "to_wallet", "from_bucket", "to_bucket", "category", "payee"},
    Kind.ADJUSTMENT: {"wallet", "bucket", "payee"},
}
CATEGORY_TYPE = {
    Kind.INCOME: CategoryType.INCOME,
    Kind.EXPENSE: CategoryType.EXPENSE,
    Kind.TRANSFER: CategoryType.NEUTRAL,
}


def reference_error(
    target: Wallet | Bucket | Category | Payee | None,
    *,
    noun: str,
    archived_ok: bool = False,
    category_type: str | None = None,
    wrong_type: Callable[[Category], str] | None = None,
) -> str | None:
    """The one check of a reference: `target` is the row found among the ledger's own
    (None: not found), it is not archived unless `archived_ok` (an archived row may stay
    where it already was), and a category has `category_type`. The message, or None."""
    if target is None:
        return f"No such {noun} in this ledger."
    if target.archived and not archived_ok:
        return f"The {noun} '{target.name}' is archived."
    if category_type is not None and target.type != category_type:
        if wrong_type is not None:
            return wrong_type(target)
        article = "an" if category_type[0] in "aeiou" else "a"
        return f"'{target.name}' is not {article} {category_type} category."
    return None


def transaction_defaults(
    *, kind: str, bucket_id: Any, system_bucket_id: Any
) -> tuple[Any, AllocationStatus]:
    """(bucket, allocation status) of a transaction as stored: an expense or adjustment
    without a bucket is paid from Unallocated; an income without one waits to be split
    (pending); nothing else is allocated."""
    if kind in (Kind.EXPENSE, Kind.ADJUSTMENT) and not bucket_id:
        return system_bucket_id, AllocationStatus.NOT_APPLICABLE
    if kind == Kind.INCOME and not bucket_id:
        return bucket_id, AllocationStatus.PENDING
    return bucket_id, AllocationStatus.NOT_APPLICABLE


MAX_PERCENT_SUM = Decimal("100")


def percent_sum_error(total: Decimal) -> str | None:
    """The active buckets' percentages (Unallocated takes the rest) add up to at most 100."""
    if total > MAX_PERCENT_SUM:
        return f"Allocation percentages would add up to {total:.2f} %; the most is 100 %."
    return None


@dataclass
class References:
    wallets: dict[UUID, Wallet] = field(default_factory=dict)
    buckets: dict[UUID, Bucket] = field(default_factory=dict)
    categories: dict[UUID, Category] = field(default_factory=dict)
    payees: dict[UUID, Payee] = field(default_factory=dict)
    system_bucket: Bucket | None = None
    base: str = ""  # the ledger's currency (SPEC §14)

    def lookup(self, name: str) -> dict:
        return getattr(self, REFERENCE_GROUP[name])


@lru_cache(maxsize=4096)
def _uuid_of(text: str) -> UUID | str:
    # Cached: a batch of 100 000 names the same few wallets and categories over and over.
    try:
        return UUID(text)
    except ValueError:
        return text  # reported as "no such …" by transaction_errors


def _as_uuid(value: Any) -> Any:
    return _uuid_of(value) if isinstance(value, str) else value


def references_load(*, ledger: Ledger, items: list[dict[str, Any]]) -> References:
    """Loads what `items` (and their split lines) refer to; also turns their reference ids
    into UUIDs in place."""
    ids: dict[str, set] = {"wallets": set(), "buckets": set(), "categories": set(), "payees": set()}

    def collect(item: dict[str, Any], names: tuple[str, ...]) -> None:
        for name in names:
            if item.get(name):
                item[name] = _as_uuid(item[name])
                if isinstance(item[name], UUID):
                    ids[REFERENCE_GROUP[name]].add(item[name])

    for item in items:
        collect(item, REFERENCE_FIELDS)
        for line in item.get("splits") or ():
            collect(line, SPLIT_REFERENCES)
    refs = References(base=ledger.currency)
    if ids["wallets"]:
        refs.wallets = _of_ledger(Wallet, ledger, ids["wallets"])
    refs.buckets = _of_ledger(Bucket, ledger, ids["buckets"], also="is_system")
    refs.system_bucket = next(b for b in refs.buckets.values() if b.is_system)
    if ids["categories"]:
        refs.categories = _of_ledger(Category, ledger, ids["categories"])
    if ids["payees"]:
        refs.payees = _of_ledger(Payee, ledger, ids["payees"])
    return refs


def _of_ledger(model, ledger: Ledger, ids: set[UUID], *, also: str = "") -> dict[UUID, Any]:
    """The rows of `model` in `ledger` with one of `ids` (or, with `also`, whose boolean
    column `also` is true), by primary key."""
    where, params = uuid_in(ids)
    condition = f'"{model._meta.pk.column}" {where}' + (f' OR "{also}"' if also else "")
    return {row.pk: row for row in ledger_rows(model, ledger.pk, condition, params)}


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
    lines = data.get("splits") or []
    required = REQUIRED[kind] - {"category"} if lines else REQUIRED[kind]
    for name in sorted(given - ALLOWED[kind]):
        error(name, f"{a_kind} has no {name}.")
    for name in sorted(required - given):
        error(name, f"{a_kind} needs a {name}.")

    def wrong_type(category: Category) -> str:
        needed = CATEGORY_TYPE[kind]
        article = "an" if needed[0] in "aeiou" else "a"
        return f"{a_kind} needs {article} {needed} category, not {category.type}."

    if lines:
        archived_ok = changed is not None and "splits" not in changed
        errors += split_errors(kind, data, refs, archived_ok=archived_ok)
        if "category" in given:
            error("category", "A split transaction has no category of its own: each line has one.")

    for name in sorted(given & ALLOWED[kind]):
        message = reference_error(
            refs.lookup(name).get(data[name]),
            noun=REFERENCE_NOUN[name],
            archived_ok=changed is not None and name not in changed,
            category_type=CATEGORY_TYPE[kind] if name == "category" else None,
            wrong_type=wrong_type,
        )
        if message:
            error(name, message)

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
    if not errors:
        errors += currency_errors(kind, data, refs)
    return errors


# Besides the kind and the references, what `transaction_errors` reads of a new transaction
# without split lines; of the amount only its size, sign and places (no message quotes it).
_MEMO_VALUES = ("to_amount", "foreign_amount", "foreign_currency", "base_amount")
_MEMO_FIELDS = (*REFERENCE_FIELDS, *_MEMO_VALUES)


def transaction_errors_memo(
    data: dict[str, Any], refs: References, memo: dict[tuple, list[dict[str, str]]]
) -> list[dict[str, str]]:
    """`transaction_errors` of a new transaction, worked out once per distinct set of what it
    reads (`memo`, kept by the caller for one batch and one `refs`): an import of 100 000
    rows names a few hundred combinations of kind, references and amount shape."""
    amount = data["amount"]
    if (
        data.get("splits")
        or not isinstance(amount, Decimal)
        or not amount.is_finite()
        or abs(amount) > MAX_AMOUNT
    ):
        return transaction_errors(data, refs)
    key = (
        data["kind"],
        (amount > 0) - (amount < 0),
        # The places it needs (1.10 needs one): what the currency's places are checked by.
        min(amount.normalize().as_tuple().exponent, 0),
        *map(data.get, _MEMO_FIELDS),  # each field's value, None when absent
    )
    found = memo.get(key)
    if found is None:
        found = memo[key] = transaction_errors(data, refs)
    return [dict(error) for error in found]


def currency_errors(kind: Kind, data: dict[str, Any], refs: References) -> list[dict[str, str]]:
    """SPEC §14: every amount has at most its currency's decimals; a transfer between
    wallets of different currencies says what arrives (`to_amount`), and only such a
    transfer does; `foreign_amount` + `foreign_currency` go together, on an expense; a given
    `base_amount` has the sign of the amount."""
    errors: list[dict[str, str]] = []

    def error(name: str, message: str) -> None:
        errors.append({"field": name, "message": message})

    def places_ok(name: str, value: Decimal, code: str) -> None:
        try:
            amount_check(value, code)
        except ValueError as problem:
            error(name, str(problem))

    base = refs.base
    currency = tx_currency(data, refs.wallets, base)
    places_ok("amount", data["amount"], currency)
    for index, line in enumerate(data.get("splits") or ()):
        places_ok(f"splits.{index}.amount", line["amount"], currency)
    receiving = to_currency(data, refs.wallets, base)
    to_amount = data.get("to_amount")
    if receiving is not None and receiving != currency:
        if to_amount is None:
            error(
                "to_amount",
                f"A transfer from {currency} to {receiving} needs to_amount: what arrives "
                f"in {receiving}.",
            )
        elif to_amount <= 0:
            error("to_amount", "The amount must be greater than zero.")
        else:
            places_ok("to_amount", to_amount, receiving)
    elif to_amount is not None:
        error(
            "to_amount",
            "Only a transfer between wallets of different currencies has a to_amount.",
        )
    foreign, foreign_currency = data.get("foreign_amount"), data.get("foreign_currency")
    if foreign is not None or foreign_currency:
        if kind != Kind.EXPENSE:
            error("foreign_amount", "Only an expense has a foreign_amount.")
        elif foreign is None or not foreign_currency:
            missing = "foreign_amount" if foreign is None else "foreign_currency"
            error(missing, "Give foreign_amount and foreign_currency together.")
        elif foreign <= 0:
            error("foreign_amount", "The amount must be greater than zero.")
        else:
            places_ok("foreign_amount", foreign, foreign_currency)
    given = data.get("base_amount")
    if given is not None and currency != base:
        if given == 0 or (given > 0) != (data["amount"] > 0):
            error("base_amount", "The base amount has the sign of the amount and is not zero.")
        else:
            places_ok("base_amount", given, base)
    return errors


MIN_SPLITS, MAX_SPLITS = 2, 50
# A line's references, named as the transaction's own fields (REFERENCE_GROUP knows them).
SPLIT_REFERENCES = ("category", "bucket")


def split_errors(
    kind: Kind, data: dict[str, Any], refs: References, *, archived_ok: bool
) -> list[dict[str, str]]:
    """The rules of SPEC §13 for the lines of a split income or expense: 2 to 50 lines,
    each above zero in an active category of the transaction's type (and, on an expense,
    an active bucket of the ledger), adding up to the amount exactly."""
    amount: Decimal = data["amount"]
    lines: list[dict[str, Any]] = data["splits"]
    if kind not in (Kind.INCOME, Kind.EXPENSE):
        return [
            {
                "field": "splits",
                "message": f"Only an income or an expense can be split, not a {kind}.",
            }
        ]
    if not MIN_SPLITS <= len(lines) <= MAX_SPLITS:
        return [
            {
                "field": "splits",
                "message": f"A split has {MIN_SPLITS} to {MAX_SPLITS} lines, not {len(lines)}.",
            }
        ]
    errors: list[dict[str, str]] = []
    needed = CATEGORY_TYPE[kind]
    article = "an" if needed[0] in "aeiou" else "a"
    for index, line in enumerate(lines):
        prefix = f"splits.{index}"
        if line["amount"] <= 0:
            errors.append(
                {
                    "field": f"{prefix}.amount",
                    "message": "A line's amount must be greater than zero.",
                }
            )
        if not line.get("category"):
            errors.append({"field": f"{prefix}.category", "message": "Each line needs a category."})
        else:
            message = reference_error(
                refs.categories.get(line["category"]),
                noun="category",
                archived_ok=archived_ok,
                category_type=needed,
                wrong_type=lambda c: (
                    f"A line of {article} {kind} needs {article} {needed} category, not {c.type}."
                ),
            )
            if message:
                errors.append({"field": f"{prefix}.category", "message": message})
        if line.get("bucket"):
            if kind != Kind.EXPENSE:
                message = "Only an expense line has a bucket: an income is allocated as a whole."
            else:
                message = reference_error(
                    refs.buckets.get(line["bucket"]), noun="bucket", archived_ok=archived_ok
                )
            if message:
                errors.append({"field": f"{prefix}.bucket", "message": message})
    total = sum((line["amount"] for line in lines), Decimal("0.00"))
    if total != amount:
        # In the transaction's currency (SPEC §14), never rounded: "1.749" KWD, "1200" JPY.
        code = tx_currency(data, refs.wallets, refs.base)
        written = partial(amount_str_exact, code=code)
        side = "over" if total > amount else "under"
        errors.append(
            {
                "field": "splits",
                "message": f"The lines add up to {written(total)}: "
                f"{written(abs(total - amount))} {side} the amount {written(amount)}.",
            }
        )
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
