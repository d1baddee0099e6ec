from django.conf import settings
from django.core.management import call_command, get_commands
from django.core.management.base import BaseCommand, CommandError

from budget.accounts import services
from budget.accounts.models import User


class Command(BaseCommand):
    help = "Creates the demo account on first run (and seeds its ledger) and prints how to sign in."

    def handle(self, *args, **options) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError("The demo account is for local use only; refusing in production.")
        email, password = settings.DEMO_USER_EMAIL, settings.DEMO_USER_PASSWORD
        if not User.objects.filter(email__iexact=email).exists():
            services.user_register(
                email=email, password=password, full_name="Demo Family", email_verified=True
            )
            if "seed" in self._commands():
                call_command("seed", email=email, stdout=self.stdout)
            self.stdout.write(self.style.SUCCESS("Created the demo account."))
        self.stdout.write(f"Demo sign-in: {email} / {password}")

    @staticmethod
    def _commands() -> set[str]:
        return set(get_commands())
