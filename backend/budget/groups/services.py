"""Every write about groups, participants and expenses (SPEC §15). Each expense write keeps
the participants' running `paid`/`owed` totals, the group's activity feed and the
connected ledgers' mirrored transactions in the same database transaction."""

import logging
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from budget.accounts.models import User
from budget.common.currencies import amount_str, places
from budget.common.errors import Conflict, Invalid, NotFound
from budget.common.money import MAX_AMOUNT, amount_check, money_units
from budget.groups import mirroring
from budget.groups.models import Activity, Connection, Expense, Group, Participant, Payer, Share
from budget.groups.splitting import SplitError, converted, split_by_weights, split_weights
from budget.ledgers.models import Invitation, InvitationKind, Membership, Role
from budget.money.models import Category, Wallet, WalletKind

logger = logging.getLogger(__name__)


def _group_locked(group: Group) -> Group:
    return Group.objects.select_for_update().get(pk=group.pk)


def _logged(group: Group, actor: User | None, action: str, expense_id, summary: str, changes=None):
    Activity.objects.create(
        group=group,
        actor=actor,
        action=action,
        expense_id=expense_id,
        summary=summary[:255],
        changes=changes or {},
    )


# --- Groups -------------------------------------------------------------------------------


def group_create(*, name: str, currency: str, user: User) -> Group:
    """A new group with its creator as the first participant, linked and admin."""
    with transaction.atomic():
        group = Group.objects.create(name=name, currency=currency, created_by=user)
        Participant.objects.create(
            group=group,
            name=(user.full_name or user.email)[:100],
            email=user.email,
            user=user,
            admin=True,
        )
    return group


def group_update(*, group: Group, **changes: Any) -> Group:
    with transaction.atomic():
        group = _group_locked(group)
        currency = changes.get("currency", group.currency)
        connected = Connection.objects.filter(participant__group=group).exists()
        if currency != group.currency and (group.expenses.exists() or connected):
            raise Conflict(
                "The currency of a group with expenses or connected ledgers cannot change.",
                code="group_in_use",
            )
        for name, value in changes.items():
            setattr(group, name, value)
        group.save()
    return group


def group_delete(*, group: Group) -> None:
    """Deletes the group and its expenses; mirrored transactions stay in their ledgers as
    ordinary ones (their `group_expense` becomes null)."""
    with transaction.atomic():
        group.delete()


# --- Participants -------------------------------------------------------------------------


def participant_create(
    *,
    group: Group,
    name: str,
    email: str | None = None,
    admin: bool = False,
    payment_link: str = "",
    invited_by: User,
) -> Participant:
    """A guest, or with `email` a person invited (SPEC §16) who is linked on accepting."""
    with transaction.atomic():
        group = _group_locked(group)
        if email:
            email = User.objects.normalize_email(email).lower()
            taken = group.participants.filter(Q(email__iexact=email) | Q(user__email__iexact=email))
            if taken.exists():
                raise Conflict(
                    "Someone with this email address is already in the group.",
                    code="participant_exists",
                )
        participant = Participant.objects.create(
            group=group, name=name, email=email or "", admin=admin, payment_link=payment_link
        )
        if email:
            Invitation.objects.update_or_create(
                kind=InvitationKind.GROUP,
                group=group,
                email=email,
                defaults={"role": Role.EDITOR, "invited_by": invited_by},
            )
            inviter = invited_by.full_name or invited_by.email
            transaction.on_commit(lambda: _invitation_mail(email, group.name, inviter))
    return participant


def _invitation_mail(email: str, name: str, inviter: str) -> None:
    """A mail is a courtesy: the invitation waits in the app whether or not it arrives."""
    try:
        send_mail(
            subject=f"{inviter} invited you to the group {name}",
            message=(
                f'{inviter} added you to the group "{name}" to share expenses.\n\n'
                "Sign in (or register with this email address) and accept the invitation "
                "on the Home page. If you did not expect it, decline it or ignore this mail."
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[email],
        )
    except Exception:
        logger.exception("The group invitation mail to %s was not sent.", email)


def group_invitation_accept(*, invitation: Invitation, user: User) -> dict[str, Any]:
    """Links `user` to the participant invited by that email (a user already in the group
    stays who they are) and removes the invitation."""
    group = _group_locked(invitation.group)
    if not group.participants.filter(user=user).exists():
        participant = (
            group.participants.select_for_update()
            .filter(email__iexact=invitation.email, user__isnull=True)
            .order_by("created_at")
            .first()
        )
        if participant is not None:
            participant.user = user
            participant.save(update_fields=["user"])
    invitation.delete()
    return {"kind": "group", "id": group.pk, "name": group.name, "currency": group.currency}


def participant_update(*, participant: Participant, **changes: Any) -> Participant:
    for name, value in changes.items():
        setattr(participant, name, value)
    participant.save()
    return participant


def participant_delete(*, participant: Participant) -> None:
    with transaction.atomic():
        _group_locked(participant.group)
        used = (
            Payer.objects.filter(participant=participant).exists()
            or Share.objects.filter(participant=participant).exists()
        )
        if used:
            raise Conflict(
                f"{participant.name} appears in expenses of this group and cannot be removed.",
                code="participant_in_use",
            )
        if participant.user_id and participant.user_id == participant.group.created_by_id:
            raise Conflict("The group's creator cannot be removed.", code="participant_creator")
        if participant.email:
            Invitation.objects.filter(
                kind=InvitationKind.GROUP, group=participant.group, email=participant.email
            ).delete()
        participant.delete()


# --- Connections to a personal ledger -----------------------------------------------------


def connection_set(
    *,
    participant: Participant,
    user: User,
    ledger_id: UUID,
    loan_wallet_id: UUID,
    pay_wallet_id: UUID,
    category_id: UUID | None = None,
) -> Connection:
    """Connects the participant's share of the group to one of `user`'s ledgers (an editor
    there). The ledger may have any base currency; the loan wallet is in the group's, the
    pay wallet in any (SPEC §15). The group's existing expenses that involve them are
    mirrored at once (in the same database transaction), and every expense write from now
    on; what their earlier connections made in this ledger is adopted and brought up to
    date (`connection_mirror`), what they made in another ledger stays there as ordinary
    transactions."""
    errors = []
    membership = (
        Membership.objects.select_related("ledger").filter(ledger_id=ledger_id, user=user).first()
    )
    if membership is None or Role(membership.role).rank < Role.EDITOR.rank:
        raise Invalid(
            "Choose a ledger you can edit.",
            errors=[{"field": "ledger", "message": "Not a ledger you are an editor of."}],
        )
    ledger = membership.ledger
    wallets = {w.pk: w for w in Wallet.objects.filter(ledger=ledger, archived=False)}
    loan = wallets.get(loan_wallet_id)
    currency = participant.group.currency
    if loan is None or loan.kind != WalletKind.LOAN:
        errors.append({"field": "loan_wallet", "message": "Choose an active loan wallet."})
    elif (loan.currency or ledger.currency) != currency:
        errors.append(
            {
                "field": "loan_wallet",
                "message": f"Choose a loan wallet in the group's currency ({currency}).",
            }
        )
    pay = wallets.get(pay_wallet_id)
    if pay is None or pay.kind == WalletKind.LOAN:
        errors.append(
            {
                "field": "pay_wallet",
                "message": "Choose an active wallet other than the loan wallet.",
            }
        )
    if (
        category_id is not None
        and not Category.objects.filter(
            ledger=ledger, pk=category_id, type="expense", archived=False
        ).exists()
    ):
        errors.append({"field": "category", "message": "Choose an active expense category."})
    if errors:
        raise Invalid("The connection cannot be made.", errors=errors)
    with transaction.atomic():
        _group_locked(participant.group)  # no expense write slips between mirror and connect
        Connection.objects.filter(participant=participant).delete()
        connection = Connection.objects.create(
            participant=participant,
            ledger=ledger,
            loan_wallet=loan,
            pay_wallet=pay,
            category_id=category_id,
        )
        mirroring.connection_mirror(connection=connection)
    return connection


def connection_delete(*, connection: Connection) -> None:
    """Stops the mirroring; what it made stays in the ledger as ordinary transactions (they
    keep their `group_expense` and `group_participant`, so a reconnection to this ledger
    adopts them and mirrors nothing twice)."""
    connection.delete()


# --- Expenses -----------------------------------------------------------------------------


class Checked(NamedTuple):
    """An expense's input, checked: its currency and rate (None in the group's currency),
    the amount in the group's currency, who paid what in the expense's currency (`given`)
    and in the group's (`payers`), and the shares `[(participant id, value, owed)]` owed in
    the group's currency."""

    currency: str
    rate: Decimal | None
    group_amount: Decimal
    given: list
    payers: list
    shares: list


def _in_group_currency(group: Group, data: dict[str, Any], errors: list) -> tuple:
    """The expense's currency, rate and amount in the group's currency (SPEC §15)."""
    amount: Decimal = data["amount"]
    currency = data.get("currency") or group.currency
    rate = data.get("rate")
    if currency == group.currency:
        if rate is not None and rate != 1:
            errors.append(
                {
                    "field": "rate",
                    "message": f"An expense in {group.currency}, the group's currency, "
                    "takes no rate.",
                }
            )
        return currency, None, amount
    if rate is None:
        errors.append(
            {
                "field": "rate",
                "message": f"Give the rate for {currency}: how many {group.currency} one "
                f"{currency} is worth.",
            }
        )
        return currency, None, amount
    if rate <= 0:
        errors.append({"field": "rate", "message": "A rate is above 0."})
        return currency, rate, amount
    group_amount = converted(amount, rate, places(group.currency))
    if group_amount <= 0:
        errors.append(
            {
                "field": "rate",
                "message": f"At this rate the expense comes to "
                f"{amount_str(Decimal(0), group.currency)} {group.currency}.",
            }
        )
    elif group_amount > MAX_AMOUNT:
        errors.append(
            {
                "field": "amount",
                "message": f"At this rate the expense is too large in {group.currency}.",
            }
        )
    return currency, rate, group_amount


def _checked(group: Group, data: dict[str, Any]) -> Checked:
    """An expense's input checked and split, or a 422 naming every field at fault."""
    errors = []
    members = set(group.participants.values_list("pk", flat=True))
    amount: Decimal = data["amount"]
    code = data.get("currency") or group.currency
    try:
        amount_check(amount, code)
    except ValueError as error:
        raise Invalid(
            "The expense is invalid; nothing was saved.",
            errors=[{"field": "amount", "message": str(error)}],
        ) from error
    currency, rate, group_amount = _in_group_currency(group, data, errors)
    payers = [(p["participant"], p["amount"]) for p in data["paid_by"]]
    payers_exact = True  # every payer's amount has at most the currency's decimals
    if not payers:
        errors.append({"field": "paid_by", "message": "Name who paid."})
    for index, (who, paid) in enumerate(payers):
        if who not in members:
            errors.append(
                {"field": f"paid_by.{index}.participant", "message": "Not a participant."}
            )
        if paid <= 0:
            errors.append({"field": f"paid_by.{index}.amount", "message": "Must be above 0."})
        else:
            try:
                amount_check(paid, currency)
            except ValueError as error:
                errors.append({"field": f"paid_by.{index}.amount", "message": str(error)})
                payers_exact = False
    if len({who for who, _ in payers}) != len(payers):
        errors.append({"field": "paid_by", "message": "Name each participant at most once."})
    if payers and payers_exact and sum(p for _, p in payers) != amount:
        errors.append(
            {
                "field": "paid_by",
                "message": "The payers' amounts add up to "
                f"{amount_str(sum(p for _, p in payers), currency)}, "
                f"not {amount_str(amount, currency)}.",
            }
        )
    split = data["split"]
    parts = [(p["participant"], p.get("value")) for p in split["parts"]]
    for index, (who, _) in enumerate(parts):
        if who not in members:
            errors.append(
                {"field": f"split.parts.{index}.participant", "message": "Not a participant."}
            )
    if len({who for who, _ in parts}) != len(parts):
        errors.append({"field": "split.parts", "message": "Name each participant at most once."})
    if data.get("is_payment"):
        if len(payers) != 1 or split["mode"] != "exact" or len(parts) != 1:
            errors.append(
                {
                    "field": "split",
                    "message": "A payment is paid by one participant to one other (exact split).",
                }
            )
        elif payers[0][0] == parts[0][0]:
            errors.append({"field": "split", "message": "A payment goes to someone else."})
    owed: list[Decimal] = []
    try:
        weights = split_weights(
            split["mode"], amount, [value for _, value in parts], places(currency), currency
        )
        owed = split_by_weights(group_amount, weights, places(group.currency))
    except SplitError as error:
        errors.append({"field": error.field, "message": error.message})
    if errors:
        raise Invalid("The expense is invalid; nothing was saved.", errors=errors)
    shares = [
        (who, "" if split["mode"] == "equal" or value is None else _plain(value), due)
        for (who, value), due in zip(parts, owed, strict=True)
    ]
    # What each paid in the group's currency: the group amount split by what they paid, so
    # the parts add up to it exactly (and equal what they paid in the group's currency).
    paid = split_by_weights(group_amount, [Fraction(a) for _, a in payers], places(group.currency))
    in_group = [(who, part) for (who, _), part in zip(payers, paid, strict=True)]
    return Checked(currency, rate, group_amount, payers, in_group, shares)


def _plain(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


def _totals_apply(payers: list, shares: list, sign: int) -> None:
    """Adds (sign 1) or takes back (sign -1) an expense's payers and shares from the
    participants' running totals."""
    paid: dict[UUID, Decimal] = {}
    owed: dict[UUID, Decimal] = {}
    for who, amount in payers:
        paid[who] = paid.get(who, Decimal(0)) + amount
    for who, _, due in shares:
        owed[who] = owed.get(who, Decimal(0)) + due
    for who in sorted(set(paid) | set(owed)):
        Participant.objects.filter(pk=who).update(
            paid=F("paid") + _cents(sign * paid.get(who, 0)),
            owed=F("owed") + _cents(sign * owed.get(who, 0)),
        )


def _cents(value: Decimal) -> int:
    # F() arithmetic works on the stored integers (MoneyField: thousandths).
    return money_units(value)


def _rows_of(expense: Expense) -> tuple[list, list, list]:
    """What each payer gave (expense currency), the payers and the shares (group currency)."""
    payer_rows = list(expense.payers.all())
    given = [(p.participant_id, p.amount) for p in payer_rows]
    payers = [(p.participant_id, p.paid) for p in payer_rows]
    shares = [(s.participant_id, s.value, s.owed) for s in expense.shares.all()]
    return given, payers, shares


def _rows_write(expense: Expense, checked: Checked) -> None:
    Payer.objects.bulk_create(
        [
            Payer(expense=expense, participant_id=who, amount=amount, paid=paid, position=i)
            for i, ((who, amount), (_, paid)) in enumerate(
                zip(checked.given, checked.payers, strict=True)
            )
        ]
    )
    Share.objects.bulk_create(
        [
            Share(expense=expense, participant_id=who, value=value, owed=due, position=i)
            for i, (who, value, due) in enumerate(checked.shares)
        ]
    )


EXPENSE_FIELDS = ("title", "amount", "date", "category_name", "notes")
# What the activity feed names when it changed: the fields, and the currency and rate.
LOGGED_FIELDS = (*EXPENSE_FIELDS, "currency", "rate")


def _summary(expense: Expense) -> str:
    kind = "payment" if expense.is_payment else "expense"
    currency = f" {expense.currency}" if expense.rate is not None else ""
    return f"{kind} {amount_str(expense.amount, expense.currency)}{currency} {expense.title}"


def expense_create(*, group: Group, data: dict[str, Any], user: User | None) -> Expense:
    with transaction.atomic():
        group = _group_locked(group)
        checked = _checked(group, data)
        expense = Expense.objects.create(
            group=group,
            currency=checked.currency,
            rate=checked.rate,
            group_amount=checked.group_amount,
            is_payment=bool(data.get("is_payment")),
            split_mode=data["split"]["mode"],
            created_by=user,
            **{name: data.get(name) or "" for name in ("category_name", "notes")},
            **{name: data[name] for name in ("title", "amount", "date")},
        )
        _rows_write(expense, checked)
        _totals_apply(checked.payers, checked.shares, 1)
        _logged(group, user, "create", expense.pk, _summary(expense))
        mirroring.expense_mirror(expense=expense, payers=checked.payers, shares=checked.shares)
    return expense


def expense_update(*, expense: Expense, changes: dict[str, Any], user: User | None) -> Expense:
    """Applies `changes` (a PATCH: `paid_by` and `split` are replaced whole). A new currency
    without a rate drops the old rate (the group's currency takes none; another needs one)."""
    with transaction.atomic():
        group = _group_locked(expense.group)
        expense = Expense.objects.get(pk=expense.pk)
        old_given, old_payers, old_shares = _rows_of(expense)
        before = {name: getattr(expense, name) for name in LOGGED_FIELDS}
        data = {
            **before,
            "is_payment": expense.is_payment,
            "paid_by": [{"participant": w, "amount": a} for w, a in old_given],
            "split": {
                "mode": expense.split_mode,
                "parts": [
                    {"participant": w, "value": Decimal(v) if v else None} for w, v, _ in old_shares
                ],
            },
            **changes,
        }
        if (
            "currency" in changes
            and "rate" not in changes
            and changes["currency"] != before["currency"]
        ):
            data["rate"] = None
        checked = _checked(group, data)
        for name in EXPENSE_FIELDS:
            setattr(expense, name, data[name] if data[name] is not None else "")
        expense.currency, expense.rate = checked.currency, checked.rate
        expense.group_amount = checked.group_amount
        expense.split_mode = data["split"]["mode"]
        expense.save()
        expense.payers.all().delete()
        expense.shares.all().delete()
        _rows_write(expense, checked)
        _totals_apply(old_payers, old_shares, -1)
        _totals_apply(checked.payers, checked.shares, 1)
        diff = {
            name: [_json(before[name]), _json(getattr(expense, name))]
            for name in LOGGED_FIELDS
            if before[name] != getattr(expense, name)
        }
        new_split = (checked.given, [s[::2] for s in checked.shares])
        if (old_given, [s[::2] for s in old_shares]) != new_split:
            diff["split"] = ["…", "…"]
        _logged(group, user, "update", expense.pk, _summary(expense), diff)
        mirroring.expense_mirror(expense=expense, payers=checked.payers, shares=checked.shares)
    return expense


def _json(value: Any) -> Any:
    if isinstance(value, Decimal) and value.as_tuple().exponent < -2:  # a rate: "0.95"
        return format(value.normalize(), "f")
    return value if isinstance(value, str | int | type(None)) else str(value)


def expense_delete(*, expense: Expense, user: User | None) -> None:
    with transaction.atomic():
        group = _group_locked(expense.group)
        _, payers, shares = _rows_of(expense)
        mirroring.expense_mirror(expense=expense, payers=[], shares=[], deleted=True)
        _totals_apply(payers, shares, -1)
        _logged(group, user, "delete", expense.pk, _summary(expense))
        expense.delete()


def settlement_create(
    *, group: Group, payer: UUID, receiver: UUID, amount: Decimal, date, user: User | None
) -> Expense:
    """Records money handed over: a payment expense from `payer` to `receiver`, in the
    group's currency."""
    try:
        amount_check(amount, group.currency)
    except ValueError as error:
        raise Invalid(
            "The settlement is invalid; nothing was saved.",
            errors=[{"field": "amount", "message": str(error)}],
        ) from error
    names = dict(group.participants.filter(pk__in=[payer, receiver]).values_list("pk", "name"))
    title = f"{names.get(payer, '?')} paid {names.get(receiver, '?')}"
    return expense_create(
        group=group,
        data={
            "title": title[:200],
            "amount": amount,
            "date": date,
            "is_payment": True,
            "paid_by": [{"participant": payer, "amount": amount}],
            "split": {"mode": "exact", "parts": [{"participant": receiver, "value": amount}]},
        },
        user=user,
    )


def participants_totals_rebuild(*, group: Group) -> None:
    """Recomputes every participant's `paid` and `owed` from the expenses (one statement):
    for data written around the services, such as the benchmark's."""
    paid = Payer.objects.filter(participant=OuterRef("pk")).values("participant")
    owed = Share.objects.filter(participant=OuterRef("pk")).values("participant")
    group.participants.update(
        paid=Coalesce(Subquery(paid.annotate(t=Sum("paid")).values("t")), Value(0)),
        owed=Coalesce(Subquery(owed.annotate(t=Sum("owed")).values("t")), Value(0)),
    )


def expense_get(*, group: Group, expense_id: UUID) -> Expense:
    expense = Expense.objects.filter(group=group, pk=expense_id).first()
    if expense is None:
        raise NotFound("Expense not found.")
    return expense
