"""The bank's transaction id (SPEC §11): `external_id` on a transaction (optional text of at
most 255 characters, an output field, a list filter, in both exports and the restore), a
mappable column of the import, and what decides duplicates when both sides carry one."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from tests.helpers import assert_error

from budget.exchange.models import ImportRow
from budget.exchange.tests.helpers import validated
from budget.money import services
from budget.money.models import Transaction

pytestmark = pytest.mark.django_db

BANK = "Date,Amount,Description,Ref\n"
OPTIONS = {
    "mapping": '{"date": "Date", "signed_amount": "Amount", "description": "Description", '
    '"external_id": "Ref"}',
    "wallet": "Bank",
    "income_category": "Salary",
    "expense_category": "Groceries",
}


def _statement(*rows: str) -> str:
    return BANK + "".join(row + "\n" for row in rows)


def _check(api, h, *rows: str, **options) -> dict:
    return validated(api, h.ledger, _statement(*rows), **{**OPTIONS, **options})


def _existing(h, *, external_id: str = "", day=date(2025, 3, 1), wallet=None, amount="4.50"):
    return services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": day,
            "amount": Decimal(amount),
            "description": "Coffee",
            "category": h.groceries.pk,
            "wallet": (wallet or h.bank).pk,
            "external_id": external_id,
        },
    )


def _duplicates(job: dict) -> list[tuple[int, str]]:
    return [(d["row"], d["transaction"]) for d in job["duplicates"]]


def _tx_path(h, tx_id=None) -> str:
    return f"/ledgers/{h.ledger.pk}/transactions" + (f"/{tx_id}" if tx_id else "")


# --- The field --------------------------------------------------------------------------------


def test_a_transaction_keeps_its_external_id_and_the_list_filters_by_it(owner_api, household):
    h = household
    body = {
        "kind": "expense",
        "date": "2025-03-01",
        "amount": "4.50",
        "category": str(h.groceries.pk),
        "wallet": str(h.bank.pk),
    }
    created = owner_api.post(_tx_path(h), {**body, "external_id": "FIT-1"}).json()
    assert created["external_id"] == "FIT-1"
    plain = owner_api.post(_tx_path(h), body).json()
    assert plain["external_id"] == ""
    listed = owner_api.get(_tx_path(h), {"external_id": "FIT-1"}).json()
    assert [t["id"] for t in listed["items"]] == [created["id"]]
    patched = owner_api.patch(_tx_path(h, plain["id"]), {"external_id": "FIT-2"}).json()
    assert patched["external_id"] == "FIT-2"
    cleared = owner_api.patch(_tx_path(h, plain["id"]), {"external_id": None}).json()
    assert cleared["external_id"] == ""


def test_an_external_id_over_255_characters_is_422(owner_api, household):
    h = household
    response = owner_api.post(
        _tx_path(h),
        {
            "kind": "expense",
            "date": "2025-03-01",
            "amount": "4.50",
            "category": str(h.groceries.pk),
            "wallet": str(h.bank.pk),
            "external_id": "x" * 256,
        },
    )
    assert_error(response, 422, field="external_id")
    assert not Transaction.objects.exists()


def test_an_edit_of_other_fields_keeps_the_external_id(owner_api, household):
    tx = _existing(household, external_id="FIT-1")
    response = owner_api.patch(_tx_path(household, tx.pk), {"description": "Espresso"})
    assert response.json()["external_id"] == "FIT-1"


def test_the_exports_carry_the_external_id_and_the_restore_keeps_it(owner_api, household):
    h = household
    _existing(h, external_id="FIT-1")
    csv_text = b"".join(
        owner_api.get(f"/ledgers/{h.ledger.pk}/export.csv").streaming_content
    ).decode()
    header, row = csv_text.splitlines()[:2]
    assert header.endswith(
        ",external_id,split_of,split_bucket,split_description,"
        "currency,base_amount,to_amount,foreign_amount,foreign_currency"
    )
    assert ",FIT-1,,,,EUR," in row
    document = owner_api.get(f"/ledgers/{h.ledger.pk}/export.json").json()
    assert [t["external_id"] for t in document["transactions"]] == ["FIT-1"]
    restored = owner_api.post("/ledgers/import-json", document).json()
    assert Transaction.objects.get(ledger_id=restored["id"]).external_id == "FIT-1"


def test_an_imported_row_keeps_its_mapped_external_id(owner_api, household, commit):
    job = _check(owner_api, household, "2025-03-01,-4.50,Coffee,FIT-9")
    commit(owner_api, household.ledger, job["id"])
    assert Transaction.objects.get(import_job_id=job["id"]).external_id == "FIT-9"


def test_an_exported_csv_imports_again_with_its_external_ids(owner_api, household, commit):
    h = household
    _existing(h, external_id="FIT-1")
    exported = b"".join(owner_api.get(f"/ledgers/{h.ledger.pk}/export.csv").streaming_content)
    Transaction.objects.all().delete()  # not through the API: only the file matters here
    job = validated(owner_api, h.ledger, exported)
    assert ImportRow.objects.get(job_id=job["id"]).external_id == "FIT-1"


# --- Duplicates by bank id --------------------------------------------------------------------


def test_an_equal_bank_id_in_the_same_wallet_is_a_duplicate_whatever_else_differs(
    owner_api, household
):
    tx = _existing(household, external_id="FIT-1", day=date(2025, 2, 27), amount="4.00")
    job = _check(owner_api, household, "2025-03-01,-4.50,Coffee at the station,FIT-1")
    assert _duplicates(job) == [(2, str(tx.pk))]


def test_different_bank_ids_are_never_duplicates_even_when_all_else_is_equal(owner_api, household):
    _existing(household, external_id="FIT-1")
    job = _check(owner_api, household, "2025-03-01,-4.50,Coffee,FIT-2")
    assert job["duplicates"] == []


def test_an_equal_bank_id_in_another_wallet_is_no_duplicate(owner_api, household):
    _existing(household, external_id="FIT-1", wallet=household.cash)
    job = _check(owner_api, household, "2025-03-01,-4.50,Coffee,FIT-1")
    assert job["duplicates"] == []


def test_without_an_id_on_one_side_the_key_decides(owner_api, household):
    typed = _existing(household)  # entered by hand: no bank id
    job = _check(owner_api, household, "2025-03-01,-4.50,Coffee,FIT-1")
    assert _duplicates(job) == [(2, str(typed.pk))]
    imported = _existing(household, external_id="FIT-7", day=date(2025, 3, 2))
    job = _check(owner_api, household, "2025-03-02,-4.50,Coffee,", mapping=OPTIONS["mapping"])
    assert _duplicates(job) == [(2, str(imported.pk))]


def test_a_transaction_paired_by_bank_id_is_not_paired_again_by_key(owner_api, household):
    tx = _existing(household, external_id="FIT-1")
    job = _check(owner_api, household, "2025-03-01,-4.50,Coffee,FIT-1", "2025-03-01,-4.50,Coffee,")
    assert _duplicates(job) == [(2, str(tx.pk))]


def test_two_coffees_with_their_bank_ids_against_one_typed_in_make_one_duplicate(
    owner_api, household, commit
):
    typed = _existing(household)
    job = _check(
        owner_api, household, "2025-03-01,-4.50,Coffee,FIT-1", "2025-03-01,-4.50,Coffee,FIT-2"
    )
    assert _duplicates(job) == [(2, str(typed.pk))]
    done = commit(owner_api, household.ledger, job["id"], skip_duplicates=True)
    assert done["created"] == 1
    assert Transaction.objects.get(import_job_id=job["id"]).external_id == "FIT-2"


def _key_pass_ran(queries) -> bool:
    """Whether the duplicate search by key (b) ran: its window numbers identical rows."""
    return any("ROW_NUMBER" in q["sql"].upper() for q in queries.captured_queries)


def test_without_a_transaction_in_the_files_dates_the_key_search_is_left_out(owner_api, household):
    """(b) pairs rows only with transactions of the file's date range: with none there it
    cannot pair a row and does not run (it sorted every row of the file); (a), by bank id,
    still finds the transaction of another year."""
    earlier = _existing(household, external_id="FIT-1", day=date(2024, 6, 1))
    rows = ("2031-03-01,-4.50,Coffee,FIT-1", "2031-03-01,-4.50,Coffee,", "2031-03-01,-4.50,Coffee,")
    with CaptureQueriesContext(connection) as queries:
        job = _check(owner_api, household, *rows)
    assert _duplicates(job) == [(2, str(earlier.pk))]
    assert not _key_pass_ran(queries)


def test_with_a_transaction_in_the_files_dates_the_key_search_runs(owner_api, household):
    typed = _existing(household, day=date(2031, 3, 1))
    with CaptureQueriesContext(connection) as queries:
        job = _check(owner_api, household, "2031-03-01,-4.50,Coffee,", "2031-03-01,-4.50,Coffee,")
    assert _duplicates(job) == [(2, str(typed.pk))]
    assert _key_pass_ran(queries)


def test_a_second_import_of_the_same_statement_is_all_duplicates(owner_api, household, commit):
    rows = ("2025-03-01,-4.50,Coffee,FIT-1", "2025-03-01,-4.50,Coffee,FIT-2")
    first = _check(owner_api, household, *rows)
    commit(owner_api, household.ledger, first["id"])
    again = _check(owner_api, household, *rows)
    assert again["duplicate_count"] == 2
    by_id = {t.external_id: str(t.pk) for t in Transaction.objects.all()}
    assert _duplicates(again) == [(2, by_id["FIT-1"]), (3, by_id["FIT-2"])]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_the_bank_id_lookup_uses_its_index_after_a_history_without_bank_ids(owner_api, household):
    """A ledger whose transactions carry no bank id (a CSV history), analyzed: its statistics
    say every row has the same `external_id`, so "= this row's id" alone looked like the
    whole ledger and the per-row lookup read all of it, 100 000 times for an OFX file. The
    check's lookup (its UPDATE, explained instead of run) is an index scan of (ledger,
    external_id, wallet) whatever the statistics."""
    h = household
    for n in range(300):
        _existing(h, day=date(2025, 1, 1 + n % 28), amount=f"{1 + n}.00")
    plans = []

    def explain(execute, sql, params, many, context):
        if sql.lstrip().startswith("UPDATE") and '"external_id" >' in sql:
            execute(f"EXPLAIN {sql}", params, many, context)
            plans.append("\n".join(row[0] for row in context["cursor"].fetchall()))
            return None
        return execute(sql, params, many, context)

    with connection.cursor() as cursor:
        try:
            cursor.execute("ANALYZE money_transaction")
            with connection.execute_wrapper(explain):
                _check(owner_api, h, "2025-01-05,-4.50,Coffee,FIT1", "2025-01-06,-3.00,Tea,FIT2")
        finally:
            # The statistics outlive the test's transaction: taken again without its rows.
            Transaction.objects.filter(ledger=h.ledger).delete()
            cursor.execute("ANALYZE money_transaction")
    assert len(plans) == 1, plans
    assert "money_tx_external_id" in plans[0], plans[0]
    assert "Seq Scan on money_transaction" not in plans[0], plans[0]
