"""Page-number pagination that answers 422 above the page-size limit instead of clamping,
and the opaque cursor of keyset pages (`?cursor=` → `next_cursor`)."""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

from budget.common.errors import Invalid

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # offsets stay far inside a 64-bit integer
MAX_CURSOR = 500  # characters: a cursor is a few keys of one row
PAGE_PARAMS = {"page", "page_size", "cursor"}
CURSOR_INVALID = (
    "This cursor is not valid: pass the next_cursor of an earlier page of the same list and "
    "ordering, or leave it out for the first page."
)


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=DEFAULT_PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)

    def paginate_queryset(
        self, queryset: QuerySet, pagination: "Pages.Input", request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        items = list(queryset[offset : offset + pagination.page_size])
        count = page_count(items, offset, pagination.page_size)
        return {"items": items, "count": self._count(queryset, request) if count is None else count}

    def _count(self, queryset: QuerySet, request: HttpRequest) -> int:
        return queryset.count() if isinstance(queryset, QuerySet) else len(queryset)


def page_count(items: list, offset: int, size: int) -> int | None:
    """The total a page already tells, without counting: a page that is not full (but not
    empty, unless it is the first) ends the list. None when only a count can tell."""
    if len(items) < size and (items or offset == 0):
        return offset + len(items)
    return None


class LedgerPages(Pages):
    """Pages of a ledger's rows whose total count is cached under the ledger's version.

    Counting every matching row is most of a list request's time on a long history; the
    version changes with every write to the ledger, so a cached count is never stale.
    """

    def _count(self, queryset: QuerySet | Callable[[], QuerySet], request: HttpRequest) -> int:
        """The count of `queryset`, or of the queryset a callable builds, only when the
        cached count misses: building a filtered queryset is a good part of a cached page."""
        if not isinstance(queryset, QuerySet):
            queryset = SimpleLazyObject(queryset)
        ledger = getattr(getattr(request, "ledger_membership", None), "ledger", None)
        if ledger is None or settings.REPORT_CACHE_SECONDS <= 0:
            return queryset.count()
        # Every page of one filter shares the count: the page, its size and the cursor are
        # not part of the key.
        query = sorted((k, v) for k, v in request.GET.lists() if k not in PAGE_PARAMS)
        # Filters hold free text (q): hashed, the key stays short and safe for any backend.
        digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:32]
        key = f"count:{ledger.pk}:{ledger.version}:{digest}"
        count = cache.get(key)
        if count is None:
            count = queryset.count()
            cache.set(key, count, settings.REPORT_CACHE_SECONDS)
        return count


def cursor_encode(ordering: str, keys: list[str]) -> str:
    """An opaque cursor: the ordering and the sort keys of the last row of a page, as text."""
    raw = json.dumps({"o": ordering, "k": keys}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str, ordering: str, length: int) -> list[str]:
    """The `length` keys that `cursor_encode` wrote for `ordering`; 422 for anything else
    (a cursor from another ordering, cut short, edited or made up)."""
    bad = Invalid(CURSOR_INVALID, field="cursor")
    if len(cursor) > MAX_CURSOR:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        decoded = json.loads(raw)
    except (binascii.Error, ValueError):
        raise bad from None
    if not isinstance(decoded, dict) or decoded.get("o") != ordering:
        raise bad
    keys = decoded.get("k")
    if not isinstance(keys, list) or len(keys) != length:
        raise bad
    if not all(isinstance(key, str) for key in keys):
        raise bad
    return keys
