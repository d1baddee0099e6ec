from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "budget.money"
    label = "money"

    def ready(self) -> None:
        from budget.ledgers.signals import ledger_created, ledger_currency_changing
        from budget.money.receivers import ledger_currency_relabel, ledger_defaults

        ledger_created.connect(ledger_defaults, dispatch_uid="money.ledger_defaults")
        ledger_currency_changing.connect(
            ledger_currency_relabel, dispatch_uid="money.ledger_currency_relabel"
        )
