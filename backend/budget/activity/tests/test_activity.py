"""The activity log (SPEC §16): every write to a ledger leaves one entry, in the same
database transaction, saying who (and how signed in), what, and which fields changed; a bulk
write or an import leaves one entry with a count. Members read it; nobody changes it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from tests.helpers import assert_error

from budget.activity.models import Entry
from budget.activity.receivers import entry_store
from budget.activity.services import entries_prune
from budget.common import activity
from budget.exchange.tests.helpers import csv_text, imports_path, validated
from budget.money.tests.helpers import expense, member_api, tx_path

pytestmark = pytest.mark.django_db


def _log(api, ledger, **params) -> list[dict]:
    response = api.get(f"/ledgers/{ledger.pk}/activity", params)
    assert response.status_code == 200, response.content
    return response.json()["items"]


def test_a_new_transaction_is_logged_with_who_and_how(owner_api, household, user):
    h = household
    created = owner_api.post(tx_path(h.ledger), expense(h, "12.50", description="Bread")).json()

    entry = _log(owner_api, h.ledger)[0]
    assert entry["action"] == "create"
    assert entry["object_type"] == "transaction"
    assert entry["object_id"] == created["id"]
    assert entry["actor"] == {"id": str(user.pk), "email": user.email}
    assert entry["via"] == "password"
    assert entry["summary"] == "expense 12.50 Bread"
    assert entry["count"] == 1


def test_an_edit_records_each_changed_field_old_and_new(owner_api, household):
    h = household
    tx = owner_api.post(tx_path(h.ledger), expense(h, "12.50")).json()
    response = owner_api.patch(
        tx_path(h.ledger, tx["id"]), {"amount": "15.00", "description": "Milk"}
    )
    assert response.status_code == 200

    entry = _log(owner_api, h.ledger, action="update")[0]
    assert entry["changes"] == {"amount": ["12.50", "15.00"], "description": ["", "Milk"]}


def test_an_api_key_write_names_the_key(api, user, household):
    key = api.as_user(user).post("/auth/api-keys", {"name": "nightly sync"}).json()["key"]
    script = api.with_token(key)
    assert script.post(tx_path(household.ledger), expense(household)).status_code == 201

    assert _log(api.as_user(user), household.ledger)[0]["via"] == "api_key:nightly sync"


def test_a_bulk_create_is_one_entry_with_a_count(owner_api, household):
    h = household
    items = [expense(h, f"{n}.00") for n in range(1, 8)]
    assert owner_api.post(tx_path(h.ledger) + "/bulk", {"items": items}).status_code == 201

    entries = _log(owner_api, h.ledger, object_type="transaction")
    assert len(entries) == 1
    assert entries[0]["count"] == 7
    assert entries[0]["object_id"] is None


def test_a_refused_write_leaves_no_entry(owner_api, household):
    h = household
    before = Entry.objects.count()
    bad = owner_api.post(tx_path(h.ledger), expense(h, "-3.00"))
    assert bad.status_code == 422
    taken = owner_api.post(f"/ledgers/{h.ledger.pk}/wallets", {"name": "Bank", "kind": "virtual"})
    assert taken.status_code == 409
    assert Entry.objects.count() == before


def test_setup_planning_and_members_are_logged(owner_api, household, bob):
    h = household
    lid = h.ledger.pk
    assert (
        owner_api.patch(f"/ledgers/{lid}/wallets/{h.cash.pk}", {"name": "Purse"}).status_code == 200
    )
    budget = owner_api.post(
        f"/ledgers/{lid}/budgets",
        {"category": str(h.groceries.pk), "amount": "300.00", "start_month": "2025-03"},
    )
    assert budget.status_code == 201, budget.content
    owner_api.patch(f"/ledgers/{lid}/budgets/{budget.json()['id']}", {"amount": "350.00"})
    owner_api.patch(f"/ledgers/{lid}", {"name": "Home"})

    log = _log(owner_api, h.ledger)
    by_type = {(e["object_type"], e["action"]): e for e in log}
    assert by_type[("wallet", "update")]["changes"] == {"name": ["Cash", "Purse"]}
    assert by_type[("budget", "update")]["changes"] == {"amount": ["300.00", "350.00"]}
    assert by_type[("ledger", "update")]["changes"]["name"][1] == "Home"
    assert ("budget", "create") in by_type


def test_filters_narrow_the_log_and_one_object_has_its_history(owner_api, household, user):
    h = household
    tx = owner_api.post(tx_path(h.ledger), expense(h, "1.00")).json()
    owner_api.patch(tx_path(h.ledger, tx["id"]), {"amount": "2.00"})
    owner_api.post(tx_path(h.ledger), expense(h, "3.00"))

    history = _log(owner_api, h.ledger, object_id=tx["id"])
    assert [e["action"] for e in history] == ["update", "create"]  # newest first
    today = timezone.localdate().isoformat()
    assert len(_log(owner_api, h.ledger, actor=str(user.pk), date_from=today, date_to=today)) == 3
    assert _log(owner_api, h.ledger, date_to="2000-01-01") == []
    response = owner_api.get(
        f"/ledgers/{h.ledger.pk}/activity", {"date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    assert_error(response, 422)


def test_members_read_strangers_do_not_and_nobody_writes(api, owner_api, household, bob, stranger):
    h = household
    owner_api.post(tx_path(h.ledger), expense(h))
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert len(_log(viewer, h.ledger)) >= 1
    assert_error(api.as_user(stranger).get(f"/ledgers/{h.ledger.pk}/activity"), 404)
    entry_id = _log(owner_api, h.ledger)[0]["id"]
    for method in (owner_api.post, owner_api.patch, owner_api.delete):
        assert method(f"/ledgers/{h.ledger.pk}/activity/{entry_id}", {}).status_code in (404, 405)
    assert method(f"/ledgers/{h.ledger.pk}/activity", {}).status_code == 405


def test_an_import_is_one_entry_in_the_name_of_who_started_it(
    owner_api, household, user, django_capture_on_commit_callbacks
):
    h = household
    rows = [f"2025-03-0{n},expense,{n}.00,Row {n},Groceries,Bank,,," for n in range(1, 6)]
    job = validated(owner_api, h.ledger, csv_text(*rows))
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(imports_path(h.ledger, job["id"], "commit"), {})
    assert response.status_code == 202, response.content

    entries = _log(owner_api, h.ledger, object_type="import")
    assert len(entries) == 1
    assert entries[0]["count"] == 5
    assert entries[0]["actor"]["id"] == str(user.pk)
    assert entries[0]["via"] == "import"
    assert _log(owner_api, h.ledger, object_type="transaction") == []


def test_old_entries_are_pruned_after_the_kept_days(household, settings):
    Entry.objects.all().delete()  # what setting up the household logged
    activity.record(ledger_id=household.ledger.pk, action="create", object_type="wallet")
    old = Entry.objects.latest("at")
    Entry.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=800))
    activity.record(ledger_id=household.ledger.pk, action="create", object_type="wallet")

    settings.ACTIVITY_KEEP_DAYS = 0
    assert entries_prune() == 0
    settings.ACTIVITY_KEEP_DAYS = 730
    assert entries_prune() == 1
    assert not Entry.objects.filter(pk=old.pk).exists()
    assert Entry.objects.count() == 1


def test_logging_costs_one_query_per_write(owner_api, household):
    h = household
    body = expense(h, "4.00")
    owner_api.post(tx_path(h.ledger), body)  # warm up caches of the first request

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert owner_api.post(tx_path(h.ledger), body).status_code == 201
        return len(captured)

    logged = queries()
    activity.recorded.disconnect(entry_store, dispatch_uid="activity.entry_store")
    try:
        unlogged = queries()
    finally:
        activity.recorded.connect(entry_store, dispatch_uid="activity.entry_store")
    assert logged - unlogged == 1


def test_the_list_costs_the_same_queries_whatever_its_length(
    owner_api, household, django_assert_max_num_queries
):
    h = household
    for n in range(30):
        activity.record(
            ledger_id=h.ledger.pk, action="create", object_type="wallet", summary=str(n)
        )
    with django_assert_max_num_queries(4):
        shown = _log(owner_api, h.ledger, page_size=50)
    assert len(shown) == Entry.objects.filter(ledger=h.ledger).count() >= 30
