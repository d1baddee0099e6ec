import uuid
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Abs

from budget.common.money import MoneyField, PercentField
from budget.ledgers.models import Ledger

# Stands for "no wallet / bucket / category" in a rollup key (NULLs never match in ON CONFLICT).
NONE_ID = uuid.UUID(int=0)


class WalletKind(models.TextChoices):
    PHYSICAL = "physical", "Cash"
    VIRTUAL = "virtual", "Bank account, card or e-wallet"
    LOAN = "loan", "Loan (positive: they owe you)"


class CategoryType(models.TextChoices):
    INCOME = "income"
    EXPENSE = "expense"
    NEUTRAL = "neutral"


class Kind(models.TextChoices):
    INCOME = "income"
    EXPENSE = "expense"
    TRANSFER = "transfer"
    ADJUSTMENT = "adjustment"


class AllocationStatus(models.TextChoices):
    PENDING = "pending"
    ALLOCATED = "allocated"
    NOT_APPLICABLE = "not_applicable"


def _name_unique(model: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(fields=["ledger", "name_key"], name=f"money_{model}_name_unique")


def name_key(name: str) -> str:
    """What names clash on: Python's casefold(), cut to the column's length."""
    return name.casefold()[:100]


class Named(models.Model):
    """A name unique per ledger, whatever its case. The key is Python's casefold(), so
    "Épargne" and "ÉPARGNE" clash on SQLite too, whose LOWER() only folds ASCII."""

    name = models.CharField(max_length=100)
    name_key = models.CharField(max_length=100, editable=False, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        self.name_key = name_key(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = [*update_fields, "name_key"]
        super().save(*args, **kwargs)


class Wallet(Named):
    """Where money sits: cash, a bank account, or a loan to or from someone."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="wallets")
    kind = models.CharField(max_length=10, choices=WalletKind.choices)
    # ISO 4217 (SPEC §14): the currency of every amount of the wallet; the ledger's unless
    # chosen, and fixed once the wallet has transactions.
    currency = models.CharField(max_length=3, blank=True, default="")
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [_name_unique("wallet")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        if not self.currency:
            self.currency = self.ledger.currency
        super().save(*args, **kwargs)


class Bucket(Named):
    """An envelope that money is assigned to. Each ledger has one system bucket,
    Unallocated, which takes whatever no other bucket does."""

    SYSTEM_NAME = "Unallocated"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="buckets")
    allocation_percent = PercentField(null=True, blank=True)
    is_system = models.BooleanField(default=False)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            _name_unique("bucket"),
            models.UniqueConstraint(
                fields=["ledger"], condition=Q(is_system=True), name="money_bucket_one_system"
            ),
            models.CheckConstraint(
                condition=Q(is_system=True, allocation_percent__isnull=True, archived=False)
                | Q(
                    is_system=False,
                    allocation_percent__isnull=False,
                    allocation_percent__gte=0,
                    allocation_percent__lte=10000,  # hundredths of a percent
                ),
                name="money_bucket_percent_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Category(Named):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="categories")
    type = models.CharField(max_length=10, choices=CategoryType.choices)
    # A short name shared by several categories ("Fixed costs"): reports and the budget
    # grid give a subtotal per group (SPEC §18). Empty: in no group.
    group = models.CharField(max_length=50, blank=True, default="")
    # Where an expense of this category goes when it names no bucket (the user's choice over
    # SPEC §2's Unallocated); deleting the bucket clears it, an archived one is not used.
    default_bucket = models.ForeignKey(
        Bucket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [_name_unique("category")]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Payee(Named):
    """Who was paid, or who paid (SPEC §12). Transactions and recurring templates refer to
    one; a payee has no archive: merging two or deleting an unused one tidies the list."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="payees")
    created_at = models.DateTimeField(auto_now_add=True)
    # Not a column: a payee is never archived, but the one reference check reads this.
    archived = False

    class Meta:
        constraints = [_name_unique("payee")]

    def __str__(self) -> str:
        return self.name


def _reference(model: type[models.Model], db_index: bool = True) -> models.ForeignKey:
    # RESTRICT, not PROTECT: a wallet, bucket or category in use cannot be deleted on its
    # own (409, "archive it instead"), but deleting the whole ledger removes both in one
    # cascade.
    return models.ForeignKey(
        model,
        null=True,
        blank=True,
        on_delete=models.RESTRICT,
        related_name="+",
        db_index=db_index,
    )


class TransactionFields(models.Model):
    """The fields of SPEC §2 that a transaction and a recurring template share, declared
    once: the vocabulary below, the API schemas, the CSV import and export, the JSON
    export and restore and the templates all derive from it. A new field is one edit here
    (plus its migrations); a new reference is picked up by every one of them."""

    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = MoneyField()
    description = models.CharField(max_length=255, blank=True, default="")
    notes = models.TextField(max_length=2000, blank=True, default="")
    tags = models.JSONField(default=list, blank=True)
    category = _reference(Category)
    wallet = _reference(Wallet)
    bucket = _reference(Bucket)
    from_wallet = _reference(Wallet)
    to_wallet = _reference(Wallet)
    from_bucket = _reference(Bucket)
    to_bucket = _reference(Bucket)
    payee = _reference(Payee)
    # SPEC §14: what a transfer between wallets of different currencies brings in (in the
    # receiving wallet's currency), and what an expense's receipt said in another currency
    # (for information only).
    to_amount = MoneyField(null=True, blank=True)
    foreign_amount = MoneyField(null=True, blank=True)
    foreign_currency = models.CharField(max_length=3, blank=True, default="")

    class Meta:
        abstract = True

    def shared_set(self, data: dict[str, Any]) -> None:
        """Sets the shared fields from `data` (references as ids); what is missing or None
        takes the field's default."""
        for attname, value in shared_values(data).items():
            setattr(self, attname, value)

    def shared_data(self) -> dict[str, Any]:
        """The shared fields as `shared_set` takes them (references as ids)."""
        data = {name: getattr(self, name) for name in SHARED_FIELDS}
        data.update({name: getattr(self, f"{name}_id") for name in REFERENCE_FIELDS})
        return data


def shared_values(data: dict[str, Any]) -> dict[str, Any]:
    """The shared fields' stored values (by attname: `wallet_id`) from `data` (references
    as ids); what is missing or None takes the field's default."""
    values = {}
    for name in SHARED_FIELDS:
        value = data.get(name)
        if value is None and name in _DEFAULTS:
            value = _DEFAULTS[name].get_default()
        values[name] = list(value) if isinstance(value, list | tuple) else value
    for name in REFERENCE_FIELDS:
        values[f"{name}_id"] = data.get(name)
    return values


_SHARED = TransactionFields._meta.local_fields
_DEFAULTS = {f.name: f for f in _SHARED if f.has_default()}
# The plain fields, in declaration order: kind, amount, description, notes, tags.
SHARED_FIELDS = tuple(f.name for f in _SHARED if not f.is_relation)
# field name → the model it names, for the eight references.
REFERENCE_MODELS = {f.name: f.remote_field.model for f in _SHARED if f.many_to_one}
REFERENCE_FIELDS = tuple(REFERENCE_MODELS)
WALLET_FIELDS = tuple(n for n, m in REFERENCE_MODELS.items() if m is Wallet)
BUCKET_FIELDS = tuple(n for n, m in REFERENCE_MODELS.items() if m is Bucket)
# field name → what a message calls it ("wallet") and the group it is found in ("wallets").
REFERENCE_NOUN = {n: str(m._meta.verbose_name) for n, m in REFERENCE_MODELS.items()}
REFERENCE_GROUP = {n: str(m._meta.verbose_name_plural) for n, m in REFERENCE_MODELS.items()}


# The references that a transaction leaves empty more often than not (an expense has no
# transfer wallets, an import seldom a payee or a bucket): their foreign-key indexes are
# partial (`IS NOT NULL`), so a row without one costs no index entry on insert. Every query
# that looks a reference up by value (a deletion's RESTRICT / SET NULL, a filter) implies
# IS NOT NULL and uses them; the few that ask for IS NULL also filter on the ledger, which
# the `(ledger, …)` indexes serve.
_SPARSE_REFERENCES = (
    "bucket",
    "from_bucket",
    "to_bucket",
    "group_expense",
    "group_participant",
)
# The references the list filters by, each with one index `(reference, date)` that serves
# both the filter (`ledger = … AND reference = … ORDER BY date`: a reference belongs to one
# ledger, so the ledger's condition keeps every row it finds) and the foreign key's lookups
# by value (a deletion's RESTRICT). Until issue 21's sixth pass each had two, `(reference)`
# and `(ledger, reference, date)`: an entry more per row on every insert. The wallet's is
# full (most rows have one), the others partial as above.
_FILTERED_REFERENCES = ("wallet", "from_wallet", "to_wallet", "category", "payee")


class Transaction(TransactionFields):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No index of its own: every index below leads with it.
    ledger = models.ForeignKey(
        Ledger, on_delete=models.CASCADE, related_name="transactions", db_index=False
    )
    # Indexed by `(wallet, date)` and the like (_FILTERED_REFERENCES).
    wallet = _reference(Wallet, db_index=False)
    category = _reference(Category, db_index=False)
    bucket = _reference(Bucket, db_index=False)
    from_wallet = _reference(Wallet, db_index=False)
    to_wallet = _reference(Wallet, db_index=False)
    from_bucket = _reference(Bucket, db_index=False)
    to_bucket = _reference(Bucket, db_index=False)
    payee = _reference(Payee, db_index=False)
    date = models.DateField()
    # SPEC §14: the currency of `amount` (its wallet's; a transfer's from_wallet's; the
    # ledger's without a wallet) and the amount in the ledger's currency, converted once
    # when booked and frozen. Equal to `amount` in the base currency.
    currency = models.CharField(max_length=3)
    base_amount = MoneyField()
    # The bank's id of this transaction (OFX FITID, CAMT AcctSvcrRef, a CSV column), "" when
    # none: imports find duplicates by it (SPEC §11). Not in TransactionFields: a recurring
    # template stands for many transactions, which cannot share one bank id.
    external_id = models.CharField(max_length=255, blank=True, default="")
    allocation_status = models.CharField(
        max_length=15, choices=AllocationStatus.choices, default=AllocationStatus.NOT_APPLICABLE
    )
    # The recurring template this is an occurrence of, and the schedule date it stands for.
    # No index of its own: `money_tx_recurring_once` (recurring, recurring_date) WHERE
    # recurring IS NOT NULL serves every lookup by a template.
    recurring = models.ForeignKey(
        "planning.RecurringTransaction",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occurrences",
        db_index=False,
    )
    recurring_date = models.DateField(null=True, blank=True)
    # The CSV import that created this, so the import can be undone (budget.exchange).
    # No foreign-key constraint in the database (issue 21: its per-row check cost an import
    # of 100 000 rows about 0.5 s): only the import writes the column, with the job's row
    # locked until it commits, and a job is deleted only through the ORM, whose SET_NULL
    # (Django's, never the database's) empties the column first
    # (test_import_job_reference: no transaction names a job that is gone).
    import_job = models.ForeignKey(
        "exchange.ImportJob",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transactions",
        db_constraint=False,
    )
    # The group expense this mirrors into a participant's ledger (budget.groups, SPEC §15):
    # written by the group alone while the participant's connection lasts.
    group_expense = models.ForeignKey(
        "groups.Expense",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    # Whose share it mirrors: a reconnection finds what that participant's connections made
    # in this ledger, whichever wallets they used (and what a deleted expense left).
    group_participant = models.ForeignKey(
        "groups.Participant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["recurring", "recurring_date"],
                condition=Q(recurring__isnull=False),
                name="money_tx_recurring_once",
            ),
        ]
        indexes = [
            models.Index(fields=["ledger", "-date", "-created_at"], name="money_tx_ledger_date"),
            models.Index(fields=["ledger", "kind", "date"], name="money_tx_ledger_kind_date"),
            # The wallet filter matches any of three columns; each gets its own path to a
            # date range (a BitmapOr), so counting a filtered page does not visit every
            # matching row. The ?category= filter (with the split lines' own index), the
            # ?payee= filter, a payee's transaction count and the payee history (§12) have
            # theirs: `(reference, date)`, partial where most rows have none (an entry each
            # cost an import of 100 000 rows about 0.15 s per index, issue 21).
            *(
                models.Index(
                    fields=[name, "date"],
                    condition=None if name == "wallet" else Q(**{f"{name}__isnull": False}),
                    name=f"money_tx_{name}_date",
                )
                for name in _FILTERED_REFERENCES
            ),
            # ?min_amount= / ?max_amount=, which compare the absolute amount.
            models.Index(F("ledger"), Abs("amount"), name="money_tx_ledger_abs_amount"),
            models.Index(
                fields=["ledger", "created_at"],
                condition=Q(allocation_status="pending"),
                name="money_tx_pending",
            ),
            # An import's duplicate lookup by bank id, and the ?external_id= filter. Not a
            # partial index (external_id <> ''): SQLite then searched it by that range
            # instead of by the id, a scan per row (20 000 rows: 36 s instead of 0.4 s).
            models.Index(fields=["ledger", "external_id", "wallet"], name="money_tx_external_id"),
            *(
                models.Index(
                    fields=[name],
                    condition=Q(**{f"{name}__isnull": False}),
                    name=f"money_tx_{name}",
                )
                for name in _SPARSE_REFERENCES
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} on {self.date}"

    def save(self, *args, **kwargs) -> None:
        # Written without the services (a test, a shell): in the ledger's currency.
        if self.base_amount is None:
            self.base_amount = self.amount
        if not self.currency:
            self.currency = self.ledger.currency
        super().save(*args, **kwargs)


# The fields a transaction has and a recurring template has not, as the API, the CSV
# export and the ledger document carry them.
TRANSACTION_ONLY_FIELDS = ("external_id",)
# SPEC §14's fields of TransactionFields: the other plain fields are SPEC §2's.
CURRENCY_FIELDS = ("to_amount", "foreign_amount", "foreign_currency")


class TransactionSplit(models.Model):
    """One line of a split income or expense (SPEC §13): a part of the amount in its own
    category. An expense line leaves its own bucket (None: the transaction's). The lines of
    a transaction add up to its amount exactly."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The transaction's ledger (README "Distributing by ledger"): its own column, so that
    # a distributed database keeps a ledger's rows together; always the transaction's.
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+", db_index=False)
    transaction = models.ForeignKey(Transaction, on_delete=models.CASCADE, related_name="splits")
    category = models.ForeignKey(Category, on_delete=models.RESTRICT, related_name="+")
    bucket = models.ForeignKey(
        Bucket, null=True, blank=True, on_delete=models.RESTRICT, related_name="+"
    )
    amount = MoneyField()
    # The line's part of the transaction's base_amount (largest remainder); = amount in the
    # base currency.
    base_amount = MoneyField()
    description = models.CharField(max_length=255, blank=True, default="")
    position = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = "split line"
        constraints = [
            models.UniqueConstraint(
                fields=["transaction", "position"], name="money_split_position_unique"
            ),
        ]
        indexes = [
            # The ?category= filter reads the transactions with a line in the category
            # from this index alone (an index-only scan), never the lines themselves.
            models.Index(fields=["category", "transaction"], name="money_split_category_tx"),
            # A ledger's lines in transaction order (the export, the rollup check).
            models.Index(
                fields=["ledger", "transaction", "position"], name="money_split_ledger_tx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} in {self.category_id}"


class Allocation(models.Model):
    """The part of a split income that went to one bucket. What stays in Unallocated
    is not a row."""

    id = models.BigAutoField(primary_key=True)
    # The transaction's ledger, as a split line's.
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+", db_index=False)
    transaction = models.ForeignKey(
        Transaction, on_delete=models.CASCADE, related_name="allocations"
    )
    bucket = models.ForeignKey(Bucket, on_delete=models.RESTRICT, related_name="allocations")
    amount = MoneyField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["transaction", "bucket"], name="money_allocation_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["ledger", "transaction"], name="money_allocation_ledger_tx"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.bucket_id}"


class Rollup(models.Model):
    """Signed balance movements summed per ledger, month, kind, wallet, bucket and category.

    Kept in step with every write in the same database transaction, so balances and
    reports read a few hundred rows instead of a ledger's whole history. `amount` is the
    effect on balances (an expense is negative); `count` is the number of movements.
    """

    id = models.BigAutoField(primary_key=True)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    wallet_id = models.UUIDField()
    bucket_id = models.UUIDField()
    category_id = models.UUIDField()
    amount = MoneyField(default=0)  # in the wallet's currency (no wallet: the base)
    base_amount = MoneyField(default=0)  # in the ledger's currency (SPEC §14)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "month", "kind", "wallet_id", "bucket_id", "category_id"],
                name="money_rollup_key",
            ),
        ]
        indexes = [
            # A wallet's balance, and its balance before a month (the running balance of
            # its register), read from this index alone.
            models.Index(
                fields=["ledger", "wallet_id", "month"],
                include=["amount"],
                name="money_rollup_wallet_month",
            ),
            models.Index(fields=["ledger", "bucket_id"], name="money_rollup_bucket"),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.month:%Y-%m} {self.kind}: {self.amount}"


class DailyRollup(models.Model):
    """Income and expense movements summed per ledger, day, kind, wallet and bucket: the
    monthly report's `days` read a month of these (at most days by wallets by buckets by 2
    rows) instead of the month's transactions.

    The same legs as the monthly rollup (money.rollup), written by the same `rollup_apply`
    in the same database transaction, rebuilt and checked with it (`rollup_check`).
    """

    id = models.BigAutoField(primary_key=True)
    ledger = models.ForeignKey(Ledger, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    wallet_id = models.UUIDField()
    bucket_id = models.UUIDField()
    # In the ledger's currency: the days of a report are base amounts (SPEC §14), so this
    # rollup keeps only those (for a single-currency ledger, the amounts themselves).
    amount = MoneyField(default=0)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ledger", "date", "kind", "wallet_id", "bucket_id"],
                name="money_dailyrollup_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ledger_id} {self.date} {self.kind}: {self.amount}"
