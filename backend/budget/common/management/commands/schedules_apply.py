from typing import Any

from django.core.management.base import BaseCommand

from budget.common.schedules import schedules_apply


class Command(BaseCommand):
    help = (
        "Creates or updates every Django-Q2 schedule declared in budget/common/schedules.py "
        "(idempotent; migrate does the same)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in schedules_apply():
            self.stdout.write(f"Schedule '{name}' applied.")
