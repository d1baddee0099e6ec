"""Caching under the ledger's version: reports, and the sums a register's running balance
reads (budget.money.selectors).

Every write that changes what a report shows bumps `Ledger.version` in its own database
transaction, and the version is part of the key: a new version is a cold cache, so a
cached report is never stale, whichever process (API, worker, import) made the write.
"""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache

from budget.ledgers.models import Ledger


def version_cached(
    ledger: Ledger, name: str, params: dict[str, Any], compute: Callable[[], Any]
) -> Any:
    seconds = settings.REPORT_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    flat = ":".join(f"{k}={params[k]}" for k in sorted(params))
    key = f"report:{ledger.pk}:{ledger.version}:{name}:{flat}"
    report = cache.get(key)
    if report is None:
        report = compute()
        cache.set(key, report, seconds)
    return report
