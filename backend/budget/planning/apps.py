from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "budget.planning"
    label = "planning"

    def ready(self) -> None:
        from budget.money.signals import transactions_written
        from budget.planning.receivers import budget_check_enqueue

        transactions_written.connect(budget_check_enqueue, dispatch_uid="planning.budget_check")
