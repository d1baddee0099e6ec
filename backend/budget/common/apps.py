from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "budget.common"
    label = "common"
