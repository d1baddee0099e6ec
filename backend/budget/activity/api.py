"""A ledger's activity log: GET /ledgers/{lid}/activity (SPEC §16). Read only: entries
cannot be changed or deleted through the API."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.pagination import paginate

from budget.activity import selectors
from budget.activity.schemas import ActivityFilters, EntryOut
from budget.common.pagination import Pages
from budget.ledgers.access import LedgerAuth, ledger_access

router = Router(tags=["activity"], auth=LedgerAuth())


@router.get("", response=list[EntryOut])
@paginate(Pages)
def activity_list(request: HttpRequest, lid: Path[UUID], filters: Query[ActivityFilters]):
    """Newest first; any member may read it. `object_id` gives one object's history."""
    ledger = ledger_access(request, lid)
    return selectors.entries_of(ledger=ledger, filters=filters)
