from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data (`seed`, `clear`, `demo_user`). It depends on every other app and no app
    depends on it, so leaving it out of INSTALLED_APPS removes only the demo commands."""

    name = "budget.demo"
    label = "demo"
