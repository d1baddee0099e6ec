from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "budget.exchange"
    label = "exchange"
    verbose_name = "Exports, restores and backups"
