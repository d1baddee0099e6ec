"""The data migration of SPEC §14: money columns from integer cents to integer thousandths."""

from django.db import migrations


def money_to_thousandths(app_label: str, columns: dict[str, list[str]]) -> migrations.RunPython:
    """Multiplies each money column of `columns` (model name → field names) by 10; the reverse
    divides (a thousandth that is not a whole cent is then cut off)."""

    def scale(apps, schema_editor, *, factor: str) -> None:
        quote = schema_editor.quote_name
        for model_name, fields in columns.items():
            model = apps.get_model(app_label, model_name)
            table = quote(model._meta.db_table)
            sets = ", ".join(
                f"{quote(model._meta.get_field(f).column)} = "
                f"{quote(model._meta.get_field(f).column)} {factor}"
                for f in fields
            )
            schema_editor.execute(f"UPDATE {table} SET {sets}")

    return migrations.RunPython(
        lambda apps, editor: scale(apps, editor, factor="* 10"),
        lambda apps, editor: scale(apps, editor, factor="/ 10"),
    )
