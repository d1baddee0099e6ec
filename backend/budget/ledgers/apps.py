from django.apps import AppConfig


class LedgersConfig(AppConfig):
    name = "budget.ledgers"
    label = "ledgers"
