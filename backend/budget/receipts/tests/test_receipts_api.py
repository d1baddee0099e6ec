import datetime as dt
import shutil

import pytest
from tests.helpers import assert_error

from budget.money.tests.helpers import member_api
from budget.receipts.models import Attachment, Receipt
from budget.receipts.tests.helpers import (
    attachments_path,
    image_bytes,
    pdf_bytes,
    receipt_draw,
    receipts_path,
    upload,
    zip_named_png,
)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr"),
]


@pytest.fixture
def scan(owner_api, django_capture_on_commit_callbacks):
    """Uploads a receipt and runs its scan task (as the worker would after the commit);
    the receipt's JSON afterwards."""

    def run(ledger, content: bytes, api=None) -> dict:
        api = api or owner_api
        with django_capture_on_commit_callbacks(execute=True):
            response = upload(api, receipts_path(ledger), content)
        assert response.status_code == 202, response.content
        assert response.json()["status"] == "queued"
        return api.get(receipts_path(ledger, response.json()["id"])).json()

    return run


def test_a_scanned_receipt_suggests_total_date_and_payee(scan, household):
    drawn = receipt_draw(3)
    receipt = scan(household.ledger, drawn.png)
    assert receipt["status"] == "done", receipt
    suggestion = receipt["suggestion"]
    assert suggestion["kind"] == "expense"
    assert suggestion["amount"] == f"{drawn.total:.2f}"
    assert suggestion["date"] == drawn.date.isoformat()
    assert suggestion["currency"] == "EUR"
    assert suggestion["payee_name"]
    assert set(suggestion["confidence"]) == {"date", "amount", "payee"}
    assert receipt["text"]


def test_the_category_comes_from_the_rules(scan, owner_api, household):
    drawn = receipt_draw(3)
    rule = {
        "name": "Shops",
        "conditions": [{"field": "payee_name", "op": "matches", "value": "."}],
        "actions": [{"field": "category", "value": str(household.groceries.pk)}],
    }
    assert owner_api.post(f"/ledgers/{household.ledger.pk}/rules", rule).status_code == 201
    receipt = scan(household.ledger, drawn.png)
    assert receipt["suggestion"]["category"] == str(household.groceries.pk)


def test_the_category_and_wallet_come_from_the_payees_history(scan, owner_api, household):
    drawn = receipt_draw(3)
    first = scan(household.ledger, drawn.png)
    name = first["suggestion"]["payee_name"]
    response = owner_api.post(
        f"/ledgers/{household.ledger.pk}/transactions",
        {
            "kind": "expense",
            "date": "2025-01-05",
            "amount": "3.00",
            "payee_name": name,
            "wallet": str(household.cash.pk),
            "category": str(household.groceries.pk),
        },
    )
    assert response.status_code == 201
    suggestion = scan(household.ledger, drawn.png)["suggestion"]
    assert suggestion["category"] == str(household.groceries.pk)
    assert suggestion["wallet"] == str(household.cash.pk)


def test_accepting_creates_the_transaction_with_the_receipt_attached(
    scan, owner_api, household, media
):
    drawn = receipt_draw(5)
    receipt = scan(household.ledger, drawn.png)
    response = owner_api.post(
        receipts_path(household.ledger, receipt["id"], "accept"),
        {
            "overrides": {
                "wallet": str(household.bank.pk),
                "category": str(household.groceries.pk),
            }
        },
    )
    assert response.status_code == 201, response.content
    tx = response.json()
    assert tx["amount"] == f"{drawn.total:.2f}"
    assert tx["date"] == drawn.date.isoformat()
    assert tx["payee_name"] == receipt["suggestion"]["payee_name"]
    attached = owner_api.get(attachments_path(household.ledger, tx["id"])).json()
    assert attached["count"] == 1
    assert attached["items"][0]["content_type"] == "image/png"
    assert_error(owner_api.get(receipts_path(household.ledger, receipt["id"])), 404)
    assert len([p for p in media.rglob("*") if p.is_file()]) == 1  # the file moved over


def test_accepting_follows_the_transaction_rules(scan, owner_api, household):
    receipt = scan(household.ledger, receipt_draw(5).png)
    path = receipts_path(household.ledger, receipt["id"], "accept")
    # No wallet: a 422 naming it; nothing is created and the receipt stays.
    assert_error(owner_api.post(path, {}), 422, field="wallet")
    assert_error(
        owner_api.post(path, {"overrides": {"wallet": str(household.bank.pk), "amount": "-1"}}),
        422,
        field="amount",
    )
    assert not Attachment.objects.exists()
    assert Receipt.objects.filter(pk=receipt["id"]).exists()


def test_a_receipt_still_queued_cannot_be_accepted(owner_api, household):
    response = upload(owner_api, receipts_path(household.ledger), image_bytes())  # no on-commit
    path = receipts_path(household.ledger, response.json()["id"], "accept")
    body = {"overrides": {"wallet": str(household.bank.pk), "amount": "1.00"}}
    assert_error(owner_api.post(path, body), 409, "receipt_not_ready")


def test_discarding_deletes_the_receipt_and_its_file(
    scan, owner_api, household, media, django_capture_on_commit_callbacks
):
    receipt = scan(household.ledger, image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.delete(receipts_path(household.ledger, receipt["id"]))
    assert response.status_code == 204
    assert [p for p in media.rglob("*") if p.is_file()] == []


def test_a_blank_picture_is_done_with_an_empty_suggestion(scan, household):
    receipt = scan(household.ledger, image_bytes(size=(300, 200)))
    assert receipt["status"] == "done"
    assert receipt["suggestion"]["amount"] is None
    assert receipt["suggestion"]["date"] is None


@pytest.mark.parametrize(
    ("content", "code"),
    [(zip_named_png(), "unsupported_file"), (pdf_bytes(1000), "too_many_pages")],
    ids=["zip-named-png", "1000-page-pdf"],
)
def test_hostile_receipts_are_refused_before_a_worker_sees_them(
    owner_api, household, content, code
):
    assert_error(upload(owner_api, receipts_path(household.ledger), content), 422, code)
    assert not Receipt.objects.exists()


def test_a_short_pdf_is_rendered_and_read(scan, household):
    receipt = scan(household.ledger, pdf_bytes(2))
    assert receipt["status"] == "done"


def test_a_page_of_extreme_proportions_is_rendered_within_the_pixel_limit(scan, household):
    """1 pt wide and 14 400 pt (5 m) tall: scaled to the usual width it would be 20 million
    pixels tall."""
    receipt = scan(household.ledger, pdf_bytes(1, size=(1, 14_400)))
    assert receipt["status"] in ("done", "failed")


def test_a_scan_that_runs_out_of_time_fails_with_a_reason(scan, household, settings):
    settings.RECEIPT_OCR_TIMEOUT_SECONDS = 0.001
    receipt = scan(household.ledger, receipt_draw(1).png)
    assert receipt["status"] == "failed"
    assert "longer than" in receipt["detail"]


def test_without_tesseract_scanning_answers_503(owner_api, household, settings):
    settings.TESSERACT_CMD = "no-such-tesseract"
    response = upload(owner_api, receipts_path(household.ledger), image_bytes())
    assert_error(response, 503, "ocr_unavailable")


def test_viewers_read_and_strangers_see_nothing(scan, api, household, bob, stranger):
    receipt = scan(household.ledger, image_bytes())
    viewer = member_api(api, household.ledger, bob, "viewer")
    assert viewer.get(receipts_path(household.ledger, receipt["id"])).status_code == 200
    assert_error(upload(viewer, receipts_path(household.ledger), image_bytes()), 403)
    assert_error(viewer.delete(receipts_path(household.ledger, receipt["id"])), 403)
    other = api.as_user(stranger)
    assert_error(other.get(receipts_path(household.ledger, receipt["id"])), 404)
    theirs = stranger.default_ledger
    assert_error(other.get(receipts_path(theirs, receipt["id"])), 404)


def test_receipt_list_costs_a_fixed_number_of_queries(
    scan, owner_api, household, django_assert_max_num_queries
):
    for _ in range(3):
        scan(household.ledger, image_bytes())
    with django_assert_max_num_queries(4):
        body = owner_api.get(receipts_path(household.ledger)).json()
    assert body["count"] == 3


def test_interrupted_scans_fail_and_old_receipts_go(owner_api, household):
    from budget.receipts import services

    queued = upload(owner_api, receipts_path(household.ledger), image_bytes()).json()
    Receipt.objects.filter(pk=queued["id"]).update(
        updated_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    services.receipts_prune(keep_days=30)
    assert Receipt.objects.get(pk=queued["id"]).status == "failed"
    Receipt.objects.filter(pk=queued["id"]).update(
        created_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    )
    assert services.receipts_prune(keep_days=30) == 1
