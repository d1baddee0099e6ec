"""manage.py rates_import (SPEC §14): the ECB's history CSV, its zip and the daily file;
idempotent; a bad file writes nothing and exits 1."""

import io
import sys
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from budget.ledgers.models import Ledger
from budget.rates.lookup import rates_find
from budget.rates.models import ReferenceRate
from budget.rates.tests.helpers import DAILY_CSV, HIST_CSV, zipped

pytestmark = pytest.mark.django_db


def _import(path) -> str:
    out = io.StringIO()
    call_command("rates_import", str(path), stdout=out)
    return out.getvalue().strip()


def _stored() -> set[tuple[str, str, Decimal]]:
    return {
        (c, d.isoformat(), r)
        for c, d, r in ReferenceRate.objects.values_list("currency", "date", "rate")
    }


def test_the_history_csv_with_na_cells_and_trailing_commas(tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(HIST_CSV)
    assert _import(path) == (
        "Reference rates: 10 added, 0 updated, 0 unchanged "
        "(4 currencies, 1999-01-05 to 2025-03-04)."
    )
    assert _stored() == {
        ("USD", "2025-03-04", Decimal("1.0612")),
        ("JPY", "2025-03-04", Decimal("158.12")),
        ("GBP", "2025-03-04", Decimal("0.83151")),
        ("USD", "2025-03-03", Decimal("1.0498")),
        ("JPY", "2025-03-03", Decimal("157.06")),
        ("GBP", "2025-03-03", Decimal("0.82643")),
        ("USD", "1999-01-05", Decimal("1.1789")),
        ("JPY", "1999-01-05", Decimal("130.96")),
        ("CYP", "1999-01-05", Decimal("0.5823")),
        ("GBP", "1999-01-05", Decimal("0.7111")),
    }


def test_importing_twice_changes_nothing_and_a_corrected_rate_is_updated(tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(HIST_CSV)
    _import(path)
    assert _import(path).startswith("Reference rates: 0 added, 0 updated, 10 unchanged")
    path.write_text(HIST_CSV.replace("1.0612", "1.0613") + "1999-01-04,1.1700,N/A,N/A,N/A,\n")
    assert _import(path).startswith("Reference rates: 1 added, 1 updated, 9 unchanged")
    assert ReferenceRate.objects.get(currency="USD", date=date(2025, 3, 4)).rate == Decimal(
        "1.0613"
    )
    assert ReferenceRate.objects.count() == 11


def test_the_zip_of_the_history(tmp_path):
    path = tmp_path / "eurofxref-hist.zip"
    path.write_bytes(zipped("eurofxref-hist.csv", HIST_CSV))
    assert _import(path).startswith("Reference rates: 10 added")


def test_the_daily_file_with_spaces_and_a_written_date(tmp_path):
    path = tmp_path / "eurofxref.csv"
    path.write_text(DAILY_CSV)
    assert _import(path).startswith("Reference rates: 3 added")
    assert _stored() == {
        ("USD", "2026-12-04", Decimal("1.1648")),
        ("JPY", "2026-12-04", Decimal("180.61")),
        ("GBP", "2026-12-04", Decimal("0.87345")),
    }


def test_standard_input(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DAILY_CSV.encode())))
    out = io.StringIO()
    call_command("rates_import", "-", stdout=out)
    assert ReferenceRate.objects.count() == 3


def test_imported_rates_answer_lookups(tmp_path, user):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(HIST_CSV)
    _import(path)
    from budget.ledgers.services import ledger_create

    gbp = ledger_create(name="London", owner=user, currency="GBP")
    found = rates_find(ledger_id=gbp.pk, base="GBP", wanted=[("USD", date(2025, 3, 9))])
    rate = found[("USD", date(2025, 3, 9))]  # 5 days after the newest published day
    assert abs(rate - Decimal("0.83151") / Decimal("1.0612")) < Decimal("1e-25")


def test_an_import_that_changes_rates_refreshes_every_ledgers_reports(tmp_path, ledger):
    path = tmp_path / "eurofxref.csv"
    path.write_text(DAILY_CSV)
    version = Ledger.objects.get(pk=ledger.pk).version
    _import(path)
    assert Ledger.objects.get(pk=ledger.pk).version == version + 1
    _import(path)  # nothing changed: reports stay cached
    assert Ledger.objects.get(pk=ledger.pk).version == version + 1


BROKEN = [
    pytest.param(b"", "header", id="empty"),
    pytest.param(b"Date,USD,\n", "no rates", id="no-rows"),
    pytest.param(b"When,USD,\n2025-03-04,1.1,\n", "header", id="no-date-column"),
    pytest.param(b"Date,US Dollar,\n2025-03-04,1.1,\n", "currency code", id="bad-code"),
    pytest.param(b"Date,USD,USD,\n2025-03-04,1.1,1.2,\n", "twice", id="code-twice"),
    pytest.param(b"Date,USD,\n2025-13-04,1.1,\n", "Line 2", id="bad-date"),
    pytest.param(b"Date,USD,\n4 Dec 2025,1.1,\n", "Line 2", id="short-month"),
    pytest.param(b"Date,USD,\n2025-03-04,1.1,\n2025-03-03,abc,\n", "Line 3, USD", id="bad-rate"),
    pytest.param(b"Date,USD,\n2025-03-04,-1.1,\n", "above 0", id="negative"),
    pytest.param(b"Date,USD,\n2025-03-04,0,\n", "above 0", id="zero"),
    pytest.param(b"Date,USD,\n2025-03-04,1.1,2.2,\n", "2 values", id="too-many-values"),
    pytest.param(b"Date,USD,\n2025-03-04,1.1,\n2025-03-04,1.2,\n", "twice", id="same-day"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\xff\xfe", "not text", id="binary"),
    pytest.param(zipped("readme.txt", "hello"), "exactly one CSV", id="zip-without-csv"),
    pytest.param(b"PK\x03\x04broken", "zip cannot be read", id="broken-zip"),
]


@pytest.mark.parametrize(("content", "message"), BROKEN)
def test_a_broken_file_is_refused_and_nothing_is_written(tmp_path, content, message):
    ReferenceRate.objects.create(currency="USD", date=date(2025, 3, 4), rate=Decimal("1.05"))
    path = tmp_path / "rates.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="Nothing was imported") as error:
        _import(path)
    assert message in str(error.value)
    assert _stored() == {("USD", "2025-03-04", Decimal("1.05"))}


def test_a_bad_row_after_good_ones_writes_nothing(tmp_path):
    path = tmp_path / "eurofxref-hist.csv"
    path.write_text(HIST_CSV + "1999-01-04,1.17,N/A,?,N/A,\n")
    with pytest.raises(CommandError, match="Line 5, CYP"):
        _import(path)
    assert not ReferenceRate.objects.exists()


def test_a_missing_file_exits_with_status_1(tmp_path, capsys):
    utility = ManagementUtility(["manage.py", "rates_import", str(tmp_path / "nowhere.csv")])
    with pytest.raises(SystemExit) as exit_:
        utility.execute()
    assert exit_.value.code == 1
    assert "nowhere.csv" in capsys.readouterr().err
