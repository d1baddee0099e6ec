import pytest
from tests.helpers import assert_error

from budget.ledgers.models import Membership
from budget.ledgers.tests.helpers import member_add

pytestmark = pytest.mark.django_db


def members_path(ledger, user=None):
    path = f"/ledgers/{ledger.pk}/members"
    return f"{path}/{user.pk}" if user else path


def test_owner_adds_member_by_invitation_they_accept(api, user, ledger, bob):
    joined = member_add(api, ledger, user, bob, "editor")
    assert joined["id"] == str(ledger.pk)
    assert joined["role"] == "editor"
    listed = api.as_user(user).get(members_path(ledger)).json()["items"]
    assert [(m["email"], m["role"]) for m in listed] == [
        ("alice@example.com", "owner"),
        ("bob@example.com", "editor"),
    ]
    assert api.as_user(bob).get(f"/ledgers/{ledger.pk}").json()["role"] == "editor"


def test_inviting_an_existing_member_answers_alike_and_changes_nothing(api, user, ledger, bob):
    Membership.objects.create(ledger=ledger, user=bob, role="viewer")
    response = api.as_user(user).post(members_path(ledger), {"email": bob.email, "role": "editor"})
    assert response.status_code == 202
    assert Membership.objects.get(ledger=ledger, user=bob).role == "viewer"
    assert api.as_user(user).get(f"/ledgers/{ledger.pk}/invitations").json()["count"] == 0


def test_invalid_role_is_422(api, user, ledger, bob):
    response = api.as_user(user).post(members_path(ledger), {"email": bob.email, "role": "boss"})
    assert_error(response, 422, field="role")


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_any_member_lists_members(api, user, ledger, bob, role):
    Membership.objects.create(ledger=ledger, user=bob, role=role)
    body = api.as_user(bob).get(members_path(ledger)).json()
    assert body["count"] == 2
    assert [m["email"] for m in body["items"]] == ["alice@example.com", "bob@example.com"]


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_owner_changes_members(api, user, ledger, bob, make_user, role):
    Membership.objects.create(ledger=ledger, user=bob, role=role)
    carol = make_user("carol@example.com")
    authed = api.as_user(bob)
    assert_error(authed.post(members_path(ledger), {"email": carol.email, "role": "viewer"}), 403)
    assert_error(authed.patch(members_path(ledger, user), {"role": "viewer"}), 403)
    assert_error(authed.delete(members_path(ledger, user)), 403)


def test_owner_changes_role(api, user, ledger, bob):
    Membership.objects.create(ledger=ledger, user=bob, role="viewer")
    response = api.as_user(user).patch(members_path(ledger, bob), {"role": "owner"})
    assert response.status_code == 200
    assert response.json()["role"] == "owner"


def test_last_owner_cannot_be_demoted(api, user, ledger, bob):
    Membership.objects.create(ledger=ledger, user=bob, role="editor")
    response = api.as_user(user).patch(members_path(ledger, user), {"role": "editor"})
    assert_error(response, 409, "last_owner")
    assert Membership.objects.get(ledger=ledger, user=user).role == "owner"


def test_owner_can_step_down_when_another_owner_exists(api, user, ledger, bob):
    Membership.objects.create(ledger=ledger, user=bob, role="owner")
    assert (
        api.as_user(user).patch(members_path(ledger, user), {"role": "viewer"}).status_code == 200
    )


def test_last_owner_cannot_leave(api, user, ledger, bob):
    Membership.objects.create(ledger=ledger, user=bob, role="editor")
    assert_error(api.as_user(user).delete(members_path(ledger, user)), 409, "last_owner")


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_non_owner_can_leave(api, user, ledger, bob, role):
    Membership.objects.create(ledger=ledger, user=bob, role=role)
    assert api.as_user(bob).delete(members_path(ledger, bob)).status_code == 204
    assert_error(api.as_user(bob).get(f"/ledgers/{ledger.pk}"), 404)


def test_owner_removes_member(api, user, ledger, bob):
    Membership.objects.create(ledger=ledger, user=bob, role="editor")
    assert api.as_user(user).delete(members_path(ledger, bob)).status_code == 204
    assert not Membership.objects.filter(ledger=ledger, user=bob).exists()


def test_unknown_member_is_404(api, user, ledger, bob):
    assert_error(api.as_user(user).patch(members_path(ledger, bob), {"role": "viewer"}), 404)
