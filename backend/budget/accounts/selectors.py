from django.db.models import QuerySet

from budget.accounts.models import ApiKey, User


def user_profile(*, user: User) -> User:
    """The user, with `default_ledger_id` falling back to their oldest ledger when the
    default one was deleted."""
    if user.default_ledger_id is None:
        user.default_ledger_id = (
            user.memberships.order_by("created_at").values_list("ledger_id", flat=True).first()
        )
    return user


def api_keys_of(*, user: User) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(user=user).order_by("-created_at", "id")
