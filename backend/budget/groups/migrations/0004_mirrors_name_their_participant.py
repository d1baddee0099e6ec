"""Mirrored transactions name the participant whose share they mirror: those a live
connection holds (in its ledger, touching its loan wallet) are given it here."""

from django.db import migrations
from django.db.models import Q


def participants_fill(apps, schema_editor):
    Connection = apps.get_model("groups", "Connection")
    Transaction = apps.get_model("money", "Transaction")
    for connection in Connection.objects.select_related("participant"):
        loan = connection.loan_wallet_id
        Transaction.objects.filter(
            Q(wallet_id=loan) | Q(from_wallet_id=loan) | Q(to_wallet_id=loan),
            ledger_id=connection.ledger_id,
            group_expense__group_id=connection.participant.group_id,
            group_participant__isnull=True,
        ).update(group_participant_id=connection.participant_id)


class Migration(migrations.Migration):
    dependencies = [
        ("groups", "0003_money_thousandths"),
        ("money", "0019_transaction_group_participant"),
    ]

    operations = [migrations.RunPython(participants_fill, migrations.RunPython.noop)]
