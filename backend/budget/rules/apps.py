from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "budget.rules"
    label = "rules"

    def ready(self) -> None:
        from budget.money.signals import payee_deleting, payee_merged, transactions_preparing
        from budget.rules import receivers

        transactions_preparing.connect(receivers.rules_run, dispatch_uid="rules.run")
        payee_merged.connect(receivers.payee_references_move, dispatch_uid="rules.payee_merged")
        payee_deleting.connect(receivers.payee_in_use_check, dispatch_uid="rules.payee_deleting")
