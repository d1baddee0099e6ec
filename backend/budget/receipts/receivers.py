"""receipts' answers to deletes (connected in `ReceiptsConfig.ready()`)."""

import logging
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction

from budget.receipts.models import Attachment, Receipt

logger = logging.getLogger(__name__)


def _storage_delete(name: str) -> None:
    """After the commit: a storage that fails leaves a stray file, never a failed request."""
    if not name:
        return
    try:
        default_storage.delete(name)
    except Exception:  # each storage raises its own errors (OSError, botocore's…)
        logger.warning("Could not delete the stored file %s.", name, exc_info=True)


def file_delete(*, instance: Attachment | Receipt, **_: Any) -> None:
    """The stored file goes once the row's delete is committed."""
    if isinstance(instance, Receipt) and instance.keep_file:
        return
    name = instance.file.name
    transaction.on_commit(lambda: _storage_delete(name))


def attachments_delete(*, rows, **_: Any) -> type[Attachment]:
    """Before money deletes many transactions in one statement (undoing an import): their
    attachments go first (each file once the delete commits)."""
    attached = Attachment.objects.filter(transaction__in=rows.values("pk"))
    names = list(attached.values_list("file", flat=True))
    if names:
        attached._raw_delete(attached.db)
        transaction.on_commit(lambda: [_storage_delete(name) for name in names])
    return Attachment
