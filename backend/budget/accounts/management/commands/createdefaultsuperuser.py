from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from budget.accounts import services
from budget.accounts.models import User
from budget.common.errors import Invalid

LOCAL_DEFAULT_EMAIL = "admin@example.com"
LOCAL_DEFAULT_PASSWORD = "budget-admin"


class Command(BaseCommand):
    help = (
        "Creates a superuser from DJANGO_SUPERUSER_EMAIL and DJANGO_SUPERUSER_PASSWORD "
        "(local defaults: admin@example.com / budget-admin; refused in production). "
        "Does nothing when the user exists."
    )

    def handle(self, *args, **options) -> None:
        production = settings.IS_PRODUCTION
        email = settings.DJANGO_SUPERUSER_EMAIL
        password = settings.DJANGO_SUPERUSER_PASSWORD
        if production and (not email or password in settings.DEFAULT_SUPERUSER_PASSWORDS):
            raise CommandError(
                "In production set DJANGO_SUPERUSER_EMAIL and a strong, non-default "
                "DJANGO_SUPERUSER_PASSWORD."
            )
        email = User.objects.normalize_email(email or LOCAL_DEFAULT_EMAIL)
        password = password or LOCAL_DEFAULT_PASSWORD
        if User.objects.filter(email__iexact=email).exists():
            self.stdout.write(f"Superuser {email} already exists.")
            return
        full_name = "Administrator"
        try:
            services.password_validate(
                password=password,
                user=User(email=email, full_name=full_name),
                field="DJANGO_SUPERUSER_PASSWORD",
            )
        except Invalid as error:
            raise CommandError(f"DJANGO_SUPERUSER_PASSWORD is too weak: {error}") from error
        User.objects.create_superuser(email=email, password=password, full_name=full_name)
        self.stdout.write(self.style.SUCCESS(f"Created superuser {email}."))
