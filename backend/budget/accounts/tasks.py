"""Django-Q2 tasks: they only load ids and call services."""

from budget.accounts import mailed_tokens


def password_reset_mail(email: str) -> None:
    mailed_tokens.password_reset_mail_send(email=email)


def email_verification_mail(user_id: str) -> None:
    mailed_tokens.email_verification_mail_send(user_id=user_id)
