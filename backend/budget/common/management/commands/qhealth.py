from django.core.management.base import BaseCommand, CommandError
from django_q.brokers import get_broker
from django_q.status import Stat


class Command(BaseCommand):
    help = "Exits non-zero when the Django-Q2 broker is unreachable or no cluster is alive."

    def handle(self, *args, **options) -> None:
        broker = get_broker()
        try:
            reachable = broker.ping()
        except Exception as error:  # each broker raises its own connection error
            raise CommandError(f"Broker {broker.info()} is unreachable: {error}") from error
        if not reachable:
            raise CommandError(f"Broker {broker.info()} did not answer.")
        clusters = [stat for stat in Stat.get_all(broker=broker) if stat.status != "Stopped"]
        if not clusters:
            raise CommandError("No Django-Q2 cluster is alive (start one with `make qcluster`).")
        for stat in clusters:
            self.stdout.write(
                f"cluster {stat.cluster_id}: {stat.status}, {len(stat.workers)} workers"
            )
        self.stdout.write(
            self.style.SUCCESS(f"ok: {len(clusters)} cluster(s) alive on {broker.info()}")
        )
