"""A list's total comes from its page when the page tells it: a page that is not full ends
the list, so only a full page (or an empty one past the first) costs a count."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from budget.common.pagination import page_count


@pytest.mark.parametrize(
    ("rows", "offset", "size", "expected"),
    [
        (0, 0, 50, 0),  # an empty list
        (3, 0, 50, 3),  # the first page holds everything
        (50, 0, 50, None),  # a full page: more may follow
        (7, 50, 50, 57),  # the last page
        (0, 100, 50, None),  # past the end: only a count tells the total
    ],
)
def test_a_page_tells_the_total_unless_it_is_full_or_past_the_end(rows, offset, size, expected):
    assert page_count(list(range(rows)), offset, size) == expected


def _wallets(owner_api, ledger, n: int) -> None:
    for i in range(n):
        owner_api.post(f"/ledgers/{ledger.pk}/wallets", {"name": f"W{i}", "kind": "virtual"})


def _get(owner_api, ledger, **params):
    with CaptureQueriesContext(connection) as queries:
        answer = owner_api.get(f"/ledgers/{ledger.pk}/wallets", params)
    assert answer.status_code == 200, answer.content
    counts = [q for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    return answer.json(), len(counts)


@pytest.mark.django_db
def test_the_wallet_list_counts_only_when_its_page_cannot_tell(owner_api, ledger):
    _wallets(owner_api, ledger, 5)
    total = _get(owner_api, ledger)[0]["count"]
    assert total >= 5
    page, counted = _get(owner_api, ledger, page_size=total + 1)
    assert (page["count"], len(page["items"]), counted) == (total, total, 0)
    page, counted = _get(owner_api, ledger, page_size=total)  # full: a count says no more
    assert (page["count"], len(page["items"]), counted) == (total, total, 1)
    page, counted = _get(owner_api, ledger, page_size=2, page=(total + 1) // 2)  # the last
    assert page["count"] == total
    assert counted == (1 if total % 2 == 0 else 0)
    page, counted = _get(owner_api, ledger, page_size=2, page=total)  # past the end
    assert (page["count"], page["items"], counted) == (total, [], 1)
