from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "budget.money"
    label = "money"

    def ready(self) -> None:
        from budget.ledgers.signals import ledger_created
        from budget.money.receivers import ledger_defaults

        ledger_created.connect(ledger_defaults, dispatch_uid="money.ledger_defaults")
