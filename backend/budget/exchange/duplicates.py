"""Possible duplicates of an import's rows among the ledger's transactions (SPEC §11): found
in SQL over the stored rows, at the check and again at the commit."""

from datetime import date

from django.db import connection
from django.db.models import Max, Min

from budget.exchange.models import ImportJob, ImportRow
from budget.money.models import Transaction


def duplicates_mark(*, job: ImportJob, first: date, last: date) -> int:
    """Marks the rows that are possible duplicates of existing transactions (SPEC §11), in
    at most three SQL statements (each skipped when no row is for it):

    (a) A row and a transaction that both carry a bank id (`external_id`) are duplicates
        when the ids are equal and the wallet (a transfer's: its from_wallet) is the same,
        whatever the date: the bank's id is the bank's word. Different ids never are, even
        when all else is equal (two coffees on one day are two transactions).
    (b) Otherwise, when either side has no id: the same date, kind, amount, wallet and
        description, its case and surrounding spaces aside, searched in the file's date
        range. Identical rows pair one by one, in the order of the file, with identical
        transactions, oldest first: a file with two equal coffees against a ledger with one
        has one duplicate, so skipping duplicates imports the other. Rows without an id pair
        with any transaction; rows with one only with transactions without one; a
        transaction paired once is not paired again. The kind is in the key because a card
        charge and its refund share everything else: paired across kinds, skipping
        duplicates dropped charges and imported their refunds twice."""
    qn = connection.ops.quote_name
    rows, txs = qn(ImportRow._meta.db_table), qn(Transaction._meta.db_table)
    uuid_field, date_field = (
        ImportRow._meta.get_field("wallet_id"),
        ImportRow._meta.get_field("date"),
    )
    job_id = uuid_field.get_db_prep_value(job.pk, connection)
    ledger_id = uuid_field.get_db_prep_value(job.ledger_id, connection)
    wallet = f"COALESCE({qn('wallet_id')}, {qn('from_wallet_id')})"
    # `external_id > ''` says what `= <the row's id>` implies (a row here has one) in a form
    # the (ledger, external_id, wallet) index takes as a range: planned once for every row,
    # the lookup otherwise costed "= some id" from the statistics alone, and where the
    # ledger's transactions had no bank id (a CSV history; SPEC §11) those say one value for
    # every row, so each of 100 000 rows read the whole ledger (an OFX check after a large CSV
    # import ran past gunicorn's timeout).
    by_id = f"""
        UPDATE {rows} SET {qn("duplicate_of")} = (
            SELECT t.{qn("id")} FROM {txs} t
            WHERE t.{qn("ledger_id")} = %s
                AND t.{qn("external_id")} > ''
                AND t.{qn("external_id")} = {rows}.{qn("external_id")}
                AND COALESCE(t.{qn("wallet_id")}, t.{qn("from_wallet_id")})
                    = {rows}.{qn("wallet_id")}
            ORDER BY t.{qn("created_at")}, t.{qn("id")} LIMIT 1
        )
        WHERE {qn("job_id")} = %s AND {qn("external_id")} <> '' AND {qn("wallet_id")} IS NOT NULL
    """
    text = f"LOWER(TRIM({qn('description')}))"
    # Rows and transactions in one list, each numbered among its identical ones; a row and
    # a transaction of the same key and number pair up (LEAD, no join: SQLite would not
    # index one). `{rows_with_id}` picks the rows of this pass, `{txs_with_id}` the
    # transactions they may pair with.
    by_key = f"""
        WITH u AS (
            SELECT 0 AS src, {qn("id")} AS rid, NULL AS tid, {qn("date")} AS day,
                {qn("kind")} AS kind, {qn("amount")} AS amount, {qn("wallet_id")} AS wallet,
                {text} AS text, {qn("line")} AS o_line, NULL AS o_created
            FROM {rows}
            WHERE {qn("job_id")} = %s AND {qn("wallet_id")} IS NOT NULL
                AND {qn("duplicate_of")} IS NULL AND {{rows_with_id}}
            UNION ALL
            SELECT 1, NULL, {qn("id")}, {qn("date")}, {qn("kind")}, {qn("amount")},
                {wallet}, {text}, NULL, {qn("created_at")}
            FROM {txs}
            WHERE {qn("ledger_id")} = %s AND {qn("date")} >= %s AND {qn("date")} <= %s
                AND {{txs_with_id}} AND {qn("id")} NOT IN (
                    SELECT {qn("duplicate_of")} FROM {rows}
                    WHERE {qn("job_id")} = %s AND {qn("duplicate_of")} IS NOT NULL
                )
        ), ranked AS (
            SELECT src, rid, tid, day, kind, amount, wallet, text, ROW_NUMBER() OVER (
                PARTITION BY src, day, kind, amount, wallet, text ORDER BY o_line, o_created, tid
            ) AS n
            FROM u
        ), paired AS (
            SELECT src, rid, LEAD(tid) OVER (
                PARTITION BY day, kind, amount, wallet, text, n ORDER BY src
            ) AS tid
            FROM ranked
        )
        UPDATE {rows} SET {qn("duplicate_of")} = paired.tid FROM paired
        WHERE paired.src = 0 AND paired.tid IS NOT NULL AND {rows}.{qn("id")} = paired.rid
    """
    has_id, no_id = f"{qn('external_id')} <> ''", f"{qn('external_id')} = ''"
    key_params = [
        job_id,
        ledger_id,
        date_field.get_db_prep_value(first, connection),
        date_field.get_db_prep_value(last, connection),
        job_id,
    ]
    rows_left = ImportRow.objects.filter(job=job, wallet_id__isnull=False)
    # (b) pairs rows only with transactions of the file's date range: with none there (a
    # first import into the ledger, an older period) it cannot pair a row, and is left out
    # rather than sorting every row of the file (about 0.5 s for 100 000 rows; issue 21).
    in_range = Transaction.objects.filter(ledger_id=job.ledger_id, date__range=(first, last))
    with connection.cursor() as cursor:
        if rows_left.exclude(external_id="").exists():
            cursor.execute(by_id, [ledger_id, job_id])
        if in_range.exists():
            # A pass without rows would still sort every transaction of the date range.
            if rows_left.filter(external_id="").exists():
                cursor.execute(by_key.format(rows_with_id=no_id, txs_with_id="1 = 1"), key_params)
            if rows_left.filter(duplicate_of__isnull=True).exclude(external_id="").exists():
                cursor.execute(by_key.format(rows_with_id=has_id, txs_with_id=no_id), key_params)
    return ImportRow.objects.filter(job=job, duplicate_of__isnull=False).count()


def duplicates_refresh(*, job: ImportJob) -> int:
    """The duplicates marked again as the ledger is now (another import or new transactions
    since the check may have added some); returns how many rows remain to insert."""
    rows = ImportRow.objects.filter(job=job)
    rows.update(duplicate_of=None)
    span = rows.aggregate(first=Min("date"), last=Max("date"))
    if span["first"] is not None:
        duplicates_mark(job=job, first=span["first"], last=span["last"])
    return rows.filter(duplicate_of__isnull=True).count()
