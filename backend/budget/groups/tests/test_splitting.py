"""The arithmetic of §15: splits lose or make no cent, settle-up brings every balance to zero
in at most n - 1 transfers, deterministically, and stays put when one suggestion is paid."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget.groups.splitting import (
    SplitError,
    converted,
    settle_up,
    split_by_weights,
    split_weights,
)

D = Decimal


def test_equal_split_gives_the_odd_cent_to_the_first_part():
    assert split_by_weights(D("10.00"), [Fraction(1)] * 3) == [D("3.34"), D("3.33"), D("3.33")]


def test_ties_go_in_the_order_of_the_parts():
    assert split_by_weights(D("0.02"), [Fraction(1)] * 3) == [D("0.01"), D("0.01"), D("0.00")]


def test_largest_remainder_wins_before_order():
    # 1.00 by 1:2 → 0.333… and 0.666…: the second part's remainder is larger.
    assert split_by_weights(D("1.00"), [Fraction(1), Fraction(2)]) == [D("0.33"), D("0.67")]


def test_percent_split_must_add_up_to_exactly_100():
    with pytest.raises(SplitError) as error:
        split_weights("percent", D("10.00"), [D("50"), D("49.99")])
    assert error.value.field == "split.parts"
    assert "99.99" in error.value.message


def test_exact_split_must_add_up_to_the_amount():
    with pytest.raises(SplitError):
        split_weights("exact", D("10.00"), [D("5.00"), D("4.00")])
    assert split_by_weights(D("10.00"), split_weights("exact", D("10.00"), [D("7.50"), D("2.50")]))


def test_shares_must_be_positive():
    with pytest.raises(SplitError) as error:
        split_weights("shares", D("10.00"), [D("1"), D("0")])
    assert error.value.field == "split.parts.1.value"


def test_exact_values_keep_to_cents():
    with pytest.raises(SplitError):
        split_weights("exact", D("1.00"), [D("0.995"), D("0.005")])


amounts = st.decimals(min_value=D("0.01"), max_value=D("999999999.99"), places=2)
weights = st.lists(
    st.decimals(min_value=D("0.001"), max_value=D("1000"), places=3), min_size=1, max_size=30
)


@given(amount=amounts, values=weights)
def test_owed_always_adds_up_to_the_amount(amount, values):
    parts = split_by_weights(amount, [Fraction(v) for v in values])
    assert sum(parts) == amount
    assert all(p >= 0 and p == p.quantize(D("0.01")) for p in parts)
    # Each part is within a cent of its exact share.
    total = sum(values)
    for part, value in zip(parts, values, strict=True):
        assert abs(Fraction(part) - Fraction(amount) * Fraction(value) / Fraction(total)) < 1


@given(amount=amounts, n=st.integers(1, 50))
def test_equal_split_parts_differ_by_at_most_a_cent(amount, n):
    parts = split_by_weights(amount, [Fraction(1)] * n)
    assert sum(parts) == amount
    assert max(parts) - min(parts) <= D("0.01")
    assert parts == sorted(parts, reverse=True)  # the odd cents go to the first parts


cents = st.integers(-10_000_000, 10_000_000)


@st.composite
def balances(draw):
    values = draw(st.lists(cents, min_size=1, max_size=40))
    values.append(-sum(values))  # a group's balances add up to zero
    return [(i, Decimal(v).scaleb(-2)) for i, v in enumerate(values)]


def _apply(rows, transfers):
    left = dict(rows)
    for payer, receiver, amount in transfers:
        left[payer] += amount
        left[receiver] -= amount
    return left


@given(rows=balances())
def test_settle_up_brings_every_balance_to_zero_in_at_most_n_minus_1(rows):
    transfers = settle_up(rows)
    non_zero = sum(1 for _, b in rows if b)
    assert len(transfers) <= max(non_zero - 1, 0)
    assert all(b == 0 for b in _apply(rows, transfers).values())
    balance = dict(rows)
    for payer, receiver, amount in transfers:
        assert balance[payer] < 0 < balance[receiver]
        assert amount > 0
    assert settle_up(list(rows)) == transfers  # deterministic


@given(rows=balances(), pick=st.integers(0, 100))
def test_paying_one_suggestion_leaves_the_others(rows, pick):
    transfers = settle_up(rows)
    if not transfers:
        return
    paid = transfers[pick % len(transfers)]
    left = _apply(rows, [paid])
    after = settle_up([(who, left[who]) for who, _ in rows])
    assert after == [t for t in transfers if t is not paid]


# --- another currency than the group's ------------------------------------------------------


def test_converted_rounds_half_away_from_zero_once():
    assert converted(D("10.01"), D("0.5")) == D("5.01")  # 5.005: away from zero, not to even
    assert converted(D("10.03"), D("0.5")) == D("5.02")  # 5.015
    assert converted(D("100.05"), D("0.9235")) == D("92.40")  # 92.396175
    assert converted(D("0.01"), D("0.000000000001")) == D("0.00")


rates = st.decimals(min_value=D("0.000001"), max_value=D("99999.999999"), places=6)


def _half_away(value: Fraction) -> Decimal:
    cents = value * 100
    whole = int(cents)  # positive: floor
    return Decimal(whole + (1 if cents - whole >= Fraction(1, 2) else 0)).scaleb(-2)


@given(
    amount=amounts,
    rate=rates,
    mode=st.sampled_from(["equal", "shares"]),
    values=weights,
    payers=st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=6),
)
def test_owed_and_paid_add_up_to_the_converted_amount(amount, rate, mode, values, payers):
    """Σ owed = Σ paid = the converted amount, whatever the mode, rate and payers; and the
    converted amount is the exact product rounded half away from zero (computed apart)."""
    group_amount = converted(amount, rate)
    assert group_amount == _half_away(Fraction(amount) * Fraction(rate))
    if group_amount <= 0:
        return
    weights_ = split_weights(mode, amount, values)
    owed = split_by_weights(group_amount, weights_)
    assert sum(owed) == group_amount
    assert all(o >= 0 for o in owed)
    paid = split_by_weights(group_amount, [Fraction(p) for p in payers])
    assert sum(paid) == group_amount
