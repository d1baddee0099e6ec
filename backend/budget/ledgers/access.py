"""The one gate to ledger-scoped data.

`LedgerAuth` is the authentication of every router under /ledgers/{lid}: after the bearer
token it checks that the caller is a member of `lid`, before the body is even parsed, so a
stranger gets 404 whatever they send. Endpoints then call `ledger_access` for the role.
"""

from uuid import UUID

from django.http import HttpRequest

from budget.accounts.auth import BearerAuth, jwt_user_id
from budget.accounts.models import User
from budget.common.errors import Forbidden, NotFound
from budget.common.money import base_currency_set
from budget.ledgers.models import Ledger, Membership, Role

_READ_ONLY = "You can view this ledger but not change it (your role is viewer)."


def _membership(user: User, lid) -> Membership:
    membership = (
        Membership.objects.select_related("ledger").filter(ledger_id=lid, user_id=user.pk).first()
    )
    if membership is None:
        # Missing and foreign ledgers look the same, so a stranger learns nothing.
        raise NotFound("Ledger not found.")
    return membership


class LedgerAuth(BearerAuth):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        match = getattr(request, "resolver_match", None)
        lid = match.kwargs.get("lid") if match else None
        user_id = jwt_user_id(token) if lid is not None else None
        if user_id is not None:
            # The common case in one query: the user, their membership and the ledger.
            membership = (
                Membership.objects.select_related("ledger", "user")
                .filter(ledger_id=lid, user_id=user_id, user__is_active=True)
                .first()
            )
            if membership is not None:
                request.ledger_membership = membership
                base_currency_set(membership.ledger.currency)
                return membership.user
        user = super().authenticate(request, token)  # tells 401 (who?) from 404 (which ledger?)
        if user is not None and lid is not None:
            request.ledger_membership = _membership(user, lid)
            base_currency_set(request.ledger_membership.ledger.currency)
        return user


def ledger_access(request: HttpRequest, lid: UUID, role: Role = Role.VIEWER) -> Ledger:
    """The ledger `lid` if the caller is a member with at least `role`; 404 for a ledger
    they are not a member of, 403 when their role is too low. The caller's membership is
    attached as `ledger.membership`."""
    membership = getattr(request, "ledger_membership", None)
    if membership is None or membership.ledger_id != lid:
        membership = _membership(request.auth, lid)
    if Role(membership.role).rank < role.rank:
        if membership.role == Role.VIEWER:
            raise Forbidden(_READ_ONLY)
        raise Forbidden(
            f"Only an owner of this ledger can do this (your role is {membership.role})."
        )
    ledger = membership.ledger
    ledger.membership = membership
    base_currency_set(ledger.currency)  # base amounts are written with its decimals
    return ledger
