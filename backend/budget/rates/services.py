"""Every write of rates (SPEC §14): a ledger's own, and the imported reference rates."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from budget.accounts.models import User
from budget.common import activity
from budget.common.errors import Invalid
from budget.ledgers.models import Ledger
from budget.ledgers.services import ledger_lock, ledger_version_bump
from budget.rates.ecb import EcbRates, ecb_parse
from budget.rates.models import LedgerRate, ReferenceRate
from budget.rates.values import rate_text


def _summary(rate: LedgerRate, base: str) -> str:
    return f"1 {rate.currency} = {rate_text(rate.rate)} {base} on {rate.date.isoformat()}"


def _changed(before: Decimal, after: Decimal) -> dict[str, list[str]]:
    return {} if before == after else {"rate": [rate_text(before), rate_text(after)]}


def rate_set(
    *, ledger: Ledger, currency: str, date: date, rate: Decimal, created_by: User | None
) -> tuple[LedgerRate, bool]:
    """Sets the ledger's rate of `currency` on `date`, replacing the one entered for that
    day if there is one. Returns (the rate, whether it is new)."""
    if currency == ledger.currency:
        raise Invalid(
            f"{currency} is this ledger's own currency: its rate is always 1.", field="currency"
        )
    with transaction.atomic():
        ledger_lock(ledger_ids=[ledger.pk])  # two editors setting the same day: one waits
        row = LedgerRate.objects.filter(ledger=ledger, currency=currency, date=date).first()
        created = row is None
        before = None if created else row.rate
        if created:
            row = LedgerRate(ledger=ledger, currency=currency, date=date)
        row.rate, row.created_by, row.created_at = rate, created_by, timezone.now()
        row.save()
        activity.record(
            ledger_id=ledger.pk,
            action="create" if created else "update",
            object_type="rate",
            object_id=row.pk,
            summary=_summary(row, ledger.currency),
            changes={} if created else _changed(before, rate),
        )
        ledger_version_bump(ledger_ids=[ledger.pk])
    return row, created


def rate_delete(*, rate: LedgerRate) -> None:
    with transaction.atomic():
        ledger = rate.ledger
        activity.record(
            ledger_id=ledger.pk,
            action="delete",
            object_type="rate",
            object_id=rate.pk,
            summary=_summary(rate, ledger.currency),
        )
        rate.delete()
        ledger_version_bump(ledger_ids=[ledger.pk])


# --- Reference rates (system-wide) ----------------------------------------------------------


@dataclass(frozen=True)
class ReferenceImport:
    added: int
    updated: int
    unchanged: int
    currencies: int
    first: date
    last: date

    def __str__(self) -> str:
        return (
            f"Reference rates: {self.added} added, {self.updated} updated, "
            f"{self.unchanged} unchanged ({self.currencies} currencies, "
            f"{self.first.isoformat()} to {self.last.isoformat()})."
        )


def reference_rates_import(*, data: bytes) -> ReferenceImport:
    """Reads an ECB reference rate file (`budget.rates.ecb`) and upserts its rates: new
    days are added, changed rates updated, the rest left alone, so importing a file twice
    changes nothing. A file with any error writes nothing (EcbFileError)."""
    parsed = ecb_parse(data)
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            added, updated = _upsert_copy(connection, parsed.rows)
        else:
            added, updated = _upsert_compared(connection, parsed)
    if added or updated:
        _every_ledger_version_bump()
    return ReferenceImport(
        added=added,
        updated=updated,
        unchanged=len(parsed.rows) - added - updated,
        currencies=len(parsed.currencies),
        first=parsed.first,
        last=parsed.last,
    )


def _upsert_copy(connection, rows: list[tuple[str, date, Decimal]]) -> tuple[int, int]:
    """PostgreSQL: COPY into a temporary table, then one INSERT … ON CONFLICT that touches
    only new and changed rates and counts them ((xmax = 0) for a row it inserted)."""
    table = connection.ops.quote_name(ReferenceRate._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE rates_incoming "
            "(currency varchar(3), date date, rate numeric(30, 15)) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY rates_incoming (currency, date, rate) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"""
            WITH written AS (
                INSERT INTO {table} (currency, date, rate)
                SELECT currency, date, rate FROM rates_incoming
                ON CONFLICT (currency, date) DO UPDATE SET rate = EXCLUDED.rate
                WHERE {table}.rate IS DISTINCT FROM EXCLUDED.rate
                RETURNING (xmax = 0) AS added
            )
            SELECT count(*) FILTER (WHERE added), count(*) FILTER (WHERE NOT added) FROM written
            """
        )
        added, updated = cursor.fetchone()
        cursor.execute("DROP TABLE rates_incoming")
    return added, updated


def _upsert_compared(connection, parsed: EcbRates) -> tuple[int, int]:
    """SQLite: compare with the stored rates of the file's span, then write the new and the
    changed ones in one executemany (much faster there than bulk_create's small batches)."""
    stored_rows = ReferenceRate.objects.filter(
        currency__in=parsed.currencies, date__range=(parsed.first, parsed.last)
    ).values_list("currency", "date", "rate")
    stored = {(currency, day): rate for currency, day, rate in stored_rows}
    added = updated = 0
    writes = []
    for currency, day, rate in parsed.rows:
        before = stored.get((currency, day))
        if before is not None and before == rate:
            continue
        if before is None:
            added += 1
        else:
            updated += 1
        writes.append((currency, day.isoformat(), str(rate)))
    table = connection.ops.quote_name(ReferenceRate._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (currency, date, rate) VALUES (%s, %s, %s) "
            "ON CONFLICT (currency, date) DO UPDATE SET rate = excluded.rate",
            writes,
        )
    return added, updated


def _every_ledger_version_bump() -> None:
    """New reference rates change what any ledger's balances are worth today: cached
    reports of every ledger are recomputed (their keys carry the version)."""
    with transaction.atomic():
        ledger_ids = ledger_lock(ledger_ids=Ledger.objects.values("pk"))
        ledger_version_bump(ledger_ids=ledger_ids)
