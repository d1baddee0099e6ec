"""Helpers for tests of ledgers and their members."""

from django.utils import timezone

from budget.ledgers.models import Invitation


def verified(user):
    """`user` with a verified email, as after following the mailed link (SPEC §16)."""
    if user.email_verified_at is None:
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
    return user


def member_add(api, ledger, owner, user, role: str = "editor") -> dict:
    """Makes `user` a member of `ledger` the way people do: `owner` invites their email
    and they accept. Returns the accepted ledger as the API answers it."""
    invited = api.as_user(owner).post(
        f"/ledgers/{ledger.pk}/members", {"email": user.email, "role": role}
    )
    assert invited.status_code == 202, invited.content
    invitation = Invitation.objects.get(ledger=ledger, email=user.email)
    verified(user)
    accepted = api.as_user(user).post(f"/invitations/{invitation.pk}/accept")
    assert accepted.status_code == 200, accepted.content
    return accepted.json()
