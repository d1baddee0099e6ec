from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "budget.notifications"
    label = "notifications"
