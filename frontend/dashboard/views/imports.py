"""Importing a bank file on the Transactions page, as the server's import job (SPEC §9, §11).

Check a file (the server reads every row and writes nothing), look at what it made of it — the
first rows, the errors, the possible duplicates — then import it with a progress bar while the
worker inserts the rows, and undo it if it was the wrong file.

The job in hand lives in the session (``JOB_KEY``), so the page can be used while it runs.
The form's choices (options, profiles, defaults, column mapping) are in views/import_form.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import streamlit as st

from dashboard import api, config, data, forms, session, tables
from dashboard.api import ApiError
from dashboard.formatting import literal
from dashboard.importing import (
    FORMATS,
    NO_HEADER,
    STRUCTURED,
    Options,
    detected_line,
    field_label,
    first_cells,
    header_of,
)
from dashboard.views import import_form
from dashboard.views.common import metric_row, show_error

JOB_KEY = "imp_job"
UPLOADER_KEY = "imp_uploader"  # a generation number: a new key empties the uploader
POLL_SECONDS = 0.5
HEADER_BYTES = 64 * 1024  # enough for any header line; the file itself goes to the server
DUPLICATES_DESCRIBED = 10  # possible duplicates shown with the existing transaction's details

RUNNING = ("running", "undoing")  # a worker is importing the file, or undoing it
CHECKED = ("validated", "invalid")
ROW_HELP = "Row = the line in the file; the header is line 1."


# --- the page section ---------------------------------------------------------------------------


def render(lists: Any, currency: str) -> None:
    """The import section: ``lists`` is the page's wallets, buckets and categories."""
    entry = _entry()
    job = entry["job"] if entry else None
    status = job["status"] if job else None
    if status in RUNNING:
        if job.get("stale"):
            _stale(job)
        else:
            _progress()
        return
    if status == "done":
        _done(job)
        return
    if status in ("failed", "undone"):
        _finished(job)
        return
    _check_form(lists, currency, entry)


def _entry() -> dict[str, Any] | None:
    """The job in hand for the current ledger (a job of another ledger is left alone)."""
    entry = st.session_state.get(JOB_KEY)
    if entry and entry["ledger"] == session.current_ledger_id():
        return entry
    return None


def _keep(job: dict[str, Any], signature: Any = None) -> None:
    old = st.session_state.get(JOB_KEY) or {}
    st.session_state[JOB_KEY] = {
        "ledger": session.current_ledger_id(),
        "job": job,
        "signature": signature if signature is not None else old.get("signature"),
    }


def _discard() -> None:
    """Put the job down; one that was checked but never imported is deleted on the server."""
    entry = _entry()
    st.session_state.pop(JOB_KEY, None)
    if entry and entry["job"]["status"] in CHECKED:
        # A job nobody imports is harmless: the page goes on without it whatever happens.
        with contextlib.suppress(ApiError):
            api.get_client().delete(_job_path(entry["job"]))


def _start_over() -> None:
    """Back to an empty form: no job, no file."""
    _discard()
    st.session_state[UPLOADER_KEY] = st.session_state.get(UPLOADER_KEY, 0) + 1
    st.rerun()


def _job_path(job: Mapping[str, Any], suffix: str = "") -> str:
    return data.ledger_path(f"/imports/{job['id']}{suffix}")


# --- choose and check ---------------------------------------------------------------------------


def _check_form(lists: Any, currency: str, entry: dict[str, Any] | None) -> None:
    st.caption(
        "A bank's CSV, OFX/QFX, QIF or CAMT file, in any common encoding. By default a CSV's "
        f"columns are `{','.join(forms.CSV_COLUMNS)}` (tags separated by "
        f"`{forms.TAG_SEPARATOR}`), as in the export below; a bank's CSV with other column "
        "names can be mapped. A row's currency (a `currency` column, or the statement's) must "
        "be its wallet's, and its amounts have that currency's decimals. Nothing is written "
        "until you import the checked file."
    )
    generation = st.session_state.get(UPLOADER_KEY, 0)
    upload = st.file_uploader(
        "Bank file",
        type=["csv", "txt", "tsv", "ofx", "qfx", "qif", "xml", "camt", "053", "052", "054"],
        max_upload_size=config.IMPORT_MAX_MB,
        key=f"imp_file_{generation}",
    )
    profile = import_form.profile_select(lists)
    chosen = Options()
    if profile is None:
        chosen = import_form.read_options()
    row = st.columns(3)
    wallet = import_form.default_select(
        row[0],
        "Wallet",
        lists.active_wallets(),
        import_form.WALLET_KEY,
        on_change=import_form.wallet_default_profile,
        args=(import_form.profiles(),),
    )
    income = import_form.default_select(
        row[1], "Income category", lists.active_categories("income"), "imp_income_category"
    )
    expense = import_form.default_select(
        row[2], "Expense category", lists.active_categories("expense"), "imp_expense_category"
    )

    head = upload.read(HEADER_BYTES) if upload is not None else b""
    if upload is not None:
        upload.seek(0)
    job = entry["job"] if entry else None
    same_file = upload is not None and bool(entry) and entry["signature"][0] == upload.file_id
    kind = import_form.file_format(chosen.format, head, job if same_file else None)
    mapping: dict[str, str] = {}
    if upload is not None and profile is None:
        if kind in STRUCTURED:
            st.info(
                f"A {FORMATS[kind]} file names its own fields: no column mapping. It does not "
                "say which of the ledger's wallets it belongs to, so choose the wallet above.",
                icon=":material/account_balance:",
            )
        else:
            header = header_of(head, chosen.delimiter, chosen.encoding, chosen.header_line)
            samples = None
            if chosen.header_line == NO_HEADER:
                samples = first_cells(head, chosen.delimiter, chosen.encoding)
            mapping = import_form.mapping_choose(
                header, wallet=bool(wallet), category=bool(income or expense), samples=samples
            )
    if upload is not None and kind in STRUCTURED and not wallet:
        st.warning("Choose the wallet the file's transactions belong to.")

    options = replace(
        chosen,
        wallet=wallet,
        income_category=income,
        expense_category=expense,
        mapping=tuple(sorted(mapping.items())),
        profile=profile,
    )
    if profile is None:
        import_form.profile_save(options)
    signature = (upload.file_id, options) if upload is not None else None
    current = job is not None and entry["signature"] == signature
    if job is not None and not current:
        st.caption("The file or the options changed since the last check: check it again.")

    if st.button(
        "Check file",
        icon=":material/fact_check:",
        disabled=upload is None,
        type="secondary" if current else "primary",
        key="imp_check",
    ):
        _check(upload, options, signature)
    if current:
        line = detected_line(job.get("detected"))
        if line:
            st.caption(literal(line))
        _checked(job, currency)


def _check(upload: Any, options: Options, signature: Any) -> None:
    _discard()  # the previous check, if any, is of no use now
    try:
        job = api.get_client().upload(
            data.ledger_path("/imports"),
            files={"file": (upload.name, upload.getvalue(), "text/csv")},
            data=options.fields(),
        )
    except ApiError as error:
        forms.show_form_error(error, field_label)
        return
    _keep(job, signature)
    st.rerun()


def _checked(job: dict[str, Any], currency: str) -> None:
    """What the server made of the file, and the way on: import, or check another."""
    errors, duplicates = int(job.get("error_count", 0)), int(job.get("duplicate_count", 0))
    metric_row(
        [
            ("Rows in the file", f"{int(job['total_rows']):,}", None),
            ("Valid rows", f"{int(job['valid_rows']):,}", None),
            ("Rows with errors", f"{errors:,}", None),
            ("Possible duplicates", f"{duplicates:,}", _DUPLICATE_HELP),
        ]
    )
    if job.get("preview"):
        st.markdown("**First rows, as they will be imported**")
        st.dataframe(
            tables.import_preview_table(job["preview"], currency),
            hide_index=True,
            key="imp_preview",
        )
    partial = bool(errors) and job["status"] == "validated"
    if partial:
        bad = int(job["total_rows"]) - int(job["valid_rows"])
        st.warning(
            f"{bad:,} row{'s have' if bad != 1 else ' has'} errors and will not be imported; "
            "the valid rows can be. Or correct the file and check it again.",
            icon=":material/warning:",
        )
    elif errors:
        st.error(
            f"{job.get('detail') or 'Some rows are not valid.'} Nothing was imported.",
            icon=":material/error:",
        )
    if errors:
        more = " " + _truncated(job, "errors", errors) if job.get("errors_truncated") else ""
        st.markdown("**Errors**")
        st.dataframe(tables.import_error_table(job.get("errors") or []), hide_index=True)
        st.caption(ROW_HELP + more)
    skip = False
    if duplicates:
        st.markdown("**Possible duplicates**")
        st.dataframe(_duplicate_table(job, currency), hide_index=True)
        more = (
            " " + _truncated(job, "duplicates", duplicates)
            if job.get("duplicates_truncated")
            else ""
        )
        st.caption(_DUPLICATE_HELP + more)
        skip = st.checkbox(
            f"Skip the {duplicates:,} possible duplicate{'s' if duplicates != 1 else ''}",
            value=True,
            key="imp_skip",
        )
    buttons = st.container(horizontal=True)
    if job["status"] == "validated":
        count = int(job["valid_rows"]) - (duplicates if skip else 0)
        valid = " valid" if partial else ""
        if buttons.button(
            f"Import {count:,}{valid} row{'s' if count != 1 else ''}",
            type="primary",
            icon=":material/upload:",
            disabled=count <= 0,
            key="imp_commit",
        ):
            _commit(job, skip, skip_invalid=partial)
    if buttons.button("Start over", key="imp_discard"):
        _start_over()


_DUPLICATE_HELP = (
    "A possible duplicate has the same bank transaction id and wallet as a transaction already "
    "in the ledger; or, where either has no id, the same date, kind, amount, wallet and "
    "description."
)


def _truncated(job: Mapping[str, Any], what: str, count: int) -> str:
    return f"Showing the first {len(job.get(what) or []):,} of {count:,}."


def _duplicate_table(job: Mapping[str, Any], currency: str) -> Any:
    """Row, and the transaction already in the ledger that it looks like (for the first few)."""
    described = {}
    for duplicate in (job.get("duplicates") or [])[:DUPLICATES_DESCRIBED]:
        tid = duplicate["transaction"]
        try:
            existing = data.get(data.ledger_path(f"/transactions/{tid}"))
        except ApiError:
            continue  # deleted since the check, say: the row still shows
        described[str(tid)] = forms.transaction_label(existing, currency)
    return tables.import_duplicate_table(job.get("duplicates") or [], described)


def _commit(job: Mapping[str, Any], skip: bool, *, skip_invalid: bool = False) -> None:
    body = {"skip_duplicates": skip}
    if skip_invalid:  # the rows with errors stay out; without it the server answers 409
        body["skip_invalid"] = True
    try:
        started = api.get_client().post(_job_path(job, "/commit"), json=body)
    except ApiError as error:
        show_error(error)
        return
    _keep(started)
    if started["status"] == "done":
        data.changed()
    st.rerun()


# --- running, done, undone ------------------------------------------------------------------------


@st.fragment(run_every=POLL_SECONDS)
def _progress() -> None:
    """The progress bar: this part alone runs again every POLL_SECONDS until the job ends."""
    entry = _entry()
    if entry is None:
        return
    job = entry["job"]
    try:
        job = api.get_client().get(_job_path(job))
    except ApiError as error:
        show_error(error)
        return
    processed, total = int(job.get("processed") or 0), int(job.get("total") or 0)
    name = job.get("filename") or "the file"
    text = (
        f"Undoing the import of {name}: {processed:,} of {total:,} transactions removed"
        if job["status"] == "undoing"
        else f"Importing {name}: {processed:,} of {total:,} rows"
    )
    st.progress(min(1.0, processed / total) if total else 0.0, text=text)
    if job["status"] != entry["job"]["status"] or job.get("stale"):
        _keep(job)
        if job["status"] in ("done", "undone"):
            data.changed()
        st.rerun(scope="app")
    _keep(job)
    st.caption("You can go on using the dashboard; the work runs on the server.")


def _stale(job: Mapping[str, Any]) -> None:
    if job["status"] == "undoing":
        st.warning(
            f"Undoing the import of {literal(job.get('filename') or 'the file')} has made no "
            "progress for a while: the server's worker may have stopped. What it removed so "
            "far is gone; trying again removes the rest.",
            icon=":material/hourglass_disabled:",
        )
        if st.button("Try again", type="primary", key="imp_undo_retry"):
            _undo(job)
        return
    st.warning(
        f"The import of {literal(job.get('filename') or 'the file')} has made no progress for a "
        "while: the server's worker may have stopped. Nothing of it has been written yet.",
        icon=":material/hourglass_disabled:",
    )
    buttons = st.container(horizontal=True)
    if buttons.button("Try again", type="primary", key="imp_retry"):
        _commit(job, bool(job.get("skip_duplicates")))
    if buttons.button("Discard", key="imp_discard_stale"):
        try:
            api.get_client().delete(_job_path(job))
        except ApiError as error:
            show_error(error)
            return
        _start_over()


def _done(job: Mapping[str, Any]) -> None:
    created = int(job.get("created") or 0)
    message = (
        f"Imported {created:,} transaction{'s' if created != 1 else ''} from "
        f"{literal(job.get('filename') or 'the file')}."
    )
    skipped = int(job.get("valid_rows") or 0) - created
    if job.get("skip_duplicates") and skipped > 0:
        message += f" Skipped {skipped:,} possible duplicate{'s' if skipped != 1 else ''}."
    st.success(message, icon=":material/check_circle:")
    buttons = st.container(horizontal=True)
    if buttons.button("Undo import", icon=":material/undo:", key="imp_undo"):
        _undo(job)
    if buttons.button("Import another file", key="imp_again"):
        _start_over()


def _undo(job: Mapping[str, Any]) -> None:
    """A small import is undone at once (204); a large one answers the job, `undoing`,
    whose progress the page then follows (202)."""
    created = int(job.get("created") or 0)
    try:
        with st.spinner(f"Removing the {created:,} imported transactions…"):
            answer = api.get_client().delete(_job_path(job), slow=True)
    except ApiError as error:
        show_error(error)
        return
    _keep(answer if isinstance(answer, dict) else {**job, "status": "undone"})
    data.changed()
    st.rerun()


def _finished(job: Mapping[str, Any]) -> None:
    name = literal(job.get("filename") or "the file")
    if job["status"] == "undone":
        created = int(job.get("created") or 0)
        st.success(
            f"Undid the import of {name}: its {created:,} transaction"
            f"{'s are' if created != 1 else ' is'} gone.",
            icon=":material/undo:",
        )
    else:
        st.error(
            f"The import of {name} failed; nothing of it was written. "
            f"{job.get('detail') or ''}".strip(),
            icon=":material/error:",
        )
        if job.get("errors"):
            st.dataframe(tables.import_error_table(job["errors"]), hide_index=True)
            st.caption(ROW_HELP)
    if st.button("Import another file", key="imp_again"):
        _start_over()
