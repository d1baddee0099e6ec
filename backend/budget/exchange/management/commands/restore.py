"""`make restore FILE=…`: replaces the whole database with a backup from `backup`."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from budget.exchange.backups import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Restore the whole database from a backup (pg_restore --clean on PostgreSQL, SQLite's "
        "backup API otherwise). Everything now in the database is replaced."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--file", required=True, help="A file written by `backup`.")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, file: str, yes: bool = False, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No backup file at {path}.")
        if not yes:
            if settings.IS_PRODUCTION:
                raise CommandError("In production, restore only with --yes.")
            answer = input(f"Replace everything in the database with {path}? Type 'yes': ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            database_restore(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Restored {path}.")
