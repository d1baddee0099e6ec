from django.apps import AppConfig


class IdempotencyConfig(AppConfig):
    name = "budget.idempotency"
    label = "idempotency"

    def ready(self) -> None:
        from budget.common.openapi import header_parameter_register, idempotent
        from budget.idempotency.middleware import OPENAPI_PARAMETER

        # The schema declares the header on exactly the operations the middleware serves.
        header_parameter_register(OPENAPI_PARAMETER, applies=idempotent)
