import io

import pytest
from django.db.models import Q
from PIL import Image
from tests.helpers import assert_error

from budget.ledgers import services as ledger_services
from budget.money import services as money_services
from budget.money.tests.helpers import expense, member_api, tx_path
from budget.receipts.models import Attachment
from budget.receipts.tests.helpers import (
    attachments_path,
    huge_png,
    image_bytes,
    jpeg_with_gps,
    pdf_bytes,
    upload,
    zip_named_png,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def tx(owner_api, household):
    response = owner_api.post(tx_path(household.ledger), expense(household))
    assert response.status_code == 201, response.content
    return response.json()


def _files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def test_attachment_is_stored_without_its_exif_and_streamed_as_a_download(owner_api, household, tx):
    path = attachments_path(household.ledger, tx["id"])
    response = upload(owner_api, path, jpeg_with_gps(), name="../../shop photo.png")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "image/jpeg"  # by content, not by the name
    assert body["filename"] == "shop photo.jpg"
    download = owner_api.get(attachments_path(household.ledger, tx["id"], body["id"]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Disposition"].startswith("attachment;")
    content = b"".join(download.streaming_content)
    assert len(content) == body["size"]
    stored = Image.open(io.BytesIO(content))
    assert not stored.getexif()  # no camera, no GPS
    assert b"SpyCam" not in content


@pytest.mark.parametrize(
    "content",
    [image_bytes("PNG"), image_bytes("WEBP"), pdf_bytes(2)],
    ids=["png", "webp", "pdf"],
)
def test_png_webp_and_pdf_are_taken(owner_api, household, tx, content):
    response = upload(owner_api, attachments_path(household.ledger, tx["id"]), content)
    assert response.status_code == 201, response.content


def test_a_phone_s_heic_photo_is_taken_and_kept_readable_by_every_browser(owner_api, household, tx):
    response = upload(owner_api, attachments_path(household.ledger, tx["id"]), image_bytes("HEIF"))
    assert response.status_code == 201, response.content
    download = owner_api.get(attachments_path(household.ledger, tx["id"], response.json()["id"]))
    stored = Image.open(io.BytesIO(b"".join(download.streaming_content)))
    assert stored.format == "JPEG"
    assert stored.size == Image.open(io.BytesIO(image_bytes("HEIF"))).size


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (zip_named_png(), "unsupported_file"),
        (b"<svg onload=alert(1)></svg>", "unsupported_file"),
        (b"\x89PNG\r\n\x1a\n" + b"broken", "unreadable_file"),
        (huge_png(), "image_too_large"),
        (b"%PDF-1.4 not really", "unreadable_file"),
        (b"\x00\x00\x00\x18ftypheic" + b"\x00" * 64, "unreadable_file"),
    ],
    ids=["zip-named-png", "svg", "truncated-png", "20000x20000-png", "fake-pdf", "heic"],
)
def test_hostile_uploads_get_a_clear_422_and_store_nothing(
    owner_api, household, tx, media, content, code
):
    response = upload(owner_api, attachments_path(household.ledger, tx["id"]), content)
    assert_error(response, 422, code, field="file")
    assert not Attachment.objects.exists()
    assert _files(media) == []


def test_a_file_over_the_size_limit_is_a_413(owner_api, household, tx, settings, media):
    settings.ATTACHMENT_MAX_BYTES = 1000
    content = image_bytes("PNG", size=(400, 400), compress_level=0)
    response = upload(owner_api, attachments_path(household.ledger, tx["id"]), content)
    assert_error(response, 413, "payload_too_large")
    assert _files(media) == []


def test_members_read_editors_write(api, owner_api, household, tx, bob):
    path = attachments_path(household.ledger, tx["id"])
    attachment = upload(owner_api, path, image_bytes()).json()
    viewer = member_api(api, household.ledger, bob, "viewer")
    assert viewer.get(path).json()["count"] == 1
    one = attachments_path(household.ledger, tx["id"], attachment["id"])
    assert viewer.get(one).status_code == 200
    assert_error(upload(viewer, path, image_bytes()), 403)
    assert_error(viewer.delete(one), 403)


def test_strangers_learn_nothing(api, owner_api, household, tx, stranger):
    path = attachments_path(household.ledger, tx["id"])
    attachment = upload(owner_api, path, image_bytes()).json()
    other = api.as_user(stranger)
    assert_error(other.get(path), 404)
    assert_error(other.get(attachments_path(household.ledger, tx["id"], attachment["id"])), 404)
    assert_error(upload(other, path, image_bytes()), 404)
    # Their own ledger with our ids in the path: 404 too.
    theirs = stranger.default_ledger
    assert_error(other.get(attachments_path(theirs, tx["id"], attachment["id"])), 404)


def test_list_costs_a_fixed_number_of_queries(
    owner_api, household, tx, django_assert_max_num_queries
):
    path = attachments_path(household.ledger, tx["id"])
    for _ in range(5):
        upload(owner_api, path, image_bytes())
    with django_assert_max_num_queries(6):
        body = owner_api.get(path).json()
    assert body["count"] == 5
    assert {item["content_type"] for item in body["items"]} == {"image/png"}


def test_delete_removes_the_row_and_the_file_on_commit(
    owner_api, household, tx, media, django_capture_on_commit_callbacks
):
    path = attachments_path(household.ledger, tx["id"])
    attachment = upload(owner_api, path, image_bytes()).json()
    assert len(_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.delete(attachments_path(household.ledger, tx["id"], attachment["id"]))
    assert response.status_code == 204
    assert _files(media) == []
    assert owner_api.get(path).json()["count"] == 0


def test_deleting_the_transaction_deletes_its_files(
    owner_api, household, tx, media, django_capture_on_commit_callbacks
):
    upload(owner_api, attachments_path(household.ledger, tx["id"]), image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_api.delete(tx_path(household.ledger, tx["id"])).status_code == 204
    assert not Attachment.objects.exists()
    assert _files(media) == []


def test_deleting_many_transactions_at_once_deletes_their_files(
    owner_api, household, tx, media, django_capture_on_commit_callbacks
):
    """The path of undoing an import: one statement for all the transactions."""
    upload(owner_api, attachments_path(household.ledger, tx["id"]), image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        assert money_services.transactions_delete(ledger=household.ledger, filters=Q()) == 1
    assert not Attachment.objects.exists()
    assert _files(media) == []


def test_deleting_the_ledger_deletes_its_files(
    owner_api, household, tx, media, django_capture_on_commit_callbacks
):
    upload(owner_api, attachments_path(household.ledger, tx["id"]), image_bytes())
    with django_capture_on_commit_callbacks(execute=True):
        ledger_services.ledger_delete(ledger=household.ledger)
    assert not Attachment.objects.exists()
    assert _files(media) == []


def test_an_attachment_is_in_the_activity_log(owner_api, household, tx):
    upload(owner_api, attachments_path(household.ledger, tx["id"]), image_bytes())
    entries = owner_api.get(f"/ledgers/{household.ledger.pk}/activity").json()["items"]
    assert entries[0]["object_type"] == "attachment"
    assert entries[0]["action"] == "create"
