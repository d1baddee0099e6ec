"""Django-Q2 tasks: they only load ids and call services."""

from budget.accounts import mailed_tokens


def password_reset_mail(email: str) -> None:
    mailed_tokens.password_reset_mail_send(email=email)
