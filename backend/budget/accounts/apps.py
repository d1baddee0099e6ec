from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "budget.accounts"
    label = "accounts"
