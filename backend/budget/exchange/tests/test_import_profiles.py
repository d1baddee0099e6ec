"""Import profiles (SPEC §11): GET/POST /ledgers/{lid}/import-profiles, GET/PATCH/DELETE
…/{id}. `{name, options}`, the options checked as the import's form fields (unknown keys
422), names unique per ledger (409), an optional wallet it is the default of (one per
wallet); viewers read, editors write. An import names `profile` and may override single
options; another ledger's profile is 422 naming `profile`."""

import json

import pytest
from tests.helpers import assert_error

from budget.exchange import profiles
from budget.exchange.tests.helpers import upload
from budget.money.tests.helpers import member_api

pytestmark = pytest.mark.django_db

BANK_MAPPING = {"date": "Datum", "signed_amount": "Bedrag", "description": "Omschrijving"}
BANK_OPTIONS = {
    "mapping": BANK_MAPPING,
    "date_format": "DD-MM-YYYY".replace("-", "."),
    "decimal": ",",
    "delimiter": ";",
    "expense_category": "Groceries",
    "income_category": "Salary",
}
STATEMENT = "Datum;Bedrag;Omschrijving\n01.03.2025;-4,50;Koffie\n02.03.2025;1000,00;Salaris\n"


def path(ledger, profile_id=None) -> str:
    base = f"/ledgers/{ledger.pk}/import-profiles"
    return f"{base}/{profile_id}" if profile_id else base


def create(api, ledger, **body) -> dict:
    response = api.post(path(ledger), {"name": "ING", "options": BANK_OPTIONS, **body})
    assert response.status_code == 201, response.content
    return response.json()


def test_a_profile_is_created_read_changed_and_deleted(owner_api, household):
    h = household
    created = create(owner_api, h.ledger, wallet=str(h.bank.pk))
    assert created["name"] == "ING"
    assert created["options"] == BANK_OPTIONS  # only what was given, defaults not added
    assert created["wallet"] == str(h.bank.pk)
    assert owner_api.get(path(h.ledger, created["id"])).json() == created
    listed = owner_api.get(path(h.ledger)).json()
    assert (listed["count"], [p["id"] for p in listed["items"]]) == (1, [created["id"]])
    changed = owner_api.patch(
        path(h.ledger, created["id"]), {"name": "ING current", "options": {"decimal": "."}}
    ).json()
    assert (changed["name"], changed["options"], changed["wallet"]) == (
        "ING current",
        {"decimal": "."},
        str(h.bank.pk),
    )
    assert owner_api.delete(path(h.ledger, created["id"])).status_code == 204
    assert_error(owner_api.get(path(h.ledger, created["id"])), 404, "not_found")


def test_the_mapping_may_come_as_its_json_text(owner_api, household):
    created = create(owner_api, household.ledger, options={"mapping": json.dumps(BANK_MAPPING)})
    assert created["options"] == {"mapping": BANK_MAPPING}


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"date_format": "someday"}, "date_format"),
        ({"mapping": {"when": "Datum"}}, "mapping"),
        ({"mapping": {"signed_amount": "A", "amount": "B", "kind": "C"}}, "mapping"),
        ({"delimiter": "::"}, "delimiter"),
        ({"profile": "00000000-0000-0000-0000-000000000000"}, "options"),
    ],
)
def test_options_are_checked_as_the_imports_form_fields(owner_api, household, options, field):
    response = owner_api.post(path(household.ledger), {"name": "Bad", "options": options})
    body = assert_error(response, 422)
    assert any(field in e["field"] for e in body["errors"]), body
    assert not household.ledger.import_profiles.exists()


def test_a_name_is_unique_per_ledger_whatever_its_case(owner_api, household, stranger):
    create(owner_api, household.ledger)
    response = owner_api.post(path(household.ledger), {"name": "ing", "options": {}})
    assert_error(response, 409, "name_taken")
    # Another ledger may have its own "ING".
    profiles.import_profile_create(ledger=stranger.default_ledger, name="ING", options={})


def test_a_wallet_has_one_default_profile(owner_api, household):
    h = household
    first = create(owner_api, h.ledger, wallet=str(h.bank.pk))
    response = owner_api.post(
        path(h.ledger), {"name": "Other", "options": {}, "wallet": str(h.bank.pk)}
    )
    assert_error(response, 409, "wallet_taken")
    other = create(owner_api, h.ledger, name="Cash book", wallet=str(h.cash.pk))
    assert other["wallet"] == str(h.cash.pk)
    cleared = owner_api.patch(path(h.ledger, first["id"]), {"wallet": None}).json()
    assert cleared["wallet"] is None


def test_another_ledgers_wallet_is_422_naming_wallet(owner_api, household, stranger):
    from budget.money import services as money

    theirs = money.wallet_create(ledger=stranger.default_ledger, name="Theirs", kind="virtual")
    response = owner_api.post(
        path(household.ledger), {"name": "X", "options": {}, "wallet": str(theirs.pk)}
    )
    assert_error(response, 422, field="wallet")


def test_another_ledgers_profile_is_404_in_the_path(owner_api, household, stranger):
    theirs = profiles.import_profile_create(ledger=stranger.default_ledger, name="X", options={})
    assert_error(owner_api.get(path(household.ledger, theirs.pk)), 404, "not_found")
    assert_error(owner_api.delete(path(household.ledger, theirs.pk)), 404, "not_found")


def test_viewer_reads_editor_writes(api, owner_api, household, bob, make_user):
    h = household
    created = create(owner_api, h.ledger)
    viewer = member_api(api, h.ledger, bob, "viewer")
    assert viewer.get(path(h.ledger)).json()["count"] == 1
    assert viewer.get(path(h.ledger, created["id"])).status_code == 200
    assert_error(viewer.post(path(h.ledger), {"name": "V"}), 403, "permission_denied")
    assert_error(
        viewer.patch(path(h.ledger, created["id"]), {"name": "V"}), 403, "permission_denied"
    )
    assert_error(viewer.delete(path(h.ledger, created["id"])), 403, "permission_denied")
    editor = member_api(api, h.ledger, make_user("carol@example.com"), "editor")
    assert editor.post(path(h.ledger), {"name": "E"}).status_code == 201
    assert editor.patch(path(h.ledger, created["id"]), {"name": "E2"}).status_code == 200
    assert editor.delete(path(h.ledger, created["id"])).status_code == 204


def test_the_profile_list_takes_a_fixed_number_of_queries(
    owner_api, household, django_assert_max_num_queries
):
    for i in range(30):
        profiles.import_profile_create(
            ledger=household.ledger, name=f"Bank {i}", options=BANK_OPTIONS
        )
    with django_assert_max_num_queries(3):
        body = owner_api.get(path(household.ledger), {"page_size": 500}).json()
    assert body["count"] == 30


def test_an_import_with_a_profile_reads_the_file_with_its_options(owner_api, household):
    h = household
    profile = create(owner_api, h.ledger, wallet=str(h.bank.pk))
    response = upload(owner_api, h.ledger, STATEMENT, profile=profile["id"])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["valid_rows"]) == ("validated", 2), body
    # The profile's wallet is the rows' default wallet.
    assert [row["wallet"] for row in body["preview"]] == ["Bank", "Bank"]
    assert body["detected"]["delimiter"] == ";"


def test_a_form_field_overrides_the_profiles_option(owner_api, household):
    h = household
    profile = create(owner_api, h.ledger, wallet=str(h.bank.pk))
    # The same statement with ISO dates: the form's date_format wins over the profile's.
    iso = STATEMENT.replace("01.03.2025", "2025-03-01").replace("02.03.2025", "2025-03-02")
    response = upload(owner_api, h.ledger, iso, profile=profile["id"], date_format="iso")
    assert response.json()["status"] == "validated", response.json()
    response = upload(
        owner_api, h.ledger, iso, profile=profile["id"], date_format="iso", wallet="Cash"
    )
    assert [row["wallet"] for row in response.json()["preview"]] == ["Cash", "Cash"]


def test_another_ledgers_profile_in_an_import_is_422_naming_profile(owner_api, household, stranger):
    theirs = profiles.import_profile_create(ledger=stranger.default_ledger, name="X", options={})
    response = upload(owner_api, household.ledger, STATEMENT, profile=str(theirs.pk))
    assert_error(response, 422, field="profile")
