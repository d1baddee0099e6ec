import uuid

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

# Locales the dashboard formats money and dates in (the dashboard mirrors them, with Babel).
LOCALES = (
    "en_GB",
    "en_US",
    "de_DE",
    "de_AT",
    "de_CH",
    "fr_FR",
    "nl_NL",
    "es_ES",
    "it_IT",
    "pl_PL",
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email: str | None) -> str:
        # The whole address is compared case-insensitively, so it is stored lower-case.
        return (email or "").strip().lower()

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    default_ledger = models.ForeignKey(
        "ledgers.Ledger", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    email_notifications = models.BooleanField(default=False)
    # Set when the user opened the link mailed to their address; alert emails go only to
    # verified addresses.
    email_verified_at = models.DateTimeField(null=True, blank=True)
    # How the dashboard writes money and dates for this user; "" follows the browser.
    locale = models.CharField(max_length=20, blank=True, default="")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None


class ApiKey(models.Model):
    """A long-lived credential for scripts. Only a SHA-256 of the key is stored: the keys
    are 256 random bits, so a fast hash is enough and a lookup stays one indexed query."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AccountToken(models.Model):
    """A single-use secret mailed to a user: a link to reset the password or to verify the
    email. Only a SHA-256 of it is stored (256 random bits: a fast hash is enough)."""

    class Purpose(models.TextChoices):
        PASSWORD_RESET = "password_reset"
        EMAIL_VERIFICATION = "email_verification"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_tokens")
    purpose = models.CharField(max_length=32, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    # The address the mail went to: a verification counts only while the user still has it.
    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.purpose} for {self.email}"


class TwoFactor(models.Model):
    """A user's TOTP secret (RFC 6238). Set up first (`enabled_at` null), enabled once the
    user proved their app has it. `last_counter` is the time step of the last code taken, so
    a code cannot be used twice within its window."""

    user = models.OneToOneField(
        User, primary_key=True, on_delete=models.CASCADE, related_name="two_factor"
    )
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    enabled_at = models.DateTimeField(null=True, blank=True)
    last_counter = models.BigIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"2FA of {self.user_id}"


class BackupCode(models.Model):
    """A single-use code for signing in without the authenticator app; only its SHA-256."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="backup_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "code_hash"])]

    def __str__(self) -> str:
        return f"backup code of {self.user_id}"


class UserSession(models.Model):
    """One signed-in device: the chain of refresh tokens from one sign-in. It points at its
    newest refresh token (django-ninja-jwt's OutstandingToken, replaced on every rotation);
    it is open while that token is neither blacklisted nor expired. Access tokens carry the
    session's id in the `sid` claim, so the API knows which session a request comes from."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    token = models.OneToOneField(
        "token_blacklist.OutstandingToken", on_delete=models.CASCADE, related_name="session"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"session {self.id} of {self.user_id}"
