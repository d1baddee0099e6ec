from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "budget.activity"
    label = "activity"

    def ready(self) -> None:
        from budget.activity.receivers import entry_store
        from budget.common.activity import recorded

        recorded.connect(entry_store, dispatch_uid="activity.entry_store")
