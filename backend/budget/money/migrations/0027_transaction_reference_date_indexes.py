# One index per filtered reference of a transaction (issue 21, sixth pass): `(reference,
# date)` serves both the list's filter, which also names the ledger (a reference belongs to
# one ledger), and the foreign key's lookups by value. Each had two, `(reference)` and
# `(ledger, reference, date)`, which cost every insert an index entry more. The new ones
# are built before the old ones go, so no query is left without an index in between.

import django.db.models.deletion
from django.db import migrations, models


def _partial(name: str) -> models.Index:
    return models.Index(
        condition=models.Q((f"{name}__isnull", False)),
        fields=[name, "date"],
        name=f"money_tx_{name}_date",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("exchange", "0010_importrow_no_constraints"),
        ("groups", "0004_mirrors_name_their_participant"),
        ("ledgers", "0004_invitation_group"),
        ("money", "0026_notes_trigram_index_partial"),
        ("planning", "0011_ledger_required_on_budget_alerts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="transaction",
            index=models.Index(fields=["wallet", "date"], name="money_tx_wallet_date"),
        ),
        *(
            migrations.AddIndex(model_name="transaction", index=_partial(name))
            for name in ("from_wallet", "to_wallet", "category", "payee")
        ),
        *(
            migrations.RemoveIndex(model_name="transaction", name=name)
            for name in (
                "money_tx_ledger_wallet_date",
                "money_tx_ledger_from_w_date",
                "money_tx_ledger_to_w_date",
                "money_tx_ledger_category_date",
                "money_tx_ledger_payee_date",
                "money_tx_category",
                "money_tx_from_wallet",
                "money_tx_to_wallet",
                "money_tx_payee",
            )
        ),
        migrations.AlterField(
            model_name="transaction",
            name="wallet",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="+",
                to="money.wallet",
            ),
        ),
    ]
