import json
from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import data, importing, tables
from dashboard.api import ApiClient, ApiError, FieldError
from dashboard.formatting import literal
from dashboard.views import imports
from tests.conftest import EMAIL
from tests.fake_api import PASSWORD, FakeApiState
from tests.fake_ledger import (
    IMPORT_ID,
    LP,
    FakeLedgerClient,
    app_on,
    import_job,
    preview_row,
    served,
    texts,
)

IMPORTS = f"{LP}/imports"
JOB = f"{IMPORTS}/{IMPORT_ID}"
GOOD_CSV = (
    b"date,kind,amount,description,category,wallet\n"
    b"2025-03-05,expense,12.30,Bakery,Groceries,Bank\n"
    b"2025-03-05,income,2000.00,Salary,Salary,Bank\n"
    b"2025-03-06,expense,950.00,Rent,Housing,Bank\n"
)
BANK_CSV = "\ufeffBuchungstag;Text;Betrag\n05.03.2025;Bäckerei;-12,30\n".encode()


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _page(**kwargs: Any) -> AppTest:
    return app_on("transactions", **kwargs).run()


def _upload(at: AppTest, content: bytes = GOOD_CSV, name: str = "bank.csv") -> AppTest:
    # The import's own box (the page also has Scan a receipt's).
    [uploader] = [u for u in at.get("file_uploader") if str(u.key).startswith("imp_file_")]
    uploader.set_value((name, content, "text/csv"))
    return at.run()


def _checked(fake: FakeLedgerClient, content: bytes = GOOD_CSV) -> AppTest:
    at = _upload(_page(), content)
    at.button(key="imp_check").click().run()
    assert not at.exception
    return at


def _uploads(fake: FakeLedgerClient) -> list[Any]:
    return [c for c in fake.calls if c.files is not None]


def _commits(fake: FakeLedgerClient) -> list[Any]:
    return [c for c in fake.writes() if c.path == f"{JOB}/commit"]


def _version(at: AppTest) -> int:
    return at.session_state.get(data.DATA_VERSION_KEY, 0)


def _progress(at: AppTest) -> list[Any]:
    return at.get("progress")


def _frame(at: AppTest, *columns: str) -> Any:
    frames = [d.value for d in at.dataframe if list(d.value.columns)[: len(columns)] == [*columns]]
    assert len(frames) == 1, [list(d.value.columns) for d in at.dataframe]
    return frames[0]


# --- the header, the mapping and the options, without Streamlit ------------------------------


@pytest.mark.parametrize(
    ("head", "delimiter", "header"),
    [
        (b"date,kind,amount\n2025-01-01,expense,1.00\n", "", ["date", "kind", "amount"]),
        (BANK_CSV, "", ["Buchungstag", "Text", "Betrag"]),
        (b"Date\tText\tAmount\n", "", ["Date", "Text", "Amount"]),
        (b"Date\tText\tAmount\n", "tab", ["Date", "Text", "Amount"]),
        (b'"Booking date", "Amount, EUR"\n', ",", ["Booking date", "Amount, EUR"]),
        (b"a;b,c\n", ";", ["a", "b,c"]),
        (b"", "", []),
        (b"\n\n", "", []),
    ],
)
def test_the_header_is_read_from_the_first_line(
    head: bytes, delimiter: str, header: list[str]
) -> None:
    assert importing.header_of(head, delimiter) == header


def test_a_header_that_is_not_utf8_still_gives_names() -> None:
    assert importing.header_of(b"Datum;Betr\xe4g\n", "") == ["Datum", "Betr\ufffdg"]


def test_a_mapping_names_every_column_since_the_server_then_reads_only_those() -> None:
    header = ["Date", "Text", "Betrag", "wallet", "kind"]
    chosen = {
        "date": "Date",
        "description": "Text",
        "signed_amount": "Betrag",
        "wallet": "wallet",
        "category": importing.SAME_NAME,
    }

    # The kind column belongs to another way of giving amounts: left out.
    assert importing.mapping_for(header, chosen, way="signed") == {
        "date": "Date",
        "description": "Text",
        "signed_amount": "Betrag",
        "wallet": "wallet",
    }


def test_no_mapping_is_sent_while_every_column_has_its_own_name() -> None:
    header = ["date", "kind", "amount", "description", "category", "wallet"]
    assert importing.mapping_for(header, {"date": importing.SAME_NAME, "kind": "kind"}) == {}
    assert importing.mapping_for(header, {}, way="kind") == {}


def test_debit_and_credit_columns_are_mapped_with_the_payee_and_the_banks_id() -> None:
    header = ["Datum", "Soll", "Haben", "Empfänger", "Referenz"]
    chosen = {
        "date": "Datum",
        "debit": "Soll",
        "credit": "Haben",
        "payee": "Empfänger",
        "external_id": "Referenz",
    }
    mapping = importing.mapping_for(header, chosen, way="debit_credit")

    assert mapping == chosen
    # The payee stands in for a description: nothing is missing.
    assert (
        importing.missing_columns(
            header, mapping, way="debit_credit", default_wallet=True, default_category=True
        )
        == []
    )


@pytest.mark.parametrize(
    ("header", "mapping", "way", "defaults", "missing"),
    [
        (["date", "kind", "amount", "description", "category", "wallet"], {}, "kind", False, []),
        (["Date", "KIND", "Amount", "description"], {}, "kind", True, []),
        (["date", "amount", "description"], {}, "kind", True, ["kind"]),
        (["Tag", "Text", "Betrag"], {}, "signed", True, ["date", "signed_amount", "description"]),
        (
            ["Tag", "Text", "Betrag"],
            {"date": "Tag", "description": "Text", "signed_amount": "Betrag"},
            "signed",
            True,
            [],
        ),
        (["date", "kind", "amount", "description"], {}, "kind", False, ["category", "wallet"]),
        (["date", "debit", "description"], {}, "debit_credit", True, ["credit"]),
    ],
)
def test_missing_columns_count_the_mapping_and_the_defaults(
    header: list[str], mapping: dict[str, str], way: str, defaults: bool, missing: list[str]
) -> None:
    found = importing.missing_columns(
        header, mapping, way=way, default_wallet=defaults, default_category=defaults
    )
    assert found == missing


def test_options_become_the_form_fields_the_api_reads() -> None:
    assert importing.Options().fields() == {}  # every option detected by the server
    options = importing.Options(
        date_format="DD.MM.YYYY",
        decimal=",",
        delimiter=";",
        wallet="w-bank",
        expense_category="c-groceries",
        mapping=(("date", "Buchungstag"), ("signed_amount", "Betrag")),
        format="csv",
        encoding="cp1252",
        negate=True,
    )
    assert options.fields() == {
        "format": "csv",
        "encoding": "cp1252",
        "delimiter": ";",
        "date_format": "DD.MM.YYYY",
        "decimal": ",",
        "negate": "true",
        "wallet": "w-bank",
        "expense_category": "c-groceries",
        "mapping": json.dumps({"date": "Buchungstag", "signed_amount": "Betrag"}),
    }


def test_the_preview_table_shows_names_signed_amounts_and_each_rows_status() -> None:
    preview = [
        preview_row(2),
        preview_row(3, kind="income", amount="2000.00", category="Salary", duplicate="tx-9"),
        preview_row(
            4,
            kind="transfer",
            amount="50.00",
            wallet=None,
            category=None,
            from_wallet="Bank",
            to_wallet="Cash",
            tags=["atm", "cash"],
        ),
        preview_row(5, valid=False, amount="12,345", tags="a|b", date="31/02/2025"),
    ]
    frame = tables.import_preview_table(preview, "EUR")

    assert frame["Row"].tolist() == [2, 3, 4, 5]
    assert frame["Status"].tolist() == ["OK", "Possible duplicate", "OK", "Error"]
    assert frame["Amount"].tolist() == ["-12.30 EUR", "2,000.00 EUR", "50.00 EUR", "12,345"]
    assert frame["Wallet"].tolist() == ["Bank", "Bank", "Bank → Cash", "Bank"]
    assert frame["Tags"].tolist() == ["", "", "atm, cash", "a|b"]
    assert frame["Date"][3] == "31/02/2025"


# --- the client's multipart upload, over HTTP ------------------------------------------------


def test_an_upload_is_a_multipart_form_sent_again_after_a_refresh(
    client: ApiClient, api_state: FakeApiState
) -> None:
    client.sign_in(EMAIL, PASSWORD)
    api_state.expire_access_tokens()

    answer = client.upload(
        "/test/upload",
        files={"file": ("bank.csv", GOOD_CSV, "text/csv")},
        data={"decimal": ",", "mapping": '{"date": "Tag"}'},
    )

    assert answer == {
        "files": {"file": {"name": "bank.csv", "text": GOOD_CSV.decode()}},
        "fields": {"decimal": ",", "mapping": '{"date": "Tag"}'},
    }
    uploads = api_state.calls_to("/test/upload")
    assert len(uploads) == 2  # refused once (401), refreshed, sent again whole
    assert uploads[1].headers["Content-Type"].startswith("multipart/form-data; boundary=")


# --- checking a file ---------------------------------------------------------------------------


def test_the_import_section_waits_for_a_file(fake: FakeLedgerClient) -> None:
    at = _page()

    assert not at.exception
    assert "Import CSV" in [e.label for e in at.expander]
    assert at.button(key="imp_check").disabled
    assert "date,kind,amount,description,category,wallet,bucket,notes,tags" in texts(at)


def test_checking_a_file_sends_it_with_the_options(fake: FakeLedgerClient) -> None:
    at = _upload(_page())
    at.selectbox(key="imp_date").select("DD/MM/YYYY")
    at.selectbox(key="imp_decimal").select(",")
    at.selectbox(key="imp_delimiter").select(";")
    at.selectbox(key="imp_wallet").select("w-bank")
    at.selectbox(key="imp_expense_category").select("c-groceries")
    at.button(key="imp_check").click().run()

    assert not at.exception
    [upload] = _uploads(fake)
    assert upload.path == IMPORTS
    assert upload.files == {"file": ("bank.csv", GOOD_CSV, "text/csv")}
    assert upload.data == {
        "date_format": "DD/MM/YYYY",
        "decimal": ",",
        "delimiter": ";",
        "wallet": "w-bank",
        "expense_category": "c-groceries",
    }
    assert [c for c in fake.writes() if c.files is None] == []  # nothing imported yet


def test_a_checked_file_shows_counts_and_the_first_rows(fake: FakeLedgerClient) -> None:
    at = _checked(fake)

    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Rows in the file": "3",
        "Valid rows": "3",
        "Rows with errors": "0",
        "Possible duplicates": "0",
    }
    preview = _frame(at, "Row", "Status")
    assert preview["Description"].tolist() == ["Bakery", "Salary", "Rent"]
    assert preview["Amount"].tolist() == ["-12.30 EUR", "2,000.00 EUR", "-950.00 EUR"]
    assert at.button(key="imp_commit").label == "Import 3 rows"
    assert not at.error


def test_the_preview_writes_each_amount_with_its_wallet_s_currency(
    fake: FakeLedgerClient,
) -> None:
    # As the server answers a file for wallets in JPY (no decimals) and KWD (three); the bad
    # row's cell stays as written.
    fake.import_check = import_job(
        valid_rows=3,
        error_count=1,
        errors=[{"row": 5, "field": "amount", "message": "Use whole amounts for JPY."}],
        preview=[
            preview_row(2, amount="1200", currency="JPY", wallet="Tokyo"),
            preview_row(3, kind="income", amount="1.250", currency="KWD", wallet="Dinar"),
            preview_row(4, amount="12.30"),
            preview_row(5, valid=False, amount="12.50", currency="JPY", wallet="Tokyo"),
        ],
    )
    at = _checked(fake)

    preview = _frame(at, "Row", "Status")
    assert preview["Amount"].tolist() == ["-1,200 JPY", "1.250 KWD", "-12.30 EUR", "12.50"]
    assert preview["Wallet"].tolist() == ["Tokyo", "Dinar", "Bank", "Tokyo"]


def test_row_errors_are_listed_and_nothing_can_be_imported(fake: FakeLedgerClient) -> None:
    fake.import_check = import_job(
        "invalid",
        valid_rows=2,
        error_count=2,
        errors=[
            {"row": 3, "field": "amount", "message": "Use at most 2 decimal places."},
            {"row": 4, "field": "date", "message": "Write the date as 2025-03-31."},
        ],
        detail="2 of 3 rows are invalid.",
        preview=[preview_row(2), preview_row(3, valid=False, amount="12.345")],
    )
    at = _checked(fake)

    errors = _frame(at, "Row", "Field", "Message")
    assert errors.values.tolist() == [
        [3, "Amount", "Use at most 2 decimal places."],
        [4, "Date", "Write the date as 2025-03-31."],
    ]
    assert "2 of 3 rows are invalid. Nothing was imported" in at.error[0].value
    assert not [b for b in at.button if b.key == "imp_commit"]
    assert _frame(at, "Row", "Status")["Status"].tolist() == ["OK", "Error"]


def test_a_long_error_list_says_it_is_cut(fake: FakeLedgerClient) -> None:
    errors = [{"row": n, "field": "date", "message": "Bad date."} for n in range(2, 1002)]
    fake.import_check = import_job(
        "invalid", error_count=5000, errors=errors, errors_truncated=True, total_rows=6000
    )
    at = _checked(fake)

    assert "Showing the first 1,000 of 5,000." in texts(at)
    assert {m.label: m.value for m in at.metric}["Rows with errors"] == "5,000"


def test_possible_duplicates_are_named_and_skipped_by_default(fake: FakeLedgerClient) -> None:
    fake.import_check = import_job(
        duplicate_count=1,
        duplicates=[{"row": 4, "transaction": "tx-1"}],
        preview=[preview_row(2), preview_row(3), preview_row(4, duplicate="tx-1")],
    )
    at = _checked(fake)

    duplicates = _frame(at, "Row", "Already in the ledger")
    assert duplicates.values.tolist() == [[4, "2025-03-04 · Expense · Rent · 1,234.50 EUR"]]
    assert at.checkbox(key="imp_skip").value is True
    assert at.button(key="imp_commit").label == "Import 2 rows"

    at.checkbox(key="imp_skip").uncheck().run()
    assert at.button(key="imp_commit").label == "Import 3 rows"
    at.button(key="imp_commit").click().run()

    [commit] = _commits(fake)
    assert commit.json == {"skip_duplicates": False}


def test_a_file_the_server_refuses_shows_which_part_is_wrong(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST",
        IMPORTS,
        ApiError(
            422,
            "validation_error",
            "The file cannot be imported.",
            [FieldError(field="file", message="Missing columns: date, amount.")],
        ),
    )
    at = _checked(fake)

    [error] = at.error
    assert "The file cannot be imported." in error.value
    assert "**File**: Missing columns: date, amount." in error.value
    assert imports.JOB_KEY not in at.session_state


def test_a_file_that_is_too_large_shows_the_servers_sentence(fake: FakeLedgerClient) -> None:
    fake.fail("POST", IMPORTS, ApiError(413, "payload_too_large", "The file is over 50 MB."))
    at = _checked(fake)

    assert [e.value for e in at.error] == ["The file is over 50 MB."]


def test_the_mapping_offers_the_files_own_column_names(fake: FakeLedgerClient) -> None:
    at = _upload(_page(), BANK_CSV)
    at.radio(key="imp_amounts").set_value("signed").run()

    # None of the columns has one of our names: the mapping opens by itself, and says so.
    assert at.toggle(key="imp_map").value is True
    assert "No column for: date, signed amount, description" in texts(at)
    assert at.selectbox(key="imp_map_date").options == [
        "— not in the file",
        "Buchungstag",
        "Text",
        "Betrag",
    ]
    assert not [s for s in at.selectbox if s.key in ("imp_map_kind", "imp_map_amount")]
    assert not [s for s in at.selectbox if s.key in ("imp_map_debit", "imp_map_credit")]
    at.selectbox(key="imp_map_date").select("Buchungstag")
    at.selectbox(key="imp_map_description").select("Text")
    at.selectbox(key="imp_map_signed_amount").select("Betrag")
    at.selectbox(key="imp_wallet").select("w-bank")
    at.selectbox(key="imp_expense_category").select("c-groceries")
    at.selectbox(key="imp_income_category").select("c-salary")
    at.selectbox(key="imp_date").select("DD.MM.YYYY")
    at.selectbox(key="imp_decimal").select(",").run()
    assert "No column for" not in texts(at)
    at.button(key="imp_check").click().run()

    [upload] = _uploads(fake)
    assert json.loads(upload.data["mapping"]) == {
        "date": "Buchungstag",
        "description": "Text",
        "signed_amount": "Betrag",
    }
    assert upload.data["wallet"] == "w-bank"
    assert upload.data["income_category"] == "c-salary"


def test_a_file_with_our_column_names_needs_no_mapping(fake: FakeLedgerClient) -> None:
    at = _upload(_page())

    assert at.toggle(key="imp_map").value is False
    assert "No column for" not in texts(at)
    assert "`date`, `kind`, `amount`" in texts(at)


def test_changing_the_options_after_a_check_asks_for_a_new_check(fake: FakeLedgerClient) -> None:
    at = _checked(fake)
    at.selectbox(key="imp_decimal").select(",").run()

    assert "changed since the last check" in texts(at)
    assert not [b for b in at.button if b.key == "imp_commit"]
    at.button(key="imp_check").click().run()

    # The old job is discarded on the server, a new one checked.
    assert [c.path for c in fake.writes() if c.method == "DELETE"] == [JOB]
    assert len(_uploads(fake)) == 2
    assert at.button(key="imp_commit").label == "Import 3 rows"


def test_start_over_discards_the_checked_job(fake: FakeLedgerClient) -> None:
    at = _checked(fake)
    at.button(key="imp_discard").click().run()

    assert [(c.method, c.path) for c in fake.writes() if c.files is None] == [("DELETE", JOB)]
    assert at.session_state[imports.UPLOADER_KEY] == 1
    assert at.get("file_uploader")[0].key == "imp_file_1"  # an empty uploader
    assert not at.metric


# --- importing, progress, undo ---------------------------------------------------------------


def test_importing_commits_and_follows_the_progress_to_done(fake: FakeLedgerClient) -> None:
    fake.import_progress = [
        import_job("running", processed=1),
        import_job("running", processed=2),
        import_job("done", processed=3, created=3),
    ]
    at = _checked(fake)
    at.button(key="imp_commit").click().run()

    assert not at.exception
    [commit] = _commits(fake)
    assert commit.json == {"skip_duplicates": False}
    [bar] = _progress(at)
    assert bar.proto.value == 33
    assert "1 of 3 rows" in bar.proto.text
    version = _version(at)

    at.run()  # the progress part polls again
    assert "2 of 3 rows" in _progress(at)[0].proto.text
    at.run()

    assert not _progress(at)
    assert "Imported 3 transactions from bank.csv." in at.success[0].value
    assert _version(at) == version + 1  # the lists read again
    polls = fake.gets(JOB)
    assert len(polls) == 3


def test_a_job_done_at_once_needs_no_polling(fake: FakeLedgerClient) -> None:
    fake.answers[("POST", f"{JOB}/commit")] = import_job("done", processed=3, created=3)
    at = _checked(fake)
    at.button(key="imp_commit").click().run()

    assert "Imported 3 transactions" in at.success[0].value
    assert fake.gets(JOB) == []


def test_skipped_duplicates_are_counted_in_the_message(fake: FakeLedgerClient) -> None:
    fake.import_check = import_job(duplicate_count=1, duplicates=[{"row": 3, "transaction": "x"}])
    fake.import_progress = [import_job("done", created=2, skip_duplicates=True)]
    at = _checked(fake)
    at.button(key="imp_commit").click().run()

    assert [c.json for c in _commits(fake)] == [{"skip_duplicates": True}]
    assert (
        at.success[0].value
        == "Imported 2 transactions from bank.csv. Skipped 1 possible duplicate."
    )


def test_a_failed_job_says_why_and_nothing_was_written(fake: FakeLedgerClient) -> None:
    fake.import_progress = [
        import_job(
            "failed",
            detail="The wallet Bank was archived after the check.",
            errors=[{"row": 2, "field": "wallet", "message": "The wallet is archived."}],
        )
    ]
    at = _checked(fake)
    at.button(key="imp_commit").click().run()

    assert not at.exception
    [error] = at.error
    assert "failed; nothing of it was written" in error.value
    assert "The wallet Bank was archived after the check." in error.value
    assert _frame(at, "Row", "Field", "Message").values.tolist() == [
        [2, "Wallet", "The wallet is archived."]
    ]
    at.button(key="imp_again").click().run()
    assert at.get("file_uploader")[0].key == "imp_file_1"


def test_a_stalled_job_can_be_started_again(fake: FakeLedgerClient) -> None:
    fake.import_progress = [import_job("running", processed=0, stale=True)]
    at = _checked(fake)
    at.button(key="imp_commit").click().run()

    assert "made no progress for a while" in at.warning[0].value
    assert not _progress(at)
    fake.import_progress = [import_job("done", created=3)]
    at.button(key="imp_retry").click().run()

    assert len(_commits(fake)) == 2
    assert "Imported 3 transactions" in at.success[0].value


def test_undo_deletes_the_imported_transactions(fake: FakeLedgerClient) -> None:
    at = _checked(fake)
    at.button(key="imp_commit").click().run()
    version = _version(at)
    at.button(key="imp_undo").click().run()

    assert not at.exception
    assert fake.writes()[-1].method == "DELETE"
    assert fake.writes()[-1].path == JOB
    assert "Undid the import of bank.csv: its 3 transactions are gone." in at.success[0].value
    assert _version(at) == version + 1
    assert not [b for b in at.button if b.key == "imp_undo"]


def test_an_undo_the_server_refuses_is_shown(fake: FakeLedgerClient) -> None:
    fake.fail("DELETE", JOB, ApiError(409, "import_state", "The import is still running."))
    at = _checked(fake)
    at.button(key="imp_commit").click().run()
    at.button(key="imp_undo").click().run()

    assert [e.value for e in at.error] == ["The import is still running."]
    assert at.button(key="imp_undo")  # still offered


def test_a_refused_commit_is_shown(fake: FakeLedgerClient) -> None:
    fake.fail(
        "POST", f"{JOB}/commit", ApiError(409, "import_state", "This import was already run.")
    )
    at = _checked(fake)
    at.button(key="imp_commit").click().run()

    assert [e.value for e in at.error] == ["This import was already run."]


def test_the_job_belongs_to_its_ledger(fake: FakeLedgerClient) -> None:
    at = _checked(fake)
    at.session_state["current_ledger_id"] = "ledger-2"
    at.run()

    assert not at.metric  # ledger-2 (a viewer's) shows no job of ledger-1


def test_a_viewer_cannot_import(fake: FakeLedgerClient) -> None:
    at = _page(role="viewer")

    assert not at.exception
    assert "Import CSV" not in [e.label for e in at.expander]
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key and b.key.startswith("imp_")]


# --- partial files and import profiles (SPEC §11) -----------------------------------------------

PARTIAL = {
    "valid_rows": 2,
    "error_count": 1,
    "errors": [{"row": 3, "field": "date", "message": "'Pending' is not a date."}],
    "detail": "2 rows are ready to import. 1 of 3 rows is invalid: …",
    "preview": [preview_row(2), preview_row(3, valid=False), preview_row(4)],
}
ING = {
    "id": "profile-1",
    "name": "ING",
    "options": {"date_format": "DD.MM.YYYY", "decimal": ",", "mapping": {"date": "Datum"}},
    "wallet": "w-bank",
}


def test_a_partly_valid_file_lists_its_errors_and_imports_the_valid_rows(
    fake: FakeLedgerClient,
) -> None:
    fake.import_check = import_job(**PARTIAL)
    at = _checked(fake)

    assert _frame(at, "Row", "Field", "Message").values.tolist() == [
        [3, "Date", "'Pending' is not a date."]
    ]
    assert "1 row has errors and will not be imported" in at.warning[0].value
    assert not at.error
    assert at.button(key="imp_commit").label == "Import 2 valid rows"
    at.button(key="imp_commit").click().run()

    [commit] = _commits(fake)
    assert commit.json == {"skip_duplicates": False, "skip_invalid": True}


def test_duplicates_are_shown_and_skipped_even_when_some_rows_are_invalid(
    fake: FakeLedgerClient,
) -> None:
    fake.import_check = import_job(
        **PARTIAL, duplicate_count=1, duplicates=[{"row": 4, "transaction": "tx-1"}]
    )
    at = _checked(fake)

    assert _frame(at, "Row", "Already in the ledger")["Row"].tolist() == [4]
    assert at.button(key="imp_commit").label == "Import 1 valid row"
    at.button(key="imp_commit").click().run()
    assert [c.json for c in _commits(fake)] == [{"skip_duplicates": True, "skip_invalid": True}]


def test_a_profile_sends_its_id_instead_of_the_options() -> None:
    options = importing.Options(
        date_format="DD.MM.YYYY", mapping=(("date", "Datum"),), profile="p-1", wallet="w-cash"
    )
    assert options.fields() == {"profile": "p-1", "wallet": "w-cash"}
    assert importing.profile_options(
        importing.Options(mapping=(("date", "Datum"),), negate=True, decimal=",")
    ) == {"decimal": ",", "negate": True, "mapping": {"date": "Datum"}}


def test_picking_a_profile_checks_the_file_with_it(fake: FakeLedgerClient) -> None:
    fake.import_profiles = [dict(ING)]
    at = _upload(_page())
    assert "ING (default for Bank)" in at.selectbox(key="imp_profile").options
    at.selectbox(key="imp_profile").select("profile-1").run()

    assert not [s for s in at.selectbox if s.key == "imp_date"]  # the profile's options apply
    assert "date format: DD.MM.YYYY" in texts(at)
    at.button(key="imp_check").click().run()
    [upload] = _uploads(fake)
    assert upload.data == {"profile": "profile-1"}


def test_the_forms_options_are_saved_as_a_profile(fake: FakeLedgerClient) -> None:
    at = _upload(_page())
    at.selectbox(key="imp_date").select("DD/MM/YYYY")
    at.selectbox(key="imp_wallet").select("w-bank")
    at.text_input(key="imp_profile_name").input("My bank").run()
    at.checkbox(key="imp_profile_default").check().run()
    at.button(key="imp_profile_save").click().run()

    assert not at.exception
    [saved] = [c for c in fake.writes() if c.path == f"{LP}/import-profiles"]
    assert saved.json == {
        "name": "My bank",
        "options": {"date_format": "DD/MM/YYYY", "wallet": "w-bank"},
        "wallet": "w-bank",
    }
    assert "Saved the profile" in at.success[0].value


# --- what banks write: detected options, other formats (SPEC §11) -------------------------------

PREAMBLE_CSV = (
    "Konto;DE12 3456 7890\n"
    "Zeitraum;01.03.2025 - 31.03.2025\n"
    "\n"
    "Buchungstag;Valuta;Text;Betrag;Währung\n"
    "05.03.2025;05.03.2025;Bäckerei;-12,30;EUR\n"
).encode("cp1252")
OFX = (
    b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST>"
    b"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20250305<TRNAMT>-12.30<FITID>1<NAME>Bakery</STMTTRN>"
    b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>\n"
)
CAMT = (
    b'<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
    b"<BkToCstmrStmt/></Document>\n"
)


def test_the_header_is_the_first_of_the_first_lines_with_the_most_cells() -> None:
    # The preamble lines (account, period) have fewer cells; the header is line 4.
    assert importing.header_of(PREAMBLE_CSV, importing.AUTO, "cp1252") == [
        "Buchungstag",
        "Valuta",
        "Text",
        "Betrag",
        "Währung",
    ]
    # Commas in the text and the amounts do not make the comma the delimiter.
    commas = "Datum;Text;Betrag\n05.03.2025;Bäcker, Berlin, Mitte, Nord;-12,30\n"
    commas += "06.03.2025;Miete;-950,00\n"
    assert importing.header_of(commas.encode()) == ["Datum", "Text", "Betrag"]
    assert importing.header_of(b"Date|Text|Amount\n", "|") == ["Date", "Text", "Amount"]
    assert importing.header_of(b"Date|Text|Amount\n") == ["Date", "Text", "Amount"]
    assert importing.header_of("date,amount\n1,2\n".encode("utf-16")) == ["date", "amount"]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (OFX, "ofx"),
        (b'<?xml version="1.0"?>\n<?OFX OFXHEADER="200"?>\n<OFX></OFX>', "ofx"),
        (b"!Type:Bank\nD03/05/2025\nT-12.30\n^\n", "qif"),
        (CAMT, "camt"),
        (GOOD_CSV, None),
        (b"", None),
    ],
)
def test_ofx_qif_and_camt_are_told_by_their_first_bytes(head: bytes, kind: str | None) -> None:
    assert importing.sniffed_format(head) == kind


@pytest.mark.parametrize(
    ("detected", "line"),
    [
        (
            {
                "format": "csv",
                "encoding": "cp1252",
                "delimiter": ";",
                "header_line": 7,
                "date_format": "DD.MM.YYYY",
                "decimal": ",",
            },
            "Read as CSV · cp1252 · delimiter ; · header on line 7 · dates DD.MM.YYYY · decimal ,",
        ),
        (
            {"format": "csv", "encoding": "utf-8", "delimiter": "\t", "header_line": None},
            "Read as CSV · utf-8 · delimiter tab · no header line",
        ),
        (
            {"format": "camt", "encoding": "utf-8", "date_format": "iso", "skipped": 2},
            "Read as CAMT · utf-8. 2 entries not booked were left out.",
        ),
        (
            {"format": "qif", "encoding": "latin-1", "date_format": "MM/DD'YY", "decimal": "."},
            "Read as QIF · latin-1 · dates MM/DD'YY · decimal .",
        ),
        ({}, ""),
        (None, ""),
    ],
)
def test_what_was_detected_reads_as_one_line(detected: Any, line: str) -> None:
    assert importing.detected_line(detected) == line


def test_every_option_is_detected_unless_chosen(fake: FakeLedgerClient) -> None:
    at = _upload(_page())
    for key in ("imp_format", "imp_encoding", "imp_delimiter", "imp_date", "imp_decimal"):
        assert at.selectbox(key=key).value == "auto"
        assert at.selectbox(key=key).options[0] == "Detect (auto)"
    assert at.checkbox(key="imp_negate").value is False
    at.button(key="imp_check").click().run()

    [upload] = _uploads(fake)
    assert upload.data == {}


def test_the_chosen_options_are_sent(fake: FakeLedgerClient) -> None:
    at = _upload(_page())
    assert "Pipe |" in at.selectbox(key="imp_delimiter").options
    assert "Windows-1250 (Central Europe)" in at.selectbox(key="imp_encoding").options
    assert "OFX / QFX" in at.selectbox(key="imp_format").options
    at.selectbox(key="imp_format").select("csv")
    at.selectbox(key="imp_encoding").select("cp1252")
    at.selectbox(key="imp_delimiter").select("|")
    at.selectbox(key="imp_decimal").select(",")
    at.selectbox(key="imp_date").select(importing.PATTERN).run()
    at.text_input(key="imp_date_pattern").input("%d.%m.%Y %H:%M")
    at.checkbox(key="imp_negate").check().run()
    at.button(key="imp_check").click().run()

    [upload] = _uploads(fake)
    assert upload.data == {
        "format": "csv",
        "encoding": "cp1252",
        "delimiter": "|",
        "date_format": "%d.%m.%Y %H:%M",
        "decimal": ",",
        "negate": "true",
    }


def test_the_check_says_what_the_file_was_read_as(fake: FakeLedgerClient) -> None:
    at = _upload(_page())
    at.selectbox(key="imp_delimiter").select("tab")
    at.button(key="imp_check").click().run()

    # The fake server echoes the options sent; what it leaves to detection it says it found.
    assert "Read as CSV · utf-8 · delimiter tab · header on line 1 · dates iso" in texts(at)

    fake.import_check = import_job(
        detected={
            "format": "csv",
            "encoding": "cp1252",
            "delimiter": ";",
            "header_line": 7,
            "date_format": "DD.MM.YYYY",
            "decimal": ",",
            "skipped": 0,
        }
    )
    at.selectbox(key="imp_delimiter").select("auto")
    at.button(key="imp_check").click().run()
    assert (
        "Read as CSV · cp1252 · delimiter ; · header on line 7 · dates DD.MM.YYYY · decimal ,"
        in texts(at)
    )


def test_a_preamble_is_skipped_when_the_columns_are_offered(fake: FakeLedgerClient) -> None:
    at = _upload(_page(), PREAMBLE_CSV)
    at.selectbox(key="imp_encoding").select("cp1252").run()

    assert at.selectbox(key="imp_map_date").options[1:] == [
        "Buchungstag",
        "Valuta",
        "Text",
        "Betrag",
        "Währung",
    ]


def test_an_ofx_file_needs_no_mapping_but_a_wallet(fake: FakeLedgerClient) -> None:
    fake.import_check = import_job(
        detected={"format": "ofx", "encoding": "utf-8", "date_format": "iso", "decimal": "."}
    )
    at = _upload(_page(), OFX, "bank.ofx")

    assert not [t for t in at.toggle if t.key == "imp_map"]
    assert not [r for r in at.radio if r.key == "imp_amounts"]
    assert "names its own fields: no column mapping" in texts(at)
    assert "Choose the wallet" in texts(at)
    at.selectbox(key="imp_wallet").select("w-bank")
    at.button(key="imp_check").click().run()

    [upload] = _uploads(fake)
    assert upload.data == {"wallet": "w-bank"}
    assert "Read as OFX / QFX · utf-8" in texts(at)
    assert "Choose the wallet" not in texts(at)


def test_a_chosen_format_hides_the_mapping(fake: FakeLedgerClient) -> None:
    at = _upload(_page())
    assert at.toggle(key="imp_map")
    at.selectbox(key="imp_format").select("qif").run()

    assert not [t for t in at.toggle if t.key == "imp_map"]
    assert "QIF file names its own fields" in texts(at)


def test_a_format_the_check_detected_hides_the_mapping(fake: FakeLedgerClient) -> None:
    fake.import_check = import_job(detected={"format": "camt", "encoding": "utf-8", "skipped": 2})
    at = _checked(fake, b"looks like nothing\n")

    assert not [t for t in at.toggle if t.key == "imp_map"]
    assert "CAMT file names its own fields" in texts(at)
    assert "Read as CAMT · utf-8. 2 entries not booked were left out." in texts(at)
    assert at.button(key="imp_commit")  # the mapping gone, the checked job is still current


def test_what_was_detected_is_shown_as_written(fake: FakeLedgerClient) -> None:
    fake.import_check = import_job(
        detected={"format": "csv", "delimiter": "*", "header_line": 2, "date_format": "%d_%m_%Y"}
    )
    at = _checked(fake)

    line = "Read as CSV · delimiter * · header on line 2 · dates %d_%m_%Y"
    assert literal(line) in [c.value for c in at.caption]
    assert literal(line) != line  # the star and the underscores make no emphasis


# --- the header line and the wallet's default profile -------------------------------------------

HEADERLESS_CSV = b"05.03.2025|Bakery|-12,30\n06.03.2025|Rent|-950,00\n"


def test_the_header_line_names_a_line_or_none() -> None:
    assert importing.header_of(PREAMBLE_CSV, importing.AUTO, "cp1252", "4") == [
        "Buchungstag",
        "Valuta",
        "Text",
        "Betrag",
        "Währung",
    ]
    assert importing.header_of(PREAMBLE_CSV, ";", "cp1252", "1") == ["Konto", "DE12 3456 7890"]
    assert importing.header_of(PREAMBLE_CSV, ";", "cp1252", "99") == []
    assert importing.header_of(HEADERLESS_CSV, header_line="none") == ["#1", "#2", "#3"]
    assert importing.first_cells(HEADERLESS_CSV) == ["05.03.2025", "Bakery", "-12,30"]
    assert importing.Options(header_line="none").fields() == {"header_line": "none"}
    assert importing.Options(header_line="7").fields() == {"header_line": "7"}
    assert importing.Options().fields() == {}


def test_a_header_on_a_chosen_line_is_sent_and_its_columns_offered(fake: FakeLedgerClient) -> None:
    at = _upload(_page(), PREAMBLE_CSV)
    at.selectbox(key="imp_encoding").select("cp1252")
    at.selectbox(key="imp_header").select(importing.HEADER_AT_LINE).run()
    at.number_input(key="imp_header_number").set_value(4).run()

    assert at.selectbox(key="imp_map_date").options[1:] == [
        "Buchungstag",
        "Valuta",
        "Text",
        "Betrag",
        "Währung",
    ]
    at.button(key="imp_check").click().run()
    [upload] = _uploads(fake)
    assert upload.data["header_line"] == "4"


def test_a_file_without_header_is_mapped_by_position(fake: FakeLedgerClient) -> None:
    at = _upload(_page(), HEADERLESS_CSV)
    at.selectbox(key="imp_header").select(importing.NO_HEADER).run()

    assert "Its first line: " + literal("#1 05.03.2025, #2 Bakery, #3 -12,30") in texts(at)
    assert at.selectbox(key="imp_map_date").options[1:] == ["#1", "#2", "#3"]
    at.radio(key="imp_amounts").set_value("signed").run()
    at.selectbox(key="imp_map_date").select("#1")
    at.selectbox(key="imp_map_description").select("#2")
    at.selectbox(key="imp_map_signed_amount").select("#3")
    at.selectbox(key="imp_wallet").select("w-bank")
    at.selectbox(key="imp_expense_category").select("c-groceries").run()
    at.button(key="imp_check").click().run()

    [upload] = _uploads(fake)
    assert upload.data["header_line"] == "none"
    assert json.loads(upload.data["mapping"]) == {
        "date": "#1",
        "signed_amount": "#3",
        "description": "#2",
    }


def test_choosing_a_wallet_picks_its_default_profile(fake: FakeLedgerClient) -> None:
    fake.import_profiles = [dict(ING), {**ING, "id": "profile-2", "name": "Other", "wallet": None}]
    at = _upload(_page())
    assert at.selectbox(key="imp_profile").value is None

    at.selectbox(key="imp_wallet").select("w-bank").run()
    assert at.selectbox(key="imp_profile").value == "profile-1"
    assert not [s for s in at.selectbox if s.key == "imp_date"]  # the profile's options apply

    at.selectbox(key="imp_wallet").select("w-cash").run()  # no default: ING was Bank's
    assert at.selectbox(key="imp_profile").value is None

    at.selectbox(key="imp_profile").select("profile-2").run()
    at.selectbox(key="imp_wallet").select(None).run()  # a profile picked by hand stays
    assert at.selectbox(key="imp_profile").value == "profile-2"
    at.button(key="imp_check").click().run()
    [upload] = _uploads(fake)
    assert upload.data == {"profile": "profile-2"}
