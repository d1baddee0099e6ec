"""The split rule of SPEC §3, as properties and as the spec's worked cases."""

import random
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from budget.money.allocation import Share, split

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def shares(*percents: str) -> list[Share]:
    return [
        Share(uuid.UUID(int=i + 1), Decimal(p), T0 + timedelta(seconds=i))
        for i, p in enumerate(percents)
    ]


amounts = st.integers(min_value=1, max_value=99_999_999_999_999).map(
    lambda c: Decimal(c).scaleb(-2)
)


@st.composite
def bucket_sets(draw) -> list[Share]:
    count = draw(st.integers(0, 8))
    left = 10_000
    result = []
    for i in range(count):
        hundredths = draw(st.integers(0, left))
        left -= hundredths
        result.append(
            Share(uuid.UUID(int=i + 1), Decimal(hundredths).scaleb(-2), T0 + timedelta(seconds=i))
        )
    return result


@given(amounts, bucket_sets())
def test_parts_add_up_to_the_amount_exactly(amount, buckets):
    parts, rest = split(amount, buckets)
    assert sum(parts.values(), Decimal(0)) + rest == amount
    assert all(part.as_tuple().exponent == -2 for part in [*parts.values(), rest])


@given(amounts, bucket_sets())
def test_each_part_is_within_one_cent_of_its_exact_share(amount, buckets):
    parts, rest = split(amount, buckets)
    for share in buckets:
        exact = Fraction(amount) * Fraction(share.percent) / 100
        assert abs(Fraction(parts.get(share.bucket_id, Decimal(0))) - exact) < Fraction(1, 100)
    exact_rest = Fraction(amount) * (100 - sum(Fraction(s.percent) for s in buckets)) / 100
    assert abs(Fraction(rest) - exact_rest) < Fraction(1, 100)


@given(amounts, bucket_sets(), st.randoms())
def test_split_is_deterministic_whatever_the_order(amount, buckets, rnd):
    shuffled = buckets[:]
    rnd.shuffle(shuffled)
    assert split(amount, buckets) == split(amount, shuffled)


@given(amounts, bucket_sets())
def test_zero_percent_buckets_get_nothing_and_no_zero_rows(amount, buckets):
    parts, _ = split(amount, buckets)
    for share in buckets:
        if share.percent == 0:
            assert share.bucket_id not in parts
    assert all(part > 0 for part in parts.values())


def test_even_split_without_remainder():
    parts, rest = split(Decimal("1000.00"), shares("40.00", "35.00"))
    assert list(parts.values()) == [Decimal("400.00"), Decimal("350.00")]
    assert rest == Decimal("250.00")


def test_unallocated_loses_every_tie():
    # 0.01 split 50/50 between a bucket and Unallocated: equal remainders, the bucket wins.
    parts, rest = split(Decimal("0.01"), shares("50.00"))
    assert parts == {uuid.UUID(int=1): Decimal("0.01")}
    assert rest == Decimal("0.00")


def test_thirds_give_the_spare_cent_to_a_bucket_not_unallocated():
    parts, rest = split(Decimal("100.00"), shares("33.33", "33.33"))
    # exact: 33.33, 33.33, rest 33.34 — no spare cents at all here
    assert parts == {uuid.UUID(int=1): Decimal("33.33"), uuid.UUID(int=2): Decimal("33.33")}
    assert rest == Decimal("33.34")


def test_ties_between_buckets_go_to_larger_percent_then_older():
    # 0.05 over 25 / 25 / 20 / 20 (rest 10): exact 1.25, 1.25, 1.0, 1.0, 0.5 cents.
    parts, rest = split(Decimal("0.05"), shares("25.00", "25.00", "20.00", "20.00"))
    one = Decimal("0.01")
    assert parts == {
        uuid.UUID(int=1): one,
        uuid.UUID(int=2): one,
        uuid.UUID(int=3): one,
        uuid.UUID(int=4): one,
    }
    assert (
        rest == one
    )  # remainders 0.25, 0.25, 0, 0, 0.5: the spare cent goes to rest (0.5 largest)

    # 0.03 over 30 / 30 / 30 (rest 10): exact 0.9, 0.9, 0.9, 0.3 → floors 0 each; 3 spare cents.
    parts, rest = split(Decimal("0.03"), shares("30.00", "30.00", "30.00"))
    assert sorted(parts) == [uuid.UUID(int=1), uuid.UUID(int=2), uuid.UUID(int=3)]
    assert rest == Decimal("0.00")

    # 0.01 over 10 / 20 / 20 (rest 50): remainders 0.1, 0.2, 0.2, 0.5 → Unallocated wins it.
    parts, rest = split(Decimal("0.01"), shares("10.00", "20.00", "20.00"))
    assert parts == {}
    assert rest == Decimal("0.01")

    # 0.01 over 50 / 50: equal remainders, same percent → the bucket created first.
    parts, rest = split(Decimal("0.01"), shares("50.00", "50.00"))
    assert parts == {uuid.UUID(int=1): Decimal("0.01")}

    # 0.01 over 30 (older) / 30 … both 0.3; with a 40 % bucket too: 0.4 wins.
    parts, _ = split(Decimal("0.01"), shares("30.00", "30.00", "40.00"))
    assert parts == {uuid.UUID(int=3): Decimal("0.01")}


def test_larger_percent_wins_a_tie_over_older_bucket():
    # 0.02 at 25 % and 75 %: exact 0.5 and 1.5 cents → floors 0, 1; one spare cent,
    # remainders tie at 0.5 → the larger percent (75 %, created second) wins.
    parts, rest = split(Decimal("0.02"), shares("25.00", "75.00"))
    assert parts == {uuid.UUID(int=2): Decimal("0.02")}
    assert rest == Decimal("0.00")


def test_no_buckets_leaves_everything_unallocated():
    assert split(Decimal("12.34"), []) == ({}, Decimal("12.34"))


def test_large_random_amounts_stay_exact():
    rnd = random.Random(7)
    for _ in range(200):
        amount = Decimal(rnd.randint(1, 99_999_999_999_999)).scaleb(-2)
        parts, rest = split(amount, shares("12.34", "0.01", "33.33", "50.00"))
        assert sum(parts.values()) + rest == amount
