from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "budget.webhooks"
    label = "webhooks"

    def ready(self) -> None:
        from budget.exchange.signals import import_finished
        from budget.money.signals import transactions_deleted, transactions_written
        from budget.planning.signals import budget_alerted
        from budget.webhooks import receivers

        transactions_written.connect(receivers.transactions_written, dispatch_uid="webhooks.tx")
        transactions_deleted.connect(receivers.transactions_deleted, dispatch_uid="webhooks.del")
        import_finished.connect(receivers.import_finished, dispatch_uid="webhooks.import")
        budget_alerted.connect(receivers.budget_alerted, dispatch_uid="webhooks.alert")
