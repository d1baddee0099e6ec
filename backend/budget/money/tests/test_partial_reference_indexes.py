"""The indexes of the references the list filters by: one `(reference, date)` each,
partial (`IS NOT NULL`) where most rows have none (issue 21: an import of 100 000 rows paid
an entry each). The filters that use them name a value, which implies IS NOT NULL, and also
the ledger, which the index's rows all belong to; a foreign key's lookup by value (a
deletion's RESTRICT) reaches them without the ledger."""

import pytest
from django.db import connection

from budget.money import selectors
from budget.money.models import Transaction
from budget.money.tests.helpers import expense, income, transfer, tx_path

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans"),
]


@pytest.fixture
def ledger(owner_api, household):
    h = household
    bodies = []
    for n in range(30):
        day = f"2025-03-{n % 28 + 1:02d}"
        if n % 3 == 0:
            bodies.append(income(h, f"{n + 10}.00", date=day, payee_name="ACME Payroll"))
        elif n % 3 == 1:
            bodies.append(expense(h, f"{n + 1}.00", date=day))
        else:
            bodies.append(transfer(h, f"{n}.00", date=day))
    response = owner_api.post(f"{tx_path(h.ledger)}/bulk", {"items": bodies})
    assert response.status_code == 201, response.content
    return h


def _plan(queryset) -> str:
    with connection.cursor() as db:
        db.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        db.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in db.fetchall())


@pytest.mark.parametrize("column", ["from_wallet", "to_wallet"])
def test_each_transfer_wallet_arm_of_the_wallet_filter_has_its_index(ledger, column):
    """The wallet filter is `wallet = w OR from_wallet = w OR to_wallet = w`: each arm a
    path to a date range of its own (a BitmapOr once the table is large)."""
    h = ledger
    wallet = h.bank if column == "from_wallet" else h.cash
    arm = Transaction.objects.filter(
        ledger=h.ledger, **{f"{column}_id": wallet.pk}, date__gte="2025-03-10"
    )
    assert f"money_tx_{column}_date" in _plan(arm)
    assert arm.count() == 6
    whole = selectors.transactions_of(ledger=h.ledger, filters=selectors.wallet_filter(wallet.pk))
    assert whole.filter(kind="transfer").count() == 10


def test_the_payee_filter_and_count_reach_the_payee_by_index(ledger):
    h = ledger
    payee = h.ledger.payees.get()
    by_filter = Transaction.objects.filter(ledger=h.ledger, payee_id=payee.pk)
    assert "money_tx_payee_date" in _plan(by_filter)
    assert by_filter.count() == 10
    counted = selectors.payees_of(ledger=h.ledger)
    assert [p.transaction_count for p in counted] == [10]


REFERENCES = ("wallet", "from_wallet", "to_wallet", "category", "payee")


def test_each_filtered_reference_leads_exactly_one_index():
    """One index per reference, `(reference, date)`: none led by the ledger beside it, and
    no single-column foreign-key index."""
    with connection.cursor() as db:
        db.execute(
            """SELECT a.attname, i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = ANY(x.indkey)
            WHERE x.indrelid = 'money_transaction'::regclass"""
        )
        found = db.fetchall()
    for name in REFERENCES:
        column = f"{name}_id"
        holding = {index: definition for attname, index, definition in found if attname == column}
        if name == "wallet":  # the bank-id lookup's (ledger, external_id, wallet) holds it too
            holding.pop("money_tx_external_id")
        assert list(holding) == [f"money_tx_{name}_date"], holding
        partial = " WHERE " in holding[f"money_tx_{name}_date"]
        assert partial is (name != "wallet")


@pytest.mark.parametrize("name", REFERENCES)
def test_a_lookup_by_the_reference_alone_has_its_index(ledger, name):
    """As a deletion's RESTRICT asks: by the value, without the ledger."""
    h = ledger
    value = {
        "wallet": h.bank.pk,
        "from_wallet": h.bank.pk,
        "to_wallet": h.cash.pk,
        "category": Transaction.objects.filter(kind="expense").first().category_id,
        "payee": h.ledger.payees.get().pk,
    }[name]
    lookup = Transaction.objects.filter(**{f"{name}_id": value})
    assert f"money_tx_{name}_date" in _plan(lookup)
    assert lookup.exists()


def test_the_notes_search_reaches_the_notes_by_their_partial_trigram_index(ledger):
    """The trigram index of the notes holds only rows with notes (`notes <> ''`), which the
    search's notes arm states beside its LIKE."""
    h = ledger
    Transaction.objects.filter(ledger=h.ledger, kind="expense").update(notes="paid by card")
    # Without the ledger's condition, whose indexes would serve a table this small better.
    queryset = Transaction.objects.filter(selectors.text_filter("card"))
    with connection.cursor() as db:
        db.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        db.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in db.fetchall())
        db.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'money_tx_notes_trgm'")
        assert db.fetchone()[0].endswith("WHERE (notes <> ''::text)")
    assert "money_tx_notes_trgm" in plan, plan
    assert queryset.count() == 10
