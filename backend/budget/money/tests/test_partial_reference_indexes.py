"""The `(ledger, from_wallet | to_wallet | payee, date)` indexes are partial (`IS NOT NULL`;
issue 21: most rows have none, and an import of 100 000 rows paid an entry each): the
filters that use them name a value, which implies IS NOT NULL, so each still has its
index. Checked with the single-column indexes on those references dropped (in this test's
database transaction only), so the plan can only use the composite one or none."""

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
        for name in ("money_tx_from_wallet", "money_tx_to_wallet", "money_tx_payee"):
            db.execute(f"DROP INDEX {name}")  # rolled back with the test
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
    index = {"from_wallet": "money_tx_ledger_from_w_date", "to_wallet": "money_tx_ledger_to_w_date"}
    assert index[column] in _plan(arm)
    assert arm.count() == 6
    whole = selectors.transactions_of(ledger=h.ledger, filters=selectors.wallet_filter(wallet.pk))
    assert whole.filter(kind="transfer").count() == 10


def test_the_payee_filter_and_count_reach_the_payee_by_index(ledger):
    h = ledger
    payee = h.ledger.payees.get()
    by_filter = Transaction.objects.filter(ledger=h.ledger, payee_id=payee.pk)
    assert "money_tx_ledger_payee_date" in _plan(by_filter)
    assert by_filter.count() == 10
    counted = selectors.payees_of(ledger=h.ledger)
    assert [p.transaction_count for p in counted] == [10]


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
