"""What groups answer to the apps below it (connected in `GroupsConfig.ready()`)."""

from budget.groups.mirroring import mirrored_transactions_guard
from budget.groups.services import group_invitation_accept

__all__ = ["group_invitation_accept", "mirrored_transactions_guard"]
