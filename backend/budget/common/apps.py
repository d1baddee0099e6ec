from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CommonConfig(AppConfig):
    name = "budget.common"
    label = "common"

    def ready(self) -> None:
        from budget.common.schedules import schedules_apply_after_migrate

        # Every migrate (and the flush between transactional tests) applies the schedules.
        # post_migrate goes only to apps with models: django_q's turn is the one to use.
        post_migrate.connect(
            schedules_apply_after_migrate,
            sender=apps.get_app_config("django_q"),
            dispatch_uid="common.schedules",
        )
