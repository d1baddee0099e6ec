import budget.common.money
from django.db import migrations, models


def fill(apps, schema_editor) -> None:
    """Every existing wallet and transaction is in its ledger's currency, and every base
    amount is the amount itself (SPEC §14: a single-currency ledger is as before)."""
    quote = schema_editor.quote_name
    ledger = quote(apps.get_model("ledgers", "Ledger")._meta.db_table)
    for name in ("Wallet", "Transaction"):
        table = quote(apps.get_model("money", name)._meta.db_table)
        schema_editor.execute(
            f"UPDATE {table} SET {quote('currency')} = (SELECT l.{quote('currency')} "
            f"FROM {ledger} l WHERE l.{quote('id')} = {table}.{quote('ledger_id')})"
        )
    for name in ("Transaction", "TransactionSplit", "Rollup"):
        table = quote(apps.get_model("money", name)._meta.db_table)
        schema_editor.execute(f"UPDATE {table} SET {quote('base_amount')} = {quote('amount')}")


class Migration(migrations.Migration):
    dependencies = [
        ("ledgers", "0001_initial"),
        ("money", "0017_money_thousandths"),
    ]

    operations = [
        migrations.AddField(
            model_name="wallet",
            name="currency",
            field=models.CharField(blank=True, default="", max_length=3),
        ),
        migrations.AddField(
            model_name="transaction",
            name="currency",
            field=models.CharField(default="", max_length=3),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="transaction",
            name="base_amount",
            field=budget.common.money.MoneyField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="transaction",
            name="to_amount",
            field=budget.common.money.MoneyField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="transaction",
            name="foreign_amount",
            field=budget.common.money.MoneyField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="transaction",
            name="foreign_currency",
            field=models.CharField(blank=True, default="", max_length=3),
        ),
        migrations.AddField(
            model_name="transactionsplit",
            name="base_amount",
            field=budget.common.money.MoneyField(default=0),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="rollup",
            name="base_amount",
            field=budget.common.money.MoneyField(default=0),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
