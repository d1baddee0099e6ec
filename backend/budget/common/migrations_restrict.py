"""A foreign key to a transaction checked as ON DELETE RESTRICT in PostgreSQL (issue 21).

Django makes every foreign key NO ACTION, DEFERRABLE INITIALLY DEFERRED; deleting a row it
points at then runs, per row and per referencing table, a check that no other row with the
same key appeared meanwhile (the NO ACTION case of PostgreSQL's ri_restrict) before the
check that nothing refers to it: undoing an import of 100 000 transactions spent about
0.9 s per referencing table (allocations, split lines, attachments), at the commit.
RESTRICT skips the first check (about 0.4 s a table) and refuses the same rows: a row still
referred to at the end of the DELETE. Django's own `on_delete` (CASCADE here) deletes the
referring rows first, as `transactions_delete` does, so nothing else changes. A later
AlterField of the field recreates Django's constraint (test_transaction_restrict_keys)."""

from django.db import migrations


def _constraint(schema_editor, table: str, column: str) -> str | None:
    with schema_editor.connection.cursor() as cursor:
        constraints = schema_editor.connection.introspection.get_constraints(cursor, table)
    names = [
        name
        for name, c in constraints.items()
        if c["foreign_key"]
        and c["columns"] == [column]
        and c["foreign_key"][0] == "money_transaction"
    ]
    return names[0] if names else None


def restrict_transaction_key(table: str, column: str = "transaction_id") -> migrations.RunPython:
    """The foreign key `table`.`column` → money_transaction made ON DELETE RESTRICT (not
    deferrable) on PostgreSQL, under the same name; the reverse restores Django's."""

    def redo(apps, schema_editor, *, clause: str) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        name = _constraint(schema_editor, table, column)
        if name is None:
            return
        quote = schema_editor.quote_name
        schema_editor.execute(
            f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}, "
            f"ADD CONSTRAINT {quote(name)} FOREIGN KEY ({quote(column)}) "
            f"REFERENCES {quote('money_transaction')} ({quote('id')}) {clause}"
        )

    return migrations.RunPython(
        lambda apps, editor: redo(apps, editor, clause="ON DELETE RESTRICT"),
        lambda apps, editor: redo(apps, editor, clause="DEFERRABLE INITIALLY DEFERRED"),
    )
