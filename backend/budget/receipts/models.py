"""Receipts (SPEC §17): files attached to transactions, and scans of a receipt that a
worker reads with OCR into a suggested transaction.

The files live in Django's storage (`default_storage`: the local media folder, or an
S3-compatible bucket); a row keeps the storage name, the name the user gave and the content
type decided from the file's bytes."""

import uuid

from django.conf import settings
from django.db import models

from budget.ledgers.models import Ledger
from budget.money.models import Transaction


class ContentType(models.TextChoices):
    JPEG = "image/jpeg"
    PNG = "image/png"
    WEBP = "image/webp"
    HEIC = "image/heic"
    PDF = "application/pdf"


class Attachment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40, choices=ContentType.choices)
    size = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["transaction", "created_at"], name="receipts_att_tx")]

    def __str__(self) -> str:
        return self.filename


class ReceiptStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Receipt(models.Model):
    """A scanned receipt waiting to become a transaction (accepted: it becomes the new
    transaction's attachment and this row goes) or to be discarded."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file = models.FileField(max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40, choices=ContentType.choices)
    size = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=ReceiptStatus.choices, default=ReceiptStatus.QUEUED
    )
    text = models.TextField(blank=True, default="")
    suggestion = models.JSONField(null=True, blank=True)
    detail = models.TextField(blank=True, default="")  # why it failed
    # Set while the file is handed over to an attachment: its delete keeps the file.
    keep_file = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["ledger", "-created_at"], name="receipts_receipt_ledger")]

    def __str__(self) -> str:
        return f"receipt {self.filename} ({self.status})"
