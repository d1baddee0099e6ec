"""Receipts on the Transactions page: files of the selected transaction, and scanning."""

import io
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

from dashboard import receipts as logic
from dashboard.forms import FormErrors
from dashboard.views import receipts, transactions
from tests.fake_ledger import LP, FakeLedgerClient, app_on, served, texts


@pytest.fixture
def fake() -> Iterator[FakeLedgerClient]:
    with served() as client:
        yield client


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def _select_row(at: AppTest, row: int) -> AppTest:
    _view, generation = at.session_state[transactions.VIEW_KEY]
    at.session_state[transactions.table_key(generation)] = {
        "selection": {"rows": [row], "columns": [], "cells": []}
    }
    return at.run()


def _attached(fake: FakeLedgerClient) -> str:
    path = f"{LP}/transactions/tx-1/attachments"
    fake.attachments["tx-1"] = [
        {
            "id": "a-1",
            "filename": "shop.png",
            "content_type": "image/png",
            "size": 2048,
            "created_at": "2025-03-01T10:00:00Z",
        },
        {
            "id": "a-2",
            "filename": "invoice.pdf",
            "content_type": "application/pdf",
            "size": 3 * 1024 * 1024,
            "created_at": "2025-03-01T10:00:00Z",
        },
    ]
    fake.files[f"{path}/a-1"] = _png()
    fake.files[f"{path}/a-2"] = b"%PDF-1.4"
    return path


def _receipt(status: str = "done", **suggestion: Any) -> dict[str, Any]:
    return {
        "id": "r-1",
        "status": status,
        "filename": "receipt.jpg",
        "content_type": "image/jpeg",
        "size": 1000,
        "text": "CORNER GROCERY\nTOTAL 12.40",
        "detail": "" if status != "failed" else "Tesseract is not installed on the server.",
        "created_at": "2025-03-01T10:00:00Z",
        "suggestion": None
        if status != "done"
        else {
            "kind": "expense",
            "date": "2025-03-04",
            "amount": "12.40",
            "currency": "EUR",
            "payee_name": "Corner Grocery",
            "description": "Corner Grocery",
            "category": "c-groceries",
            "wallet": "w-cash",
            "confidence": {"date": 0.9, "amount": 0.9, "payee": 0.3},
            **suggestion,
        },
    }


def test_the_selected_transaction_lists_its_files_with_an_image_preview(
    fake: FakeLedgerClient,
) -> None:
    path = _attached(fake)
    at = _select_row(app_on("transactions").run(), 0)

    assert not at.exception
    assert "shop.png · 2 KB" in texts(at)
    assert "invoice.pdf · 3.0 MB" in texts(at)
    assert len(at.get("image")) == 1  # the image only; the PDF is fetched on request
    assert [c.path for c in fake.calls if c.path.startswith(f"{path}/")] == [f"{path}/a-1"]
    assert at.button(key="rc_fetch_a-2") is not None


def test_deleting_a_file_asks_first(fake: FakeLedgerClient) -> None:
    path = _attached(fake)
    at = _select_row(app_on("transactions").run(), 0)
    at.button(key="rc_file_a-1_delete").click().run()
    assert fake.writes() == []
    at.button(key="rc_file_a-1_delete_confirm").click().run()

    assert not at.exception
    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", f"{path}/a-1")


def test_a_viewer_sees_the_files_but_cannot_change_them(fake: FakeLedgerClient) -> None:
    _attached(fake)
    at = _select_row(app_on("transactions", role="viewer").run(), 0)

    assert not at.exception
    assert "shop.png · 2 KB" in texts(at)
    assert not [b for b in at.button if b.key and b.key.startswith("rc_file_")]
    assert not at.get("file_uploader")


def test_a_scanned_receipt_becomes_a_prefilled_form_to_confirm(fake: FakeLedgerClient) -> None:
    fake.receipts["r-1"] = _receipt()
    at = app_on("transactions")
    at.session_state[receipts.SCAN_KEY] = "r-1"
    at.run()

    prefix = "rc_form_r-1"
    assert at.text_input(key=f"{prefix}_amount").value == "12.40"
    assert at.text_input(key=f"{prefix}_payee_name").value == "Corner Grocery"
    assert at.date_input(key=f"{prefix}_date").value == date(2025, 3, 4)
    assert at.selectbox(key=f"{prefix}_wallet").value == "w-cash"
    assert at.selectbox(key=f"{prefix}_category").value == "c-groceries"
    assert "the scan was unsure: payee" in texts(at)
    at.text_input(key=f"{prefix}_amount").input("12.45")
    at.button(key=f"FormSubmitter:{prefix}-Create the expense").click().run()

    assert not at.exception
    [accept] = fake.writes()
    assert (accept.method, accept.path) == ("POST", f"{LP}/receipts/r-1/accept")
    assert accept.json["overrides"] == {
        "kind": "expense",
        "date": "2025-03-04",
        "amount": "12.45",
        "wallet": "w-cash",
        "category": "c-groceries",
        "payee_name": "Corner Grocery",
        "description": "Corner Grocery",
    }
    assert "with the receipt attached" in at.success[0].value
    assert receipts.SCAN_KEY not in at.session_state


def test_a_receipt_being_read_says_so(fake: FakeLedgerClient) -> None:
    fake.receipts["r-1"] = _receipt("running")
    at = app_on("transactions")
    at.session_state[receipts.SCAN_KEY] = "r-1"
    at.run()

    assert "Reading the receipt" in texts(at)
    assert at.button(key="rc_refresh") is not None


def test_a_failed_scan_leaves_the_form_empty_with_the_reason(fake: FakeLedgerClient) -> None:
    fake.receipts["r-1"] = _receipt("failed")
    at = app_on("transactions")
    at.session_state[receipts.SCAN_KEY] = "r-1"
    at.run()

    assert "Tesseract is not installed" in texts(at)
    assert at.text_input(key="rc_form_r-1_amount").value == ""


def test_discarding_a_receipt_deletes_it(fake: FakeLedgerClient) -> None:
    fake.receipts["r-1"] = _receipt()
    at = app_on("transactions")
    at.session_state[receipts.SCAN_KEY] = "r-1"
    at.run()
    at.button(key="rc_discard").click().run()

    [delete] = fake.writes()
    assert (delete.method, delete.path) == ("DELETE", f"{LP}/receipts/r-1")
    assert receipts.SCAN_KEY not in at.session_state


def test_the_phones_camera_can_take_the_receipt(fake: FakeLedgerClient) -> None:
    at = app_on("transactions").run()
    assert at.radio(key="rc_source").value == "File"
    at.radio(key="rc_source").set_value("Camera").run()
    assert not at.exception
    assert at.get("camera_input")


def test_form_defaults_and_overrides() -> None:
    receipt = _receipt()
    defaults = logic.form_defaults(receipt, date(2025, 1, 1))
    assert defaults["date"] == date(2025, 3, 4)
    assert logic.form_defaults(_receipt("failed"), date(2025, 1, 1))["date"] == date(2025, 1, 1)
    values = {**defaults, "payee_name": "  ", "category": None}
    assert logic.accept_overrides(values) == {
        "kind": "expense",
        "date": "2025-03-04",
        "amount": "12.40",
        "wallet": "w-cash",
        "description": "Corner Grocery",
    }
    with pytest.raises(FormErrors):
        logic.accept_overrides({**values, "amount": "twelve"})


def test_user_text_is_never_markdown(fake: FakeLedgerClient) -> None:
    fake.receipts["r-1"] = _receipt("failed")
    fake.receipts["r-1"]["detail"] = "**bold** [link](http://x)"
    at = app_on("transactions")
    at.session_state[receipts.SCAN_KEY] = "r-1"
    at.run()
    assert "\\*\\*bold\\*\\*" in texts(at)
