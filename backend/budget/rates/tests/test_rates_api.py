"""/ledgers/{lid}/rates (SPEC §14): a ledger's own rates, and what a lookup would use."""

import uuid
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.helpers import assert_error

from budget.activity.models import Entry
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_create
from budget.money.tests.helpers import member_api
from budget.rates.models import LedgerRate
from budget.rates.tests.helpers import own_rate, reference_rates

pytestmark = pytest.mark.django_db


def _path(ledger, rate_id=None) -> str:
    path = f"/ledgers/{ledger.pk}/rates"
    return path if rate_id is None else f"{path}/{rate_id}"


def test_create_list_replace_and_delete(owner_api, ledger, user):
    assert ledger.currency == "EUR"
    version = ledger.version
    created = owner_api.post(
        _path(ledger), {"currency": "usd", "date": "2025-03-01", "rate": "0.92"}
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body == {
        "id": body["id"],
        "currency": "USD",
        "date": "2025-03-01",
        "rate": "0.92",
        "created_at": body["created_at"],
        "created_by": str(user.pk),
    }
    replaced = owner_api.post(
        _path(ledger), {"currency": "USD", "date": "2025-03-01", "rate": "0.9215"}
    )
    assert replaced.status_code == 200
    assert (replaced.json()["id"], replaced.json()["rate"]) == (body["id"], "0.9215")
    owner_api.post(_path(ledger), {"currency": "GBP", "date": "2025-03-02", "rate": 1.17})
    listed = owner_api.get(_path(ledger)).json()
    assert listed["count"] == 2
    assert [(r["currency"], r["date"], r["rate"]) for r in listed["items"]] == [
        ("GBP", "2025-03-02", "1.17"),
        ("USD", "2025-03-01", "0.9215"),
    ]
    assert Ledger.objects.get(pk=ledger.pk).version == version + 3
    deleted = owner_api.delete(_path(ledger, body["id"]))
    assert deleted.status_code == 204
    assert not LedgerRate.objects.filter(pk=body["id"]).exists()
    assert_error(owner_api.delete(_path(ledger, body["id"])), 404, "not_found")
    entries = Entry.objects.filter(ledger=ledger, object_type="rate").order_by("at")
    assert [(e.action, e.summary, e.changes) for e in entries] == [
        ("create", "1 USD = 0.92 EUR on 2025-03-01", {}),
        ("update", "1 USD = 0.9215 EUR on 2025-03-01", {"rate": ["0.92", "0.9215"]}),
        ("create", "1 GBP = 1.17 EUR on 2025-03-02", {}),
        ("delete", "1 USD = 0.9215 EUR on 2025-03-01", {}),
    ]


def test_list_filters(owner_api, ledger):
    for currency, day in [("USD", 1), ("USD", 10), ("GBP", 5), ("CHF", 20)]:
        own_rate(ledger, currency, date(2025, 3, day), "1.1")

    def listed(**params):
        return [
            (r["currency"], r["date"]) for r in owner_api.get(_path(ledger), params).json()["items"]
        ]

    assert listed(currency="usd") == [("USD", "2025-03-10"), ("USD", "2025-03-01")]
    assert listed(date_from="2025-03-05", date_to="2025-03-10") == [
        ("USD", "2025-03-10"),
        ("GBP", "2025-03-05"),
    ]
    assert owner_api.get(_path(ledger), {"page_size": 1}).json()["count"] == 4
    assert_error(owner_api.get(_path(ledger), {"currency": "XXQ"}), 422, field="currency")
    assert_error(owner_api.get(_path(ledger), {"date_from": "soon"}), 422)
    assert_error(owner_api.get(_path(ledger), {"page_size": 501}), 422)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "EUR", "date": "2025-03-01", "rate": "1"}, "currency"),  # the base
        ({"currency": "ABC", "date": "2025-03-01", "rate": "1"}, "currency"),
        ({"currency": "US", "date": "2025-03-01", "rate": "1"}, "currency"),
        ({"currency": 840, "date": "2025-03-01", "rate": "1"}, "currency"),
        ({"currency": "USD", "date": "2025-02-30", "rate": "1"}, "date"),
        ({"currency": "USD", "date": "2025-03-01", "rate": "0"}, "rate"),
        ({"currency": "USD", "date": "2025-03-01", "rate": "-1.2"}, "rate"),
        ({"currency": "USD", "date": "2025-03-01", "rate": "1.23456789012"}, None),  # 12: fine
        ({"currency": "USD", "date": "2025-03-01", "rate": "1.234567890123"}, "rate"),  # 13
        ({"currency": "USD", "date": "2025-03-01", "rate": "0.0000000000000001"}, "rate"),
        ({"currency": "USD", "date": "2025-03-01", "rate": "1E+15"}, "rate"),
        ({"currency": "USD", "date": "2025-03-01", "rate": "NaN"}, "rate"),
        ({"currency": "USD", "date": "2025-03-01", "rate": "Infinity"}, "rate"),
        ({"currency": "USD", "date": "2025-03-01", "rate": "one"}, "rate"),
        ({"currency": "USD", "date": "2025-03-01", "rate": True}, "rate"),
        ({"currency": "USD", "date": "2025-03-01", "rate": None}, "rate"),
        ({"currency": "USD", "date": "2025-03-01"}, "rate"),
    ],
)
def test_invalid_rates_are_422_and_nothing_changes(owner_api, ledger, body, field):
    answer = owner_api.post(_path(ledger), body)
    if field is None:
        assert answer.status_code == 201, answer.content
        return
    assert_error(answer, 422, field=field)
    assert not LedgerRate.objects.exists()
    assert not Entry.objects.filter(object_type="rate").exists()


def test_trailing_zeros_do_not_count_as_digits(owner_api, ledger):
    answer = owner_api.post(
        _path(ledger), {"currency": "JPY", "date": "2025-03-01", "rate": "0.00614000000000000"}
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["rate"] == "0.00614"
    big = owner_api.post(_path(ledger), {"currency": "VND", "date": "2025-03-01", "rate": "1E+3"})
    assert big.json()["rate"] == "1000"


def test_viewers_read_and_editors_write(api, ledger, bob, make_user):
    rate = own_rate(ledger, "USD", date(2025, 3, 1), "0.9")
    viewer = member_api(api, ledger, bob, "viewer")
    assert viewer.get(_path(ledger)).json()["count"] == 1
    assert (
        viewer.get(_path(ledger) + "/lookup", {"currency": "USD", "date": "2025-03-01"}).status_code
        == 200
    )
    assert_error(
        viewer.post(_path(ledger), {"currency": "GBP", "date": "2025-03-01", "rate": "1.2"}), 403
    )
    assert_error(viewer.delete(_path(ledger, rate.pk)), 403)
    editor = member_api(api, ledger, make_user(), "editor")
    answer = editor.post(_path(ledger), {"currency": "GBP", "date": "2025-03-01", "rate": "1.2"})
    assert answer.status_code == 201
    assert editor.delete(_path(ledger, rate.pk)).status_code == 204


def test_another_ledgers_rate_is_not_found(owner_api, ledger, user, make_user):
    theirs = ledger_create(name="Theirs", owner=make_user(), currency="EUR")
    rate = own_rate(theirs, "USD", date(2025, 3, 1), "0.9")
    assert_error(owner_api.delete(_path(ledger, rate.pk)), 404)
    assert_error(owner_api.delete(_path(ledger, uuid.uuid4())), 404)
    assert_error(owner_api.get(_path(theirs)), 404)
    assert LedgerRate.objects.filter(pk=rate.pk).exists()


def test_lookup_tells_the_rate_its_source_and_its_day(owner_api, user):
    gbp = ledger_create(name="London", owner=user, currency="GBP")
    reference_rates(date(2025, 2, 27), USD="1.25", GBP="1")
    own_rate(gbp, "USD", date(2025, 2, 26), "0.7")
    path = _path(gbp) + "/lookup"
    answer = owner_api.get(path, {"currency": "USD", "date": "2025-03-01"})
    assert answer.json() == {
        "currency": "USD",
        "base": "GBP",
        "date": "2025-03-01",
        "rate": "0.8",
        "source": "reference",
        "rate_date": "2025-02-27",
    }
    own_rate(gbp, "USD", date(2025, 3, 1), "0.79")
    assert (
        owner_api.get(path, {"currency": "usd", "date": "2025-03-01"}).json()["source"] == "ledger"
    )
    missing = owner_api.get(path, {"currency": "USD", "date": "2025-03-20"}).json()
    assert (missing["rate"], missing["source"], missing["rate_date"]) == (None, None, None)
    same = owner_api.get(path, {"currency": "GBP", "date": "2025-03-20"}).json()
    assert (same["rate"], same["source"]) == ("1", "identity")
    assert_error(owner_api.get(path, {"currency": "USD"}), 422, field="date")
    assert_error(owner_api.get(path, {"currency": "EURO", "date": "2025-03-01"}), 422)


def test_lookup_of_a_cross_rate_writes_all_its_digits(owner_api, user):
    gbp = ledger_create(name="London", owner=user, currency="GBP")
    reference_rates(date(2025, 3, 3), USD="1.0856", GBP="0.85932")
    rate = owner_api.get(_path(gbp) + "/lookup", {"currency": "USD", "date": "2025-03-03"}).json()[
        "rate"
    ]
    assert rate.startswith("0.791562269712601326")
    assert "E" not in rate
    assert len(rate) >= 22


def test_the_list_costs_the_same_queries_for_one_rate_and_fifty(owner_api, ledger):
    own_rate(ledger, "USD", date(2025, 1, 1), "0.9")
    with CaptureQueriesContext(connection) as one:
        assert owner_api.get(_path(ledger)).json()["count"] == 1
    for day in range(2, 102):
        own_rate(ledger, "USD", date(2025, 1, 1) + timedelta(days=day), "0.9")
    with CaptureQueriesContext(connection) as full:
        answer = owner_api.get(_path(ledger)).json()
    assert len(answer["items"]) == 50
    assert answer["count"] == 101
    # A page that is not full tells the total itself; a full one costs the count, once.
    assert len(full.captured_queries) == len(one.captured_queries) + 1
