from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "budget.idempotency"
    label = "idempotency"
