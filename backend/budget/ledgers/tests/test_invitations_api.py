"""Invitations instead of silent adding (SPEC §16): the owner invites an email, the answer
never tells whether it has an account, and only the invitee's accept makes a member."""

import pytest
from django.core import mail
from tests.helpers import PASSWORD, assert_error

from budget.accounts.tests.helpers import link_token
from budget.ledgers.models import Invitation, Membership
from budget.ledgers.tests.helpers import verified

pytestmark = pytest.mark.django_db


def invite(api, owner, ledger, email, role="editor"):
    return api.as_user(owner).post(f"/ledgers/{ledger.pk}/members", {"email": email, "role": role})


def pending(api, owner, ledger):
    return api.as_user(owner).get(f"/ledgers/{ledger.pk}/invitations").json()


def test_the_answer_is_the_same_with_or_without_an_account(api, user, ledger, bob):
    known = invite(api, user, ledger, "bob@example.com")
    unknown = invite(api, user, ledger, "nobody@example.com")
    assert known.status_code == unknown.status_code == 202
    assert known.json() == {
        "email": "bob@example.com",
        "role": "editor",
        "detail": known.json()["detail"],
    }
    assert unknown.json()["detail"] == known.json()["detail"].replace(
        "bob@example.com", "nobody@example.com"
    )
    assert "Bob" not in known.content.decode()
    assert str(bob.pk) not in known.content.decode()


def test_an_invitation_makes_no_member_until_accepted(api, user, ledger, bob):
    invite(api, user, ledger, bob.email)
    assert not Membership.objects.filter(ledger=ledger, user=bob).exists()
    assert_error(api.as_user(bob).get(f"/ledgers/{ledger.pk}"), 404)


def test_inviting_again_updates_the_pending_invitation(api, user, ledger, bob):
    invite(api, user, ledger, "bob@example.com", "viewer")
    invite(api, user, ledger, " BOB@example.com ", "editor")
    body = pending(api, user, ledger)
    assert body["count"] == 1
    assert [(i["email"], i["role"]) for i in body["items"]] == [("bob@example.com", "editor")]


def test_owner_lists_pending_invitations_with_the_email_only(api, user, ledger):
    invite(api, user, ledger, "ghost@example.com", "viewer")
    invitation = Invitation.objects.get()
    assert pending(api, user, ledger) == {
        "items": [
            {
                "id": str(invitation.pk),
                "email": "ghost@example.com",
                "role": "viewer",
                "created_at": pending(api, user, ledger)["items"][0]["created_at"],
            }
        ],
        "count": 1,
    }


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_owners_invite_list_and_revoke(api, user, ledger, bob, role):
    Membership.objects.create(ledger=ledger, user=bob, role=role)
    invite(api, user, ledger, "ghost@example.com")
    invitation = Invitation.objects.get()
    as_bob = api.as_user(bob)
    assert_error(invite(api, bob, ledger, "carol@example.com"), 403)
    assert_error(as_bob.get(f"/ledgers/{ledger.pk}/invitations"), 403)
    assert_error(as_bob.delete(f"/ledgers/{ledger.pk}/invitations/{invitation.pk}"), 403)
    assert Invitation.objects.count() == 1


def test_a_stranger_reaches_no_ledgers_invitations(api, user, ledger, stranger):
    invite(api, user, ledger, "ghost@example.com")
    invitation = Invitation.objects.get()
    as_stranger = api.as_user(stranger)
    assert_error(invite(api, stranger, ledger, "mallory2@example.com"), 404)
    assert_error(as_stranger.get(f"/ledgers/{ledger.pk}/invitations"), 404)
    assert_error(as_stranger.delete(f"/ledgers/{ledger.pk}/invitations/{invitation.pk}"), 404)
    # Their own ledger does not reach it either.
    own = stranger.default_ledger
    assert_error(as_stranger.delete(f"/ledgers/{own.pk}/invitations/{invitation.pk}"), 404)
    assert Invitation.objects.count() == 1


def test_owner_revokes_an_invitation(api, user, ledger, bob):
    invite(api, user, ledger, bob.email)
    invitation = Invitation.objects.get()
    path = f"/ledgers/{ledger.pk}/invitations/{invitation.pk}"
    assert api.as_user(user).delete(path).status_code == 204
    assert api.as_user(bob).get("/invitations").json() == {"items": [], "count": 0}
    assert_error(api.as_user(bob).post(f"/invitations/{invitation.pk}/accept"), 404)
    assert_error(api.as_user(user).delete(path), 404)


def test_the_invitee_sees_the_invitation(api, user, ledger, bob):
    invite(api, user, ledger, "Bob@Example.COM", "viewer")
    invitation = Invitation.objects.get()
    body = api.as_user(bob).get("/invitations").json()
    assert body == {
        "items": [
            {
                "id": str(invitation.pk),
                "kind": "ledger",
                "name": ledger.name,
                "role": "viewer",
                "invited_by": "Alice Adams",
                "created_at": body["items"][0]["created_at"],
            }
        ],
        "count": 1,
    }


def test_accepting_makes_the_membership(api, user, ledger, bob):
    invite(api, user, ledger, bob.email, "editor")
    invitation = Invitation.objects.get()
    verified(bob)
    response = api.as_user(bob).post(f"/invitations/{invitation.pk}/accept")
    assert response.status_code == 200
    assert response.json() == {
        "id": str(ledger.pk),
        "name": ledger.name,
        "currency": "EUR",
        "role": "editor",
        "created_at": response.json()["created_at"],
    }
    assert Membership.objects.get(ledger=ledger, user=bob).role == "editor"
    assert not Invitation.objects.exists()
    ledgers = api.as_user(bob).get("/ledgers").json()["items"]
    assert str(ledger.pk) in {item["id"] for item in ledgers}


def test_declining_makes_no_membership(api, user, ledger, bob):
    invite(api, user, ledger, bob.email)
    invitation = Invitation.objects.get()
    assert api.as_user(bob).post(f"/invitations/{invitation.pk}/decline").status_code == 204
    assert not Invitation.objects.exists()
    assert not Membership.objects.filter(ledger=ledger, user=bob).exists()
    assert pending(api, user, ledger)["count"] == 0


def test_someone_elses_invitation_is_404(api, user, ledger, bob, stranger):
    invite(api, user, ledger, bob.email)
    invitation = Invitation.objects.get()
    as_stranger = api.as_user(stranger)
    assert as_stranger.get("/invitations").json()["count"] == 0
    assert_error(as_stranger.post(f"/invitations/{invitation.pk}/accept"), 404)
    assert_error(as_stranger.post(f"/invitations/{invitation.pk}/decline"), 404)
    # Nor can the owner accept the invitation they sent.
    assert_error(api.as_user(user).post(f"/invitations/{invitation.pk}/accept"), 404)
    assert Invitation.objects.count() == 1
    assert not Membership.objects.filter(ledger=ledger, user=stranger).exists()


def test_only_a_verified_address_accepts(api, user, ledger, bob):
    # Whoever registered an address without verifying it may not be its owner.
    invite(api, user, ledger, bob.email, "editor")
    invitation = Invitation.objects.get()
    assert_error(
        api.as_user(bob).post(f"/invitations/{invitation.pk}/accept"), 403, "email_unverified"
    )
    assert not Membership.objects.filter(ledger=ledger, user=bob).exists()
    assert Invitation.objects.count() == 1
    # Declining needs no proof: it only removes the invitation.
    assert api.as_user(bob).post(f"/invitations/{invitation.pk}/decline").status_code == 204


def test_an_invitation_waits_for_the_account_registered_with_its_email(
    api, user, ledger, mailoutbox, django_capture_on_commit_callbacks
):
    invite(api, user, ledger, "newcomer@example.com", "viewer")
    with django_capture_on_commit_callbacks(execute=True):
        registered = api.post(
            "/auth/register", {"email": "NewComer@example.com", "password": PASSWORD}
        )
    assert registered.status_code == 201
    # The newcomer follows the verification link mailed at registration.
    (mail,) = [m for m in mailoutbox if "verify=" in m.body]
    assert api.post("/auth/verify-email", {"token": link_token(mail, "verify")}).status_code == 204
    token = api.post("/auth/token", {"email": "newcomer@example.com", "password": PASSWORD}).json()[
        "access"
    ]
    as_newcomer = api.with_token(token)
    items = as_newcomer.get("/invitations").json()["items"]
    assert [(i["name"], i["role"]) for i in items] == [(ledger.name, "viewer")]
    assert as_newcomer.post(f"/invitations/{items[0]['id']}/accept").status_code == 200
    assert as_newcomer.get(f"/ledgers/{ledger.pk}").json()["role"] == "viewer"


def test_the_invitee_is_mailed(api, user, ledger, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invite(api, user, ledger, "ghost@example.com")
    assert [m.to for m in mail.outbox] == [["ghost@example.com"]]
    assert ledger.name in mail.outbox[0].subject
    assert "Alice Adams" in mail.outbox[0].subject


@pytest.mark.parametrize("email", ["", "not an email", "a@", "x" * 250 + "@example.com"])
def test_a_bad_email_is_422_and_invites_nobody(api, user, ledger, email):
    assert_error(invite(api, user, ledger, email), 422, field="email")
    assert not Invitation.objects.exists()


def test_deleting_the_ledger_removes_its_invitations(api, user, ledger, bob):
    invite(api, user, ledger, bob.email)
    assert api.as_user(user).delete(f"/ledgers/{ledger.pk}").status_code == 204
    assert api.as_user(bob).get("/invitations").json()["count"] == 0


def test_invitation_lists_cost_a_fixed_number_of_queries(
    api, user, ledger, make_user, django_assert_max_num_queries
):
    bob = make_user("bob@example.com")
    for n in range(5):
        other = make_user(f"owner{n}@example.com", full_name=f"Owner {n}")
        invite(api, other, other.default_ledger, bob.email)
        invite(api, user, ledger, f"guest{n}@example.com")
    as_bob, as_user = api.as_user(bob), api.as_user(user)
    with django_assert_max_num_queries(3):  # the user, the count, the page
        assert as_bob.get("/invitations").json()["count"] == 5
    with django_assert_max_num_queries(3):  # user with membership, the count, the page
        assert as_user.get(f"/ledgers/{ledger.pk}/invitations").json()["count"] == 5
