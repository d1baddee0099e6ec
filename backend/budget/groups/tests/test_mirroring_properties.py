"""Any sequence of group writes keeps invariants 1 to 3 in every connected ledger, and each
connected participant's loan wallet holds exactly their group balance (SPEC §2, §15)."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budget.common.errors import Invalid
from budget.groups import selectors, services
from budget.groups.models import Expense
from budget.money import selectors as money_selectors
from budget.money import services as money
from budget.money.models import Transaction
from budget.money.rollup import rollup_drift
from budget.reports import selectors as reports

pytestmark = pytest.mark.django_db

PEOPLE = 4  # alice and bob (both connected), two guests
MODES = ("equal", "shares", "percent", "exact")


@st.composite
def an_expense(draw) -> dict:
    cents = draw(st.integers(1, 10**7))
    payers = draw(st.lists(st.integers(0, PEOPLE - 1), min_size=1, max_size=3, unique=True))
    cuts = sorted(
        draw(st.lists(st.integers(0, cents), min_size=len(payers) - 1, max_size=len(payers) - 1))
    )
    paid = [b - a for a, b in zip([0, *cuts], [*cuts, cents], strict=True)]
    if any(p == 0 for p in paid):
        payers, paid = payers[:1], [cents]
    parts = draw(st.lists(st.integers(0, PEOPLE - 1), min_size=1, max_size=PEOPLE, unique=True))
    mode = draw(st.sampled_from(MODES))
    weights = draw(st.lists(st.integers(1, 1000), min_size=len(parts), max_size=len(parts)))
    return {
        "cents": cents,
        "payers": list(zip(payers, paid, strict=True)),
        "parts": parts,
        "mode": mode,
        "weights": weights,
        "day": draw(st.integers(1, 28)),
    }


actions = st.one_of(
    st.tuples(st.just("create"), an_expense()),
    st.tuples(st.just("edit"), st.integers(0, 50), an_expense()),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(
        st.just("settle"),
        st.integers(0, PEOPLE - 1),
        st.integers(0, PEOPLE - 1),
        st.integers(1, 10**6),
    ),
)


def _values(spec: dict) -> list:
    """The split values of `spec`'s mode, made to satisfy its sum rule."""
    cents, weights, mode = spec["cents"], spec["weights"], spec["mode"]
    if mode == "equal":
        return [None] * len(weights)
    if mode == "shares":
        return [Decimal(w) for w in weights]
    total = 100 * 100 if mode == "percent" else cents
    parts = [total * w // sum(weights) for w in weights]
    parts[0] += total - sum(parts)
    return [Decimal(p).scaleb(-2) for p in parts]


def _data(spec: dict, people: list) -> dict:
    return {
        "title": "Thing",
        "amount": Decimal(spec["cents"]).scaleb(-2),
        "date": date(2025, 3, spec["day"]),
        "paid_by": [
            {"participant": people[i], "amount": Decimal(c).scaleb(-2)} for i, c in spec["payers"]
        ],
        "split": {
            "mode": spec["mode"],
            "parts": [
                {"participant": people[i], "value": v}
                for i, v in zip(spec["parts"], _values(spec), strict=True)
            ],
        },
    }


def _check(group, connections) -> None:
    balances = {b["participant"]: b["balance"] for b in selectors.balances_of(group=group)}
    assert sum(balances.values()) == 0
    for participant, ledger, loan in connections:
        wallets = {w.pk: w.balance for w in money_selectors.wallets_of(ledger=ledger)}
        buckets = [b.balance for b in money_selectors.buckets_of(ledger=ledger)]
        assert sum(wallets.values()) == sum(buckets)  # invariant 1
        assert rollup_drift(ledger_id=ledger.pk) == []
        assert wallets[loan.pk] == balances[participant]  # the loan wallet is the group balance
        year = reports.yearly(ledger=ledger, scope=reports.Scope(), year=2025)  # invariant 3
        expenses = Transaction.objects.filter(ledger=ledger, kind="expense")
        assert year["totals"]["expense"] == sum((t.amount for t in expenses), Decimal(0))
        assert year["totals"]["income"] == 0


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(actions, min_size=1, max_size=10))
def test_group_writes_keep_every_connected_ledger_whole(user, bob, steps):
    savepoint = transaction.savepoint()
    try:
        group = services.group_create(name="Trip", currency="EUR", user=user)
        alice = group.participants.get()
        bob_p = services.participant_create(
            group=group, name="Bob", email=bob.email, invited_by=user
        )
        services.group_invitation_accept(invitation=group_invitation(group), user=bob)
        people = [alice.pk, bob_p.pk]
        people += [
            services.participant_create(group=group, name=n, invited_by=user).pk for n in ("C", "D")
        ]
        connections = []
        for who, person in ((alice, user), (bob_p, bob)):
            ledger = person.default_ledger
            bank = money.wallet_create(ledger=ledger, name="Bank", kind="virtual")
            loan = money.wallet_create(ledger=ledger, name="Group", kind="loan")
            services.connection_set(
                participant=who,
                user=person,
                ledger_id=ledger.pk,
                loan_wallet_id=loan.pk,
                pay_wallet_id=bank.pk,
            )
            connections.append((who.pk, ledger, loan))
        made: list = []
        for step in steps:
            name, *args = step
            if name == "create":
                made.append(
                    services.expense_create(group=group, data=_data(args[0], people), user=user).pk
                )
            elif name == "settle":
                payer, receiver, cents = args
                if payer != receiver:
                    made.append(
                        services.settlement_create(
                            group=group,
                            payer=people[payer],
                            receiver=people[receiver],
                            amount=Decimal(cents).scaleb(-2),
                            date=date(2025, 3, 1),
                            user=user,
                        ).pk
                    )
            elif made:
                expense = Expense.objects.get(pk=made[args[0] % len(made)])
                if name == "delete":
                    made.remove(expense.pk)
                    services.expense_delete(expense=expense, user=user)
                elif not expense.is_payment:
                    services.expense_update(
                        expense=expense, changes=_data(args[1], people), user=user
                    )
            _check(group, connections)
    finally:
        transaction.savepoint_rollback(savepoint)


def group_invitation(group):
    from budget.ledgers.models import Invitation

    return Invitation.objects.get(kind="group", group=group)


def test_an_invalid_edit_changes_nothing(user):
    group = services.group_create(name="Trip", currency="EUR", user=user)
    alice = group.participants.get()
    guest = services.participant_create(group=group, name="G", invited_by=user)
    spec = {
        "cents": 1000,
        "payers": [(0, 1000)],
        "parts": [0, 1],
        "mode": "equal",
        "weights": [1, 1],
        "day": 1,
    }
    expense = services.expense_create(
        group=group, data=_data(spec, [alice.pk, guest.pk]), user=user
    )
    with pytest.raises(Invalid):
        services.expense_update(expense=expense, changes={"amount": Decimal("11.00")}, user=user)
    assert {b["balance"] for b in selectors.balances_of(group=group)} == {
        Decimal("5.00"),
        Decimal("-5.00"),
    }
