"""Page-number pagination that answers 422 above the page-size limit instead of clamping."""

import hashlib
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_PAGE = 1_000_000  # offsets stay far inside a 64-bit integer


class Pages(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, **kwargs) -> None:
        super().__init__(page_size=DEFAULT_PAGE_SIZE, max_page_size=MAX_PAGE_SIZE, **kwargs)


class LedgerPages(Pages):
    """Pages of a ledger's rows whose total count is cached under the ledger's version.

    Counting every matching row is most of a list request's time on a long history; the
    version changes with every write to the ledger, so a cached count is never stale.
    """

    def paginate_queryset(
        self, queryset: QuerySet, pagination: Pages.Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": queryset[offset : offset + pagination.page_size],
            "count": self._count(queryset, request),
        }

    def _count(self, queryset: QuerySet, request: HttpRequest) -> int:
        ledger = getattr(getattr(request, "ledger_membership", None), "ledger", None)
        if ledger is None or settings.REPORT_CACHE_SECONDS <= 0:
            return queryset.count()
        query = sorted((k, v) for k, v in request.GET.lists() if k not in {"page", "page_size"})
        # Filters hold free text (q): hashed, the key stays short and safe for any backend.
        digest = hashlib.sha256(f"{request.path}?{query}".encode()).hexdigest()[:32]
        key = f"count:{ledger.pk}:{ledger.version}:{digest}"
        count = cache.get(key)
        if count is None:
            count = queryset.count()
            cache.set(key, count, settings.REPORT_CACHE_SECONDS)
        return count
