"""Issue 14's acceptance: a month of a bank's rows, imported with five rules in place, lands
categorised — and what the rules leave, the payee history fills."""

import json
from collections import Counter

import pytest

from budget.exchange.tests.helpers import imports_path, validated
from budget.money.models import Transaction
from budget.money.tests.helpers import expense, post_ok
from budget.rules.tests.helpers import rules_path

pytestmark = pytest.mark.django_db

ROWS = [  # a month of a household's card and account rows, as a bank's CSV writes them
    ("2025-03-01", "-1050.00", "DAUERAUFTRAG MIETE MAERZ", "Hausverwaltung Kern"),
    ("2025-03-02", "-54.20", "Kartenzahlung", "REWE Markt 4711"),
    ("2025-03-03", "-12.99", "NETFLIX.COM 866-579", ""),
    ("2025-03-05", "-9.99", "Spotify AB", ""),
    ("2025-03-06", "-31.70", "Kartenzahlung", "Rewe City"),
    ("2025-03-08", "-64.00", "Stadtwerke Abschlag Strom", ""),
    ("2025-03-09", "-3.20", "DB Vertrieb Ticket", ""),
    ("2025-03-12", "-18.40", "Kartenzahlung", "Apotheke am Markt"),
    ("2025-03-15", "-77.85", "Kartenzahlung", "REWE Markt 4711"),
    ("2025-03-19", "-2.90", "DB Vertrieb Ticket", ""),
    ("2025-03-22", "-41.10", "Kartenzahlung", "rewe"),
    ("2025-03-25", "2750.00", "GEHALT MAERZ ACME GMBH", "ACME GmbH"),
    ("2025-03-28", "-64.00", "Stadtwerke Abschlag Gas", ""),
    ("2025-03-29", "-25.00", "Bargeld", ""),
]


def test_a_month_of_bank_rows_with_five_rules_lands_categorised(
    owner_api, household, django_capture_on_commit_callbacks
):
    h = household
    category = {name: str(h.category(name).pk) for name in ("Housing", "Utilities", "Transport")}
    leisure, health = str(h.category("Leisure").pk), str(h.category("Health").pk)
    rules = [
        ("Supermarket", [("payee_name", "contains", "rewe")], str(h.groceries.pk)),
        ("Streaming", [("description", "matches", r"netflix|spotify")], leisure),
        (
            "Rent",
            [("description", "contains", "miete"), ("amount", "between", ["900", "1200"])],
            category["Housing"],
        ),
        ("Energy", [("description", "starts_with", "stadtwerke")], category["Utilities"]),
        ("Train", [("description", "matches", r"^db vertrieb")], category["Transport"]),
    ]
    for name, conditions, target in rules:
        body = {
            "name": name,
            "conditions": [{"field": f, "op": op, "value": v} for f, op, v in conditions],
            "actions": [{"field": "category", "value": target}],
        }
        assert owner_api.post(rules_path(h.ledger), body).status_code == 201
    # The ledger already knows the pharmacy: its history gives the category no rule does.
    post_ok(owner_api, h.ledger, expense(h, payee_name="Apotheke am Markt", category=health))

    content = "Buchungstag;Betrag;Verwendungszweck;Empfaenger\n" + "".join(
        f"{day};{amount};{text};{payee}\n" for day, amount, text, payee in ROWS
    )
    mapping = {
        "date": "Buchungstag",
        "signed_amount": "Betrag",
        "description": "Verwendungszweck",
        "payee": "Empfaenger",
    }
    job = validated(
        owner_api,
        h.ledger,
        content,
        mapping=json.dumps(mapping),
        wallet="Bank",
        income_category="Salary",
        expense_category="Other expenses",
    )
    assert job["valid_rows"] == len(ROWS), job["errors"]
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_api.post(imports_path(h.ledger, job["id"], "commit"), {})
    assert response.status_code == 202, response.content

    imported = Transaction.objects.filter(ledger=h.ledger, import_job_id=job["id"])
    by_category = Counter(t.category.name for t in imported.select_related("category"))
    assert by_category == {
        "Groceries": 4,  # REWE in four spellings
        "Leisure": 2,  # Netflix and Spotify by one pattern
        "Housing": 1,
        "Utilities": 2,
        "Transport": 2,
        "Health": 1,  # learned from the payee's history
        "Salary": 1,  # the import's income default
        "Other expenses": 1,  # the cash withdrawal: nothing knows it
    }
    # Payees were created once per name, whatever the case ("rewe" is REWE Markt's cousin,
    # a payee of its own: rules match all of them).
    assert imported.filter(payee__name__iexact="REWE Markt 4711").count() == 2
