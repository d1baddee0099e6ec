"""`make backup`: the whole database to backups/budget-<UTC timestamp>.<dump|sqlite3>."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.exchange.backups import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Back up the whole database: pg_dump (custom format) on PostgreSQL, SQLite's online "
        "backup otherwise. Writes budget-<UTC timestamp>.dump/.sqlite3 in BACKUP_DIR "
        "(default: VAR_DIR/backups)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dir", dest="directory", help="Where to write the backup.")

    def handle(self, *args, directory: str | None = None, **options) -> None:
        try:
            path = database_backup(directory=Path(directory) if directory else None)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(path))
