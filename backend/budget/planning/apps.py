from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "budget.planning"
    label = "planning"
