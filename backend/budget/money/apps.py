from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "budget.money"
    label = "money"
