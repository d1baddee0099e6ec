from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "budget.ledgers"
    label = "ledgers"

    def ready(self) -> None:
        from budget.accounts.signals import user_deleting, user_registered
        from budget.ledgers import receivers

        user_registered.connect(receivers.first_ledger_create, dispatch_uid="ledgers.first")
        user_deleting.connect(receivers.leaving_user_ledgers_release, dispatch_uid="ledgers.leave")
