import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from budget.rates.ecb import EcbFileError
from budget.rates.services import reference_rates_import


class Command(BaseCommand):
    help = (
        "Imports the European Central Bank's reference rates (eurofxref-hist.csv, its zip, or "
        "the daily eurofxref.csv) as the system-wide reference rates. Idempotent; a file with "
        "an error writes nothing. FILE '-' reads standard input."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", metavar="FILE")

    def handle(self, *args, **options) -> None:
        name = options["file"]
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as error:
            raise CommandError(f"{name}: {error.strerror or error}") from error
        try:
            result = reference_rates_import(data=data)
        except EcbFileError as error:
            raise CommandError(f"{name}: {error} Nothing was imported.") from error
        self.stdout.write(self.style.SUCCESS(str(result)))
