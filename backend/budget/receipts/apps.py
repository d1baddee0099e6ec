from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "budget.receipts"
    label = "receipts"

    def ready(self) -> None:
        from django.db.models.signals import post_delete
        from pillow_heif import register_heif_opener

        register_heif_opener()  # phones' HEIC photos read by Pillow (SPEC §17)

        from budget.money.signals import transactions_deleting
        from budget.receipts import receivers
        from budget.receipts.models import Attachment, Receipt

        # Files go with their rows (a transaction, a ledger, a discarded receipt), once the
        # delete is committed: a rolled-back delete keeps them.
        post_delete.connect(receivers.file_delete, sender=Attachment, dispatch_uid="receipts.att")
        post_delete.connect(receivers.file_delete, sender=Receipt, dispatch_uid="receipts.rec")
        transactions_deleting.connect(
            receivers.attachments_delete, dispatch_uid="receipts.transactions_deleting"
        )
