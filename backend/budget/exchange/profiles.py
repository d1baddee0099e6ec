"""Import profiles (SPEC §11): a ledger's saved import options, named once and picked at
each upload (`profile` in the import's form), where single options may be overridden."""

from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction

from budget.common.errors import Conflict, Invalid
from budget.exchange.models import ImportProfile
from budget.ledgers.models import Ledger
from budget.money.models import Wallet


def _wallet_check(ledger_id: UUID, wallet: UUID | None) -> None:
    if wallet is not None and not Wallet.objects.filter(ledger_id=ledger_id, pk=wallet).exists():
        raise Invalid("No such wallet in this ledger.", field="wallet")


def _save(profile: ImportProfile) -> None:
    """Saves; a taken name or wallet is a 409 that says which."""
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError as error:
        others = ImportProfile.objects.filter(ledger_id=profile.ledger_id).exclude(pk=profile.pk)
        if profile.wallet_id and others.filter(wallet_id=profile.wallet_id).exists():
            raise Conflict(
                "Another import profile is already this wallet's default.", code="wallet_taken"
            ) from error
        raise Conflict(
            f"An import profile named '{profile.name}' already exists in this ledger.",
            code="name_taken",
        ) from error


def import_profile_create(
    *, ledger: Ledger, name: str, options: dict[str, Any], wallet: UUID | None = None
) -> ImportProfile:
    _wallet_check(ledger.pk, wallet)
    profile = ImportProfile(ledger=ledger, name=name, options=options, wallet_id=wallet)
    _save(profile)
    return profile


def import_profile_update(*, profile: ImportProfile, changes: dict[str, Any]) -> ImportProfile:
    """Applies `changes` (name, options, wallet); `options` replaces the saved ones whole."""
    if "wallet" in changes:
        _wallet_check(profile.ledger_id, changes["wallet"])
        profile.wallet_id = changes["wallet"]
    for name in ("name", "options"):
        if changes.get(name) is not None:
            setattr(profile, name, changes[name])
    _save(profile)
    return profile


def import_profile_delete(*, profile: ImportProfile) -> None:
    profile.delete()


def import_options_merge(
    *, ledger: Ledger, form: dict[str, Any], given: set[str]
) -> dict[str, Any]:
    """The options of an import: the form's, where `form["profile"]` names a profile its
    options for every field the form did not give (`given`); the profile's wallet is the
    default wallet unless an option names one. Another ledger's profile → 422 `profile`."""
    profile_id = form.pop("profile", None)
    if profile_id is None:
        return form
    profile = ImportProfile.objects.filter(ledger=ledger, pk=profile_id).first()
    if profile is None:
        raise Invalid("No such import profile in this ledger.", field="profile")
    merged = {**form, **{k: v for k, v in profile.options.items() if k not in given}}
    if not merged.get("wallet") and profile.wallet_id:
        merged["wallet"] = str(profile.wallet_id)
    return merged
