"""Password rules beyond Django's own (listed in AUTH_PASSWORD_VALIDATORS)."""

from django.core.exceptions import ValidationError


class NotBlankPasswordValidator:
    """Refuses a password of whitespace only: it passes the length rule, yet a form that
    strips its input (or a person retyping it) turns it into nothing."""

    def validate(self, password: str, user=None) -> None:
        if not password.strip():
            raise ValidationError(
                "This password is only spaces. Use letters, digits or symbols.",
                code="password_blank",
            )

    def get_help_text(self) -> str:
        return "Your password cannot be only spaces."
