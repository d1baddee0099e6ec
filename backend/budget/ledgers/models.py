import uuid

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    VIEWER = "viewer", "Viewer"

    @property
    def rank(self) -> int:
        return {"viewer": 0, "editor": 1, "owner": 2}[self.value]


class Ledger(models.Model):
    """The book that all finance data belongs to; shared by its members."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    currency = models.CharField(max_length=3, default="EUR")
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped in the same database transaction as every write that changes what a report
    # shows; report cache keys carry it, so a cached report is never stale.
    version = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    id = models.BigAutoField(primary_key=True)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ledger", "user"], name="ledgers_membership_unique"),
        ]
        indexes = [models.Index(fields=["user", "ledger"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} in {self.ledger_id}"


class InvitationKind(models.TextChoices):
    """What an invitation is to: a ledger, or a group of shared expenses (SPEC §15, whose
    app registers how a group invitation is accepted: `ledgers.signals.invitation_accepters`)."""

    LEDGER = "ledger", "Ledger"
    GROUP = "group", "Group"


class Invitation(models.Model):
    """A pending offer of membership to an email address, with or without an account
    behind it. Accepting makes the membership; accepting, declining or revoking deletes
    the invitation. An address is invited once per ledger: inviting it again updates it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=10, choices=InvitationKind.choices)
    ledger = models.ForeignKey(
        Ledger, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Normalised like User.email (stripped, lower case), so the invitee is found by equality.
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=10, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "email"],
                condition=models.Q(kind="ledger"),
                name="ledgers_invitation_once_per_ledger",
            ),
            models.UniqueConstraint(
                fields=["group", "email"],
                condition=models.Q(kind="group"),
                name="ledgers_invitation_once_per_group",
            ),
        ]
        indexes = [models.Index(fields=["email", "created_at"])]

    def __str__(self) -> str:
        return f"{self.email} as {self.role} to {self.kind} {self.ledger_id or self.group_id}"
