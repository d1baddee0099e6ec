"""Removes the demo data that `seed` made."""

from graphlib import CycleError, TopologicalSorter
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Model, ProtectedError, RestrictedError

from budget.accounts import services as account_services
from budget.accounts.models import User
from budget.common.errors import Conflict
from budget.ledgers import services as ledger_services
from budget.ledgers.models import Ledger
from budget.money import services
from budget.money.models import Allocation, Transaction


def _finance_models() -> list[type[Model]]:
    """Every model that holds a ledger's finance data: those with a foreign key to Ledger,
    outside the accounts and ledgers apps. Found rather than listed, so models that later
    apps add (imports, recurring, budgets, ...) are cleared too. Ordered so that a model
    comes before the models it refers to (a transaction before its wallet), since those
    references protect what they point at."""
    models = [
        model
        for model in apps.get_models()
        if model._meta.app_label not in {"accounts", "ledgers"}
        and any(
            field.many_to_one and field.related_model is Ledger
            for field in model._meta.concrete_fields
        )
    ]
    referrers: dict[type[Model], set[type[Model]]] = {model: set() for model in models}
    for model in models:
        for field in model._meta.concrete_fields:
            if (
                field.many_to_one
                and field.related_model in referrers
                and field.related_model is not model
            ):
                referrers[field.related_model].add(model)
    try:
        return list(TopologicalSorter(referrers).static_order())
    except CycleError:
        return models


def _ledger_finance_clear(*, ledger: Ledger) -> int:
    """Deletes every transaction, wallet, bucket and category of the ledger (with anything
    else of it that refers to them), then recreates what a new ledger starts with: the
    Unallocated bucket and the default categories. Returns how many transactions went."""
    with transaction.atomic():
        count = Transaction.objects.filter(ledger=ledger).count()
        # Allocations first: then deleting the transactions cascades to nothing.
        Allocation.objects.filter(ledger=ledger).delete()
        for model in _finance_models():
            try:
                model._default_manager.filter(ledger=ledger).only("pk").delete()
            except (ProtectedError, RestrictedError) as error:
                raise CommandError(
                    f"Could not clear {model._meta.verbose_name_plural}: other data still "
                    "refers to them."
                ) from error
        services.ledger_defaults_create(ledger=ledger)
        ledger_services.ledger_version_bump(ledger_ids=[ledger.pk])  # cached reports are stale
    return count


class Command(BaseCommand):
    help = (
        "Deletes the demo user's finance data: every transaction (with its allocations), "
        "wallet, bucket and category of their default ledger, leaving it as a new ledger "
        "starts: the Unallocated bucket and the default categories. With --all-demo, deletes "
        "the demo user and every ledger they are the only member of instead. The user is "
        "DEMO_USER_EMAIL unless --email names another. Asks for confirmation unless --yes. "
        "Refused in production."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", default=None, help="default: DEMO_USER_EMAIL")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--all-demo",
            action="store_true",
            help="delete the user and their ledgers, not only the finance data",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.IS_PRODUCTION:
            raise CommandError(
                "clear deletes data and is for local use only; refusing in production."
            )
        email = options["email"] or settings.DEMO_USER_EMAIL
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            self.stdout.write(f"No user {email}; nothing to clear.")
            return

        if options["all_demo"]:
            ledgers = [
                ledger
                for ledger in Ledger.objects.filter(memberships__user=user)
                if ledger.memberships.count() == 1
            ]
            what = f"the user {email} and {len(ledgers)} ledger(s) only they use"
        else:
            ledger = user.default_ledger
            if ledger is None:
                raise CommandError(f"{email} has no default ledger.")
            what = f"all finance data of '{ledger.name}' ({email})"
        self._confirm(what, options["yes"])

        if options["all_demo"]:
            try:
                with transaction.atomic():
                    for ledger in ledgers:
                        _ledger_finance_clear(ledger=ledger)  # in dependency order
                    # The ledgers only they use go with them (budget.ledgers).
                    account_services.user_erase(user=user)
            except Conflict as error:
                raise CommandError(error.detail) from error
            self.stdout.write(self.style.SUCCESS(f"Deleted {what}."))
            return
        removed = _ledger_finance_clear(ledger=ledger)
        self.stdout.write(
            self.style.SUCCESS(
                f"Cleared '{ledger.name}' ({email}): {removed} transactions deleted."
            )
        )

    def _confirm(self, what: str, yes: bool) -> None:
        if yes:
            return
        try:
            answer = input(f"This deletes {what}. Type 'yes' to continue: ")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("Cancelled; nothing was deleted. Pass --yes to skip this question.")
