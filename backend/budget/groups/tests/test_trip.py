"""A 6-person trip of 200 expenses in every split mode (in the group's currency alone, or
half of them in another at changing rates) settles in at most 5 transfers, and recording
them as settlements brings every balance to zero (SPEC §15)."""

import random
from datetime import date
from decimal import Decimal

import pytest

from budget.groups import selectors, services
from budget.groups.splitting import converted

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("currencies", [("EUR",), ("EUR", "USD")])
def test_a_trip_of_200_expenses_settles_in_5_transfers(user, currencies):
    rng = random.Random(7)
    group = services.group_create(name="Trip", currency="EUR", user=user)
    people = [group.participants.get().pk]
    people += [
        services.participant_create(group=group, name=f"Friend {n}", invited_by=user).pk
        for n in range(1, 6)
    ]
    for i in range(200):
        cents = rng.randint(100, 30_000)
        amount = Decimal(cents).scaleb(-2)
        mode = ("equal", "shares", "percent", "exact")[i % 4]
        parts = rng.sample(people, rng.randint(2, 6))
        if mode == "equal":
            values = [None] * len(parts)
        elif mode == "shares":
            values = [Decimal(rng.randint(1, 4)) for _ in parts]
        else:
            total = 10_000 if mode == "percent" else cents
            cuts = sorted(rng.sample(range(1, total), len(parts) - 1))
            values = [
                Decimal(b - a).scaleb(-2) for a, b in zip([0, *cuts], [*cuts, total], strict=True)
            ]
        payers = rng.sample(people, 2)
        first = Decimal(rng.randint(1, cents - 1)).scaleb(-2)
        currency = currencies[i % len(currencies)]
        rate = None if currency == "EUR" else Decimal(rng.randint(8_000, 9_999)).scaleb(-4)
        made = services.expense_create(
            group=group,
            data={
                "title": f"Expense {i}",
                "amount": amount,
                "currency": currency,
                "rate": rate,
                "date": date(2025, 7, 1),
                "paid_by": [
                    {"participant": payers[0], "amount": first},
                    {"participant": payers[1], "amount": amount - first},
                ],
                "split": {
                    "mode": mode,
                    "parts": [
                        {"participant": p, "value": v} for p, v in zip(parts, values, strict=True)
                    ],
                },
            },
            user=user,
        )
        owed = sum(share.owed for share in made.shares.all())
        paid = sum(payer.paid for payer in made.payers.all())
        assert owed == paid == made.group_amount
        assert made.group_amount == (amount if rate is None else converted(amount, rate))
    foreign = group.expenses.filter(rate__isnull=False).count()
    assert foreign == (100 if len(currencies) == 2 else 0)
    balances = selectors.balances_of(group=group)
    assert sum(b["balance"] for b in balances) == 0
    transfers = selectors.settle_up_of(group=group)
    assert len(transfers) <= 5
    for t in transfers:
        services.settlement_create(
            group=group,
            payer=t["from_participant"],
            receiver=t["to"],
            amount=t["amount"],
            date=date(2025, 7, 10),
            user=user,
        )
    assert {b["balance"] for b in selectors.balances_of(group=group)} == {Decimal("0.00")}
    assert selectors.settle_up_of(group=group) == []
