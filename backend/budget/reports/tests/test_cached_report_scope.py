"""A cached report answers without looking its wallet or bucket filter up again (the lookup
is part of building it); deleting the wallet changes the ledger version, so the next request
builds afresh and tells that the wallet is gone."""

import uuid

import pytest

from budget.money import services
from budget.reports.tests.test_reports_cache_and_cost import fill

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["yearly", "historical", "net-worth"])
def test_cached_filtered_report_takes_one_query(
    owner_api, ledger, name, django_assert_max_num_queries
):
    fill(ledger, categories=3, months=3)
    wallet = ledger.wallets.first()
    path = f"/ledgers/{ledger.pk}/reports/{name}"
    params = {"wallet": str(wallet.pk), **({"year": 2024} if name == "yearly" else {})}
    first = owner_api.get(path, params)
    assert first.status_code == 200, first.content
    with django_assert_max_num_queries(1):  # user, membership and ledger in one query
        again = owner_api.get(path, params)
    assert again.content == first.content


def test_deleted_wallet_is_not_served_from_the_cache(owner_api, ledger):
    fill(ledger, categories=2, months=2)
    empty = services.wallet_create(ledger=ledger, name="Empty", kind="virtual")
    path = f"/ledgers/{ledger.pk}/reports/historical"
    assert owner_api.get(path, {"wallet": str(empty.pk)}).status_code == 200
    assert owner_api.get(path, {"wallet": str(empty.pk)}).status_code == 200  # cached
    gone = owner_api.delete(f"/ledgers/{ledger.pk}/wallets/{empty.pk}")
    assert gone.status_code == 204, gone.content
    answer = owner_api.get(path, {"wallet": str(empty.pk)})
    assert answer.status_code == 422
    assert "No such wallet" in answer.json()["detail"]


def test_unknown_bucket_is_refused_every_time(owner_api, ledger):
    path = f"/ledgers/{ledger.pk}/reports/balances"
    for _ in range(2):
        answer = owner_api.get(path, {"bucket": str(uuid.uuid4())})
        assert answer.status_code == 422
        assert "No such bucket" in answer.json()["detail"]
