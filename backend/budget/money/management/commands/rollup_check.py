from django.core.management.base import BaseCommand, CommandError

from budget.ledgers.models import Ledger
from budget.money.rollup import rollup_drift, rollup_rebuild


class Command(BaseCommand):
    help = (
        "Compares every ledger's monthly and daily rollups with a fresh aggregation over its "
        "transactions and reports any drift; --fix rebuilds the drifting ledgers from the "
        "rows. Exits non-zero when drift was found and not fixed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--ledger", help="only this ledger id")
        parser.add_argument("--fix", action="store_true", help="rebuild ledgers that drifted")
        parser.add_argument("--rebuild", action="store_true", help="rebuild every ledger checked")

    def handle(self, *args, ledger=None, fix=False, rebuild=False, **options) -> None:
        ledgers = Ledger.objects.order_by("created_at")
        if ledger:
            ledgers = ledgers.filter(pk=ledger)
        drifted = 0
        for item in ledgers.only("id", "name"):
            drift = rollup_drift(ledger_id=item.pk)
            if drift:
                drifted += 1
                self.stdout.write(
                    self.style.WARNING(f"{item.name} ({item.pk}): {len(drift)} rollup keys drifted")
                )
                for key, stored, expected in drift[:20]:
                    # A monthly key ends with its category; a daily one (5 parts) has none.
                    period, category = (
                        (f"{key[1]:%Y-%m}", f" category={key[5]}")
                        if len(key) == 6
                        else (f"day {key[1]}", "")
                    )
                    self.stdout.write(
                        f"  {period} {key[2]} wallet={key[3]} bucket={key[4]}{category}: "
                        f"stored {stored}, rows say {expected}"
                    )
            if rebuild or (fix and drift):
                rows = rollup_rebuild(ledger_id=item.pk)
                self.stdout.write(f"{item.name}: rebuilt, {rows} rollup rows")
        if drifted and not (fix or rebuild):
            raise CommandError(f"{drifted} ledger(s) drifted; run with --fix to rebuild them.")
        self.stdout.write(
            self.style.SUCCESS(f"checked {ledgers.count()} ledger(s), {drifted} drifted")
        )
