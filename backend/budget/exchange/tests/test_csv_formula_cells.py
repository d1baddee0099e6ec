"""CSV cells a spreadsheet would run (SPEC §19): the export prefixes them with `'`, amounts
stay plain, and the import reads them back, so export → import keeps every text."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Q
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from budget.exchange.csv_cells import (
    FORMULA_STARTS,
    csv_cell_needs_quote,
    csv_cell_neutralise,
    csv_cell_restore,
)
from budget.exchange.tests.helpers import imports_path, validated
from budget.money import services
from budget.money.models import Transaction

# Texts as people and attackers write them: anything (no NUL, which neither the CSV reader
# nor PostgreSQL takes, and no lone surrogates, which are no UTF-8), often led by formula
# characters and quotes.
_CHARS = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
_LEADS = st.text(alphabet=st.sampled_from([*FORMULA_STARTS, "'", " "]), max_size=4)
texts = st.builds(lambda lead, rest: lead + rest, _LEADS, st.text(alphabet=_CHARS, max_size=40))

DANGEROUS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\tled by a tab",
    "\rled by a carriage return",
]


# --- The rule ---------------------------------------------------------------------------------


@given(texts)
@example("'=SUM(1)")
@example("'")
@example("")
def test_restore_gives_back_every_neutralised_text(text):
    assert csv_cell_restore(csv_cell_neutralise(text)) == text


@given(texts)
def test_a_neutralised_cell_never_starts_a_formula(text):
    assert not csv_cell_neutralise(text).startswith(FORMULA_STARTS)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        *[(text, "'" + text) for text in DANGEROUS],
        ("=SUM(1)", "'=SUM(1)"),
        ("'=SUM(1)", "''=SUM(1)"),  # a spreadsheet still shows '=SUM(1)
        ("'hello", "'hello"),
        ("'", "'"),
        ("a=b", "a=b"),
        (" =x", " =x"),
        ("", ""),
    ],
)
def test_only_texts_that_would_run_are_prefixed(text, cell):
    assert csv_cell_neutralise(text) == cell
    assert csv_cell_needs_quote(text) is (cell != text)


@pytest.mark.parametrize("cell", ["'hello", "'", "''", "'12.30", "a'=b"])
def test_a_quote_the_export_did_not_add_is_kept(cell):
    assert csv_cell_restore(cell) == cell


# --- The export -------------------------------------------------------------------------------


def _rows(api, ledger) -> list[dict[str, str]]:
    content = b"".join(api.get(f"/ledgers/{ledger.pk}/export.csv").streaming_content)
    return list(csv.DictReader(io.StringIO(content.decode())))


@pytest.fixture
def risky(household):
    """A ledger whose every text column holds something a spreadsheet would run."""
    h = household
    card = services.wallet_create(ledger=h.ledger, name="@Card", kind="virtual")
    pocket = services.wallet_create(ledger=h.ledger, name="=Pocket", kind="physical")
    rainy = services.bucket_create(ledger=h.ledger, name="-Rainy day")
    treats = services.bucket_create(ledger=h.ledger, name="+Treats")
    fees = services.category_create(ledger=h.ledger, name="=Fees()", type="expense")
    spent = services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": date(2025, 3, 1),
            "amount": Decimal("12.30"),
            "description": DANGEROUS[0],
            "notes": "\tnotes led by a tab",
            "tags": ["@SUM(1)", "plain"],
            "category": fees.pk,
            "wallet": card.pk,
            "bucket": rainy.pk,
        },
    )
    moved = services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "transfer",
            "date": date(2025, 3, 2),
            "amount": Decimal("5.00"),
            "description": "-2+3",
            "from_wallet": card.pk,
            "to_wallet": pocket.pk,
            "from_bucket": rainy.pk,
            "to_bucket": treats.pk,
        },
    )
    fixed = services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "adjustment",
            "date": date(2025, 3, 3),
            "amount": Decimal("-12.30"),
            "description": "'=SUM(1)",
            "wallet": card.pk,
        },
    )
    return h, spent, moved, fixed


@pytest.mark.django_db
def test_the_export_prefixes_every_text_cell_that_would_run(owner_api, risky):
    h, spent, moved, fixed = risky
    by_id = {row["id"]: row for row in _rows(owner_api, h.ledger)}
    expense, transfer, adjustment = by_id[str(spent.pk)], by_id[str(moved.pk)], by_id[str(fixed.pk)]
    assert {name: expense[name] for name in ("description", "notes", "tags")} == {
        "description": "'" + DANGEROUS[0],
        "notes": "'\tnotes led by a tab",
        "tags": "'@SUM(1)|plain",
    }
    assert {name: expense[name] for name in ("category", "wallet", "bucket")} == {
        "category": "'=Fees()",
        "wallet": "'@Card",
        "bucket": "'-Rainy day",
    }
    assert {name: transfer[name] for name in ("from_wallet", "to_wallet", "from_bucket")} == {
        "from_wallet": "'@Card",
        "to_wallet": "'=Pocket",
        "from_bucket": "'-Rainy day",
    }
    assert (transfer["to_bucket"], transfer["description"]) == ("'+Treats", "'-2+3")
    assert adjustment["description"] == "''=SUM(1)"
    # Numbers stay numbers.
    assert (expense["amount"], adjustment["amount"]) == ("12.30", "-12.30")
    assert (expense["kind"], expense["date"]) == ("expense", "2025-03-01")


@pytest.mark.django_db
def test_exported_formula_cells_import_back_as_they_were(api, owner_api, risky, make_user, commit):
    """The file goes to another ledger with the same names and comes out identical."""
    h, *_ = risky
    exported = _rows(owner_api, h.ledger)
    content = b"".join(owner_api.get(f"/ledgers/{h.ledger.pk}/export.csv").streaming_content)

    other = make_user("olga@example.com")
    olga, ledger = api.as_user(other), other.default_ledger
    for name, kind in (("Bank", "virtual"), ("Cash", "physical"), ("@Card", "virtual")):
        services.wallet_create(ledger=ledger, name=name, kind=kind)
    services.wallet_create(ledger=ledger, name="=Pocket", kind="physical")
    for name in ("Savings", "Fun", "Bills", "-Rainy day", "+Treats"):
        services.bucket_create(ledger=ledger, name=name)
    services.category_create(ledger=ledger, name="=Fees()", type="expense")
    job = validated(olga, ledger, content)
    assert commit(olga, ledger, job["id"])["created"] == 3

    imported = {
        tx.date: tx for tx in Transaction.objects.filter(ledger=ledger).select_related("category")
    }
    assert imported[date(2025, 3, 1)].description == DANGEROUS[0]
    assert imported[date(2025, 3, 1)].notes == "\tnotes led by a tab"
    assert imported[date(2025, 3, 1)].tags == ["@SUM(1)", "plain"]
    assert imported[date(2025, 3, 1)].category.name == "=Fees()"
    assert imported[date(2025, 3, 3)].description == "'=SUM(1)"
    assert imported[date(2025, 3, 3)].amount == Decimal("-12.30")

    def without_ids(rows):
        return [{k: v for k, v in row.items() if k != "id"} for row in rows]

    assert without_ids(_rows(olga, ledger)) == without_ids(exported)


# --- Any text, through the export and the import --------------------------------------------

tags = st.lists(
    st.text(alphabet=_CHARS, min_size=1, max_size=20)
    .map(str.strip)
    .filter(lambda tag: tag and "|" not in tag),
    max_size=3,
)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(description=texts, notes=texts, first_tag=_LEADS, tags=tags)
@example(description="=SUM(1)", notes="'=SUM(1)", first_tag="@", tags=["x"])
@example(description="\t", notes="\r\n=1", first_tag="'=", tags=["y"])
def test_any_text_survives_export_and_import(
    owner_api, household, commit, description, notes, first_tag, tags
):
    """What the import keeps of a text: all of it when the export prefixed it; else the
    text without surrounding spaces, as the import always trimmed cells (a bank's padding)."""
    h = household
    if tags:
        tags[0] = (first_tag + tags[0]).strip()  # tags are trimmed one by one on import
    services.transactions_delete(ledger=h.ledger, filters=Q())  # the previous example's
    services.transaction_create(
        ledger=h.ledger,
        data={
            "kind": "expense",
            "date": date(2025, 3, 1),
            "amount": Decimal("1.00"),
            "description": description,
            "notes": notes,
            "tags": tags,
            "category": h.groceries.pk,
            "wallet": h.bank.pk,
        },
    )
    content = b"".join(owner_api.get(f"/ledgers/{h.ledger.pk}/export.csv").streaming_content)
    job = validated(owner_api, h.ledger, content)
    assert commit(owner_api, h.ledger, job["id"])["created"] == 1
    imported = Transaction.objects.get(ledger=h.ledger, import_job=job["id"])

    def kept(text: str) -> str:
        return text if csv_cell_needs_quote(text) else text.strip()

    assert (imported.description, imported.notes, imported.tags) == (
        kept(description),
        kept(notes),
        tags,
    )
    owner_api.delete(imports_path(h.ledger, job["id"]))
