"""Wallets, buckets, categories, transactions and allocations of one ledger:
/ledgers/{lid}/… . Each endpoint checks access, calls a service or selector, and answers."""

from functools import wraps
from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Status
from ninja.pagination import paginate
from ninja.renderers import JSONRenderer
from pydantic import ValidationError as PydanticValidationError

from budget.common.errors import Invalid, NotFound
from budget.common.handlers import clean_message
from budget.common.pagination import (
    CURSOR_INVALID,
    LedgerPages,
    Pages,
    cursor_decode,
    cursor_encode,
)
from budget.ledgers.access import LedgerAuth, ledger_access
from budget.ledgers.models import Role
from budget.money import selectors, services
from budget.money.models import Transaction
from budget.money.rules import batch_errors
from budget.money.schemas import (
    AllocationRunOut,
    ArchivedFilter,
    BucketIn,
    BucketListOut,
    BucketOut,
    BucketPatch,
    BulkIn,
    BulkPatchIn,
    BulkPatchOut,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    Ordering,
    PayeeFilters,
    PayeeIn,
    PayeeMergeIn,
    PayeeMergeOut,
    PayeeOut,
    PayeePatch,
    PercentsIn,
    ReconcileIn,
    ReconcileOut,
    TransactionFilters,
    TransactionIn,
    TransactionOut,
    TransactionPatch,
    WalletIn,
    WalletOut,
    WalletPatch,
    transaction_out_plain,
)

wallets = Router(tags=["wallets"], auth=LedgerAuth())
buckets = Router(tags=["buckets"], auth=LedgerAuth())
categories = Router(tags=["categories"], auth=LedgerAuth())
payees = Router(tags=["payees"], auth=LedgerAuth())
transactions = Router(tags=["transactions"], auth=LedgerAuth())
allocations = Router(tags=["allocations"], auth=LedgerAuth())


def _changes(payload, required: tuple[str, ...]) -> dict:
    """The fields the caller sent; null is refused for those that cannot be empty."""
    changes = payload.dict(exclude_unset=True)
    for name in required:
        if name in changes and changes[name] is None:
            raise Invalid(f"{name} cannot be null.", field=name)
    return changes


# The fields of a transaction that a PATCH may leave out but cannot set to null.
_PATCH_REQUIRED = ("kind", "date", "amount", "description", "notes", "tags")


def _one(queryset: QuerySet, pk: UUID, noun: str):
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{noun} not found.")
    return obj


# --- Wallets ------------------------------------------------------------------------------


@wallets.get("", response=list[WalletOut])
@paginate(Pages)
def wallet_list(request: HttpRequest, lid: Path[UUID], filters: Query[ArchivedFilter]):
    return selectors.wallets_of(ledger=ledger_access(request, lid), archived=filters.archived)


@wallets.post("", response={201: WalletOut})
def wallet_create(request: HttpRequest, lid: Path[UUID], payload: WalletIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    wallet = services.wallet_create(ledger=ledger, **payload.dict())
    return Status(201, _one(selectors.wallets_of(ledger=ledger), wallet.pk, "Wallet"))


@wallets.get("/{uuid:wallet_id}", response=WalletOut)
def wallet_detail(request: HttpRequest, lid: Path[UUID], wallet_id: UUID):
    return _one(selectors.wallets_of(ledger=ledger_access(request, lid)), wallet_id, "Wallet")


@wallets.patch("/{uuid:wallet_id}", response=WalletOut)
def wallet_update(request: HttpRequest, lid: Path[UUID], wallet_id: UUID, payload: WalletPatch):
    ledger = ledger_access(request, lid, Role.EDITOR)
    wallet = _one(selectors.wallets_of(ledger=ledger), wallet_id, "Wallet")
    services.wallet_update(
        wallet=wallet, **_changes(payload, ("name", "kind", "currency", "archived"))
    )
    return _one(selectors.wallets_of(ledger=ledger), wallet_id, "Wallet")


@wallets.delete("/{uuid:wallet_id}", response={204: None})
def wallet_delete(request: HttpRequest, lid: Path[UUID], wallet_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.wallet_delete(wallet=_one(ledger.wallets.all(), wallet_id, "Wallet"))
    return Status(204, None)


@wallets.post("/{uuid:wallet_id}/reconcile", response=ReconcileOut)
def wallet_reconcile(request: HttpRequest, lid: Path[UUID], wallet_id: UUID, payload: ReconcileIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    wallet = _one(ledger.wallets.all(), wallet_id, "Wallet")
    adjustment = services.wallet_reconcile(
        wallet=wallet, actual_balance=payload.actual_balance, on=payload.date
    )
    # The balance in the wallet's currency (SPEC §14: a JPY wallet's is "1200").
    balance = selectors.wallet_balance(wallet=wallet)
    return {"adjustment": adjustment, "balance": balance, "currency": wallet.currency}


# --- Buckets ------------------------------------------------------------------------------


@buckets.get("", response=list[BucketOut])
@paginate(Pages)
def bucket_list(request: HttpRequest, lid: Path[UUID], filters: Query[ArchivedFilter]):
    return selectors.buckets_of(ledger=ledger_access(request, lid), archived=filters.archived)


@buckets.post("", response={201: BucketOut})
def bucket_create(request: HttpRequest, lid: Path[UUID], payload: BucketIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    bucket = services.bucket_create(ledger=ledger, **payload.dict())
    return Status(201, _one(selectors.buckets_of(ledger=ledger), bucket.pk, "Bucket"))


@buckets.put("/allocation", response=BucketListOut)
def bucket_percents_set(request: HttpRequest, lid: Path[UUID], payload: PercentsIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.bucket_percents_set(ledger=ledger, percents=payload.percents)
    items = list(selectors.buckets_of(ledger=ledger))
    return {"items": items, "count": len(items)}


@buckets.get("/{uuid:bucket_id}", response=BucketOut)
def bucket_detail(request: HttpRequest, lid: Path[UUID], bucket_id: UUID):
    return _one(selectors.buckets_of(ledger=ledger_access(request, lid)), bucket_id, "Bucket")


@buckets.patch("/{uuid:bucket_id}", response=BucketOut)
def bucket_update(request: HttpRequest, lid: Path[UUID], bucket_id: UUID, payload: BucketPatch):
    ledger = ledger_access(request, lid, Role.EDITOR)
    bucket = _one(ledger.buckets.select_related("ledger"), bucket_id, "Bucket")
    changes = _changes(payload, ("name", "allocation_percent", "archived"))
    services.bucket_update(bucket=bucket, **changes)
    return _one(selectors.buckets_of(ledger=ledger), bucket_id, "Bucket")


@buckets.delete("/{uuid:bucket_id}", response={204: None})
def bucket_delete(request: HttpRequest, lid: Path[UUID], bucket_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.bucket_delete(bucket=_one(ledger.buckets.all(), bucket_id, "Bucket"))
    return Status(204, None)


# --- Categories ---------------------------------------------------------------------------


@categories.get("", response=list[CategoryOut])
@paginate(Pages)
def category_list(request: HttpRequest, lid: Path[UUID], filters: Query[ArchivedFilter]):
    return selectors.categories_of(ledger=ledger_access(request, lid), archived=filters.archived)


@categories.post("", response={201: CategoryOut})
def category_create(request: HttpRequest, lid: Path[UUID], payload: CategoryIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    return Status(201, services.category_create(ledger=ledger, **payload.dict()))


@categories.get("/{uuid:category_id}", response=CategoryOut)
def category_detail(request: HttpRequest, lid: Path[UUID], category_id: UUID):
    return _one(ledger_access(request, lid).categories.all(), category_id, "Category")


@categories.patch("/{uuid:category_id}", response=CategoryOut)
def category_update(
    request: HttpRequest, lid: Path[UUID], category_id: UUID, payload: CategoryPatch
):
    ledger = ledger_access(request, lid, Role.EDITOR)
    category = _one(ledger.categories.all(), category_id, "Category")
    changes = _changes(payload, ("name", "type", "archived"))
    return services.category_update(category=category, **changes)


@categories.delete("/{uuid:category_id}", response={204: None})
def category_delete(request: HttpRequest, lid: Path[UUID], category_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.category_delete(category=_one(ledger.categories.all(), category_id, "Category"))
    return Status(204, None)


# --- Payees -------------------------------------------------------------------------------


@payees.get("", response=list[PayeeOut])
@paginate(Pages)
def payee_list(request: HttpRequest, lid: Path[UUID], filters: Query[PayeeFilters]):
    """By name; `transaction_count` is how many transactions name the payee."""
    return selectors.payees_of(ledger=ledger_access(request, lid), q=filters.q)


@payees.post("", response={201: PayeeOut})
def payee_create(request: HttpRequest, lid: Path[UUID], payload: PayeeIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    payee = services.payee_create(ledger=ledger, name=payload.name)
    return Status(201, _one(selectors.payees_of(ledger=ledger), payee.pk, "Payee"))


@payees.get("/{uuid:payee_id}", response=PayeeOut)
def payee_detail(request: HttpRequest, lid: Path[UUID], payee_id: UUID):
    return _one(selectors.payees_of(ledger=ledger_access(request, lid)), payee_id, "Payee")


@payees.patch("/{uuid:payee_id}", response=PayeeOut)
def payee_update(request: HttpRequest, lid: Path[UUID], payee_id: UUID, payload: PayeePatch):
    ledger = ledger_access(request, lid, Role.EDITOR)
    payee = _one(ledger.payees.all(), payee_id, "Payee")
    services.payee_update(payee=payee, **_changes(payload, ("name",)))
    return _one(selectors.payees_of(ledger=ledger), payee_id, "Payee")


@payees.delete("/{uuid:payee_id}", response={204: None})
def payee_delete(request: HttpRequest, lid: Path[UUID], payee_id: UUID):
    """409 `in_use` while transactions, recurring templates or rules name the payee: merge
    it into another instead."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.payee_delete(payee=_one(ledger.payees.all(), payee_id, "Payee"))
    return Status(204, None)


@payees.post("/{uuid:payee_id}/merge", response=PayeeMergeOut)
def payee_merge(request: HttpRequest, lid: Path[UUID], payee_id: UUID, payload: PayeeMergeIn):
    """Moves every transaction, recurring template and rule of this payee to `into`, then
    deletes it; `moved` counts the transactions."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    payee = _one(ledger.payees.select_related("ledger"), payee_id, "Payee")
    into = ledger.payees.filter(pk=payload.into).first()
    if into is None:
        raise Invalid("No such payee in this ledger.", field="into")
    return {"moved": services.payee_merge(payee=payee, into=into)}


# --- Transactions -------------------------------------------------------------------------


class TransactionPages(LedgerPages):
    """A page of transactions; filtered by one wallet, each row carries `running_balance`.

    Two ways to a page: `page` (an offset: page 20 000 reads and drops the 999 950 rows
    before it) or `cursor`, the `next_cursor` of the page before (keyset: it starts right
    after that page's last row, through the index, however deep). Each answer carries
    `next_cursor` while rows follow, so a client can walk from page 1 on either way."""

    class Input(Pages.Input):
        cursor: str | None = Field(
            None,
            description="`next_cursor` of the page before (same filters and ordering); "
            "leave `page` out with it.",
        )

    class Output(Pages.Output):
        items: list[Any]
        count: int
        next_cursor: str | None = Field(
            None, description="Pass as `cursor` for the next page; null on the last page."
        )

    def paginate_queryset(self, queryset, pagination, request, **params):
        ordering = params["ordering"]
        # Counted in the form that counts fastest, read in the form that reads a page fastest.
        count = self._count(
            lambda: Transaction.objects.filter(ledger_id=params["lid"]).filter(
                params["filters"].count_expression()
            ),
            request,
        )
        if count <= selectors.FEW_ROWS:
            # Few matches: found through the filters' indexes in their counting form, sorted.
            found = selectors.transactions_found(
                ledger_id=params["lid"],
                filters=params["filters"].count_expression(),
                ordering=ordering,
            )
            queryset = selectors.transactions_few_first(found, ordering=ordering)
        size = pagination.page_size
        if pagination.cursor is None:
            offset = (pagination.page - 1) * size
        elif pagination.page != 1:
            raise Invalid("Pass either page or cursor, not both.", field="cursor")
        else:
            offset = 0
            keys = cursor_decode(pagination.cursor, ordering, len(selectors.ORDERINGS[ordering]))
            try:
                queryset = queryset.filter(selectors.keyset_after(ordering=ordering, keys=keys))
            except (ValueError, ArithmeticError):
                raise Invalid(CURSOR_INVALID, field="cursor") from None
        # One row more than the page tells whether another page follows.
        items = selectors.transaction_rows(queryset[offset : offset + size + 1], ordering=ordering)
        more, items = len(items) > size, items[:size]
        wallet = params["filters"].wallet
        if wallet is not None:
            ledger = ledger_access(request, params["lid"])
            selectors.running_balances_set(ledger=ledger, rows=items, wallet_id=wallet)
        after = selectors.keyset_keys(items[-1], ordering=ordering) if more else None
        return {
            "items": [transaction_out_plain(tx) for tx in items],
            "count": count,
            "next_cursor": cursor_encode(ordering, after) if after else None,
        }


_JSON = JSONRenderer()  # the API's renderer


def _json_response(request: HttpRequest, data: Any, *, status: int) -> HttpResponse:
    """`data` (already what the response schema writes) as the API's JSON."""
    content = _JSON.render(request, data, response_status=status)
    return HttpResponse(
        content, status=status, content_type=f"{_JSON.media_type}; charset={_JSON.charset}"
    )


def _rendered(view):
    """The page as JSON straight away: its rows are already what TransactionOut writes
    (`transaction_out_plain`), so validating them again would only cost time. The response
    schema and the OpenAPI document still come from the decorators around it."""

    @wraps(view)
    def render(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return _json_response(request, view(request, **kwargs), status=200)

    return render


@transactions.get("", response=list[TransactionOut])
@_rendered
@paginate(TransactionPages)
def transaction_list(
    request: HttpRequest,
    lid: Path[UUID],
    filters: Query[TransactionFilters],
    ordering: Ordering = "-date",
):
    ledger = ledger_access(request, lid)
    return selectors.transactions_found(
        ledger_id=ledger.pk, filters=filters.get_filter_expression(), ordering=ordering
    )


@transactions.post("", response={201: TransactionOut})
def transaction_create(request: HttpRequest, lid: Path[UUID], payload: TransactionIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    return Status(201, services.transaction_create(ledger=ledger, data=payload.dict()))


@transactions.post("/bulk", response={201: list[TransactionOut]})
def transaction_bulk_create(request: HttpRequest, lid: Path[UUID], payload: BulkIn):
    ledger = ledger_access(request, lid, Role.EDITOR)
    items, rows, errors = [], [], []
    for row, raw in enumerate(payload.items):
        try:
            items.append(TransactionIn.model_validate(raw).dict())
            rows.append(row)
        except PydanticValidationError as error:
            errors += [
                {
                    "row": row,
                    "field": ".".join(map(str, e["loc"])) or "item",
                    "message": clean_message(e["msg"]),
                }
                for e in error.errors()
            ]
    if errors:
        # Also check the rows that parsed, so one answer names every problem.
        errors += batch_errors(ledger=ledger, items=items, rows=rows)[1]
        errors.sort(key=lambda e: e["row"])
        raise services.invalid_batch(errors, total=len(payload.items))
    created = services.transactions_create(ledger=ledger, items=items, bulk=True)
    return _transactions_answer(request, ledger, [tx.pk for tx in created], status=201)


@transactions.patch("/bulk", response=BulkPatchOut)
def transaction_bulk_update(request: HttpRequest, lid: Path[UUID], payload: BulkPatchIn):
    """Sets the same fields on up to 1000 transactions, all or none: each is checked as by
    its own PATCH, and errors name the id's index in `ids` as `row` (an id that is not one
    of this ledger's transactions too). Answers how many transactions were updated."""
    ledger = ledger_access(request, lid, Role.EDITOR)
    changes = _changes(payload.changes, _PATCH_REQUIRED)
    return {
        "updated": services.transactions_update(ledger=ledger, ids=payload.ids, changes=changes)
    }


def _transaction_answer(request: HttpRequest, ledger, transaction_id: UUID) -> HttpResponse:
    """One transaction as TransactionOut writes it, read and written as a list page's rows
    are (`transaction_rows`, `transaction_out_plain`)."""
    rows = selectors.transaction_rows(
        selectors.transactions_found(ledger_id=ledger.pk).filter(pk=transaction_id)[:1]
    )
    if not rows:
        raise NotFound("Transaction not found.")
    return _json_response(request, transaction_out_plain(rows[0]), status=200)


def _transactions_answer(
    request: HttpRequest, ledger, ids: list[UUID], *, status: int
) -> HttpResponse:
    """The transactions `ids` in that order, as a list page's rows are read and written:
    for 1 000 new ones that is two queries and plain dicts, where validating the model
    instances through TransactionOut took about a third of a bulk create's time."""
    rows = selectors.transaction_rows(
        selectors.transactions_found(ledger_id=ledger.pk).filter(pk__in=ids)
    )
    by_id = {tx.id: tx for tx in rows}
    return _json_response(request, [transaction_out_plain(by_id[pk]) for pk in ids], status=status)


@transactions.get("/{uuid:transaction_id}", response=TransactionOut)
def transaction_detail(request: HttpRequest, lid: Path[UUID], transaction_id: UUID):
    return _transaction_answer(request, ledger_access(request, lid), transaction_id)


@transactions.patch("/{uuid:transaction_id}", response=TransactionOut)
def transaction_update(
    request: HttpRequest, lid: Path[UUID], transaction_id: UUID, payload: TransactionPatch
):
    ledger = ledger_access(request, lid, Role.EDITOR)
    tx = _one(ledger.transactions.all(), transaction_id, "Transaction")
    changes = _changes(payload, _PATCH_REQUIRED)
    services.transaction_update(tx=tx, changes=changes)
    return _transaction_answer(request, ledger, transaction_id)


@transactions.delete("/{uuid:transaction_id}", response={204: None})
def transaction_delete(request: HttpRequest, lid: Path[UUID], transaction_id: UUID):
    ledger = ledger_access(request, lid, Role.EDITOR)
    services.transaction_delete(tx=_one(ledger.transactions.all(), transaction_id, "Transaction"))
    return Status(204, None)


# --- Allocations --------------------------------------------------------------------------


@allocations.post("/run", response=AllocationRunOut)
def allocation_run(request: HttpRequest, lid: Path[UUID]):
    ledger = ledger_access(request, lid, Role.EDITOR)
    return {"allocated": services.incomes_allocate(ledger=ledger)}
