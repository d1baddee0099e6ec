from django.apps import AppConfig


class RatesConfig(AppConfig):
    name = "budget.rates"
    label = "rates"
