"""The CSV import job (SPEC §9): a file checked row by row, then committed by a worker.

Checked rows wait in the database (`ImportRow`), not on the web process's disk: the worker
that commits them may run in another container. Once an import is done its rows are
deleted; the transactions it created point back to the job (`Transaction.import_job`), so
it can be undone.
"""

import uuid

from django.conf import settings
from django.db import models

from budget.common.money import MoneyField
from budget.ledgers.models import Ledger
from budget.money.models import Kind, Named, Wallet

LIST_LIMIT = 1000  # errors and duplicates kept (and answered) per job; the counts are exact


class ImportStatus(models.TextChoices):
    VALIDATED = "validated"  # at least one row is valid; waiting for a commit
    INVALID = "invalid"  # no row is valid; cannot be committed
    RUNNING = "running"  # committed; a worker is inserting the rows
    DONE = "done"
    FAILED = "failed"
    UNDOING = "undoing"  # was done; a worker is removing its transactions
    UNDONE = "undone"  # was done; its transactions were removed


class ImportJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=255, blank=True, default="")
    options = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ImportStatus.choices)
    total_rows = models.IntegerField(default=0)
    valid_rows = models.IntegerField(default=0)
    error_count = models.IntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # the first LIST_LIMIT
    duplicate_count = models.IntegerField(default=0)
    duplicates = models.JSONField(default=list, blank=True)  # the first LIST_LIMIT
    preview = models.JSONField(default=list, blank=True)
    # What the check found the file to be: format, encoding, delimiter, header line, date
    # format and decimal separator (SPEC §11).
    detected = models.JSONField(default=dict, blank=True)
    skip_duplicates = models.BooleanField(default=False)
    total = models.IntegerField(default=0)  # rows a commit inserts
    created_count = models.IntegerField(default=0)
    # Each commit gets a new run id; a task whose run id is no longer the job's does nothing.
    run_id = models.UUIDField(null=True, blank=True)
    attempts = models.IntegerField(default=0)
    detail = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["ledger", "-created_at"], name="exchange_import_ledger_created")
        ]

    def __str__(self) -> str:
        return f"import {self.filename or self.pk} ({self.status})"


class ImportRow(models.Model):
    """One checked row of a file, ready for `transactions_create`.

    Date, kind, amount, wallet, description and the bank's id are columns so that possible
    duplicates are found in SQL (`budget.exchange.duplicates`); the other fields are in `data`."""

    id = models.BigAutoField(primary_key=True)
    # Neither reference has a foreign-key constraint in the database (issue 21: checking
    # both for each of 100 000 rows took about 1.2 s of the check's commit). The rows are
    # written only by the check, in the database transaction that creates their job (whose
    # own ledger key stays: a ledger deleted meanwhile fails the whole check), and leave
    # with their job or ledger through the ORM, whose CASCADE is Django's, never the
    # database's (test_import_row_references). A staging table: the commit removes them.
    # No index on job of its own: the unique (job, line) leads with it and serves every
    # lookup by job; one index fewer to fill for each of 100 000 rows a check COPYs.
    job = models.ForeignKey(
        ImportJob,
        on_delete=models.CASCADE,
        related_name="rows",
        db_index=False,
        db_constraint=False,
    )
    # The job's ledger, written with each row (issue 21: every finance table carries
    # ledger_id), so a ledger's rows are found and removed without the job.
    ledger = models.ForeignKey(
        Ledger, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    line = models.IntegerField()  # in the file; the header is line 1
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = MoneyField()
    wallet_id = models.UUIDField(null=True, blank=True)  # wallet, or a transfer's from_wallet
    description = models.CharField(max_length=255, blank=True, default="")
    external_id = models.CharField(max_length=255, blank=True, default="")  # the bank's id
    duplicate_of = models.UUIDField(null=True, blank=True)  # an existing transaction's id
    data = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "line"], name="exchange_import_row_line")
        ]

    def __str__(self) -> str:
        return f"line {self.line} of {self.job_id}"


class ImportProfile(Named):
    """Saved options of an import (SPEC §11): a bank's mapping, date format, delimiter…,
    named once and picked at each upload. With a `wallet` it is that wallet's default,
    which the dashboard preselects: one per wallet."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="import_profiles")
    # The options as ImportOptionsIn reads them (only those given), the mapping as an object.
    options = models.JSONField(default=dict, blank=True)
    wallet = models.ForeignKey(
        Wallet, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "name_key"], name="exchange_import_profile_name_unique"
            ),
            models.UniqueConstraint(
                fields=["wallet"],
                condition=models.Q(wallet__isnull=False),
                name="exchange_import_profile_one_per_wallet",
            ),
        ]

    def __str__(self) -> str:
        return self.name
