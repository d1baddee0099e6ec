"""rates_find and rates_latest (SPEC §14): the lookup order, the cross rate through the
euro, seven days back and not eight, and a fixed number of queries."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given
from hypothesis import strategies as st

from budget.ledgers.services import ledger_create
from budget.rates.lookup import _through_euro, rates_find, rates_find_detailed, rates_latest
from budget.rates.models import LedgerRate, ReferenceRate
from budget.rates.tests.helpers import own_rate, reference_rates

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 12)


@pytest.fixture
def gbp(user):
    """A ledger kept in pounds."""
    return ledger_create(name="London", owner=user, currency="GBP")


def _one(ledger, currency: str, day: date = DAY) -> Decimal | None:
    return rates_find(ledger_id=ledger.pk, base=ledger.currency, wanted=[(currency, day)])[
        (currency, day)
    ]


def _significant(value: Decimal, exact: Fraction) -> int:
    """How many significant digits of `value` agree with `exact`."""
    error = abs(Fraction(value) - exact) / exact
    digits = 0
    while digits < 60 and error * 10 ** (digits + 1) < 1:
        digits += 1
    return digits


def test_same_currency_as_the_base_is_one_without_a_query(gbp, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert _one(gbp, "GBP") == Decimal(1)


def test_a_missing_rate_is_none_never_one(gbp):
    assert _one(gbp, "USD") is None
    reference_rates(DAY, USD="1.0856")  # the base (GBP) is not published that day
    assert _one(gbp, "USD") is None


def test_the_ledgers_rate_beats_the_reference_rate_of_the_same_day(gbp):
    reference_rates(DAY, USD="1.0856", GBP="0.85932")
    own_rate(gbp, "USD", DAY, "0.79")
    found = rates_find_detailed(ledger_id=gbp.pk, base="GBP", wanted=[("USD", DAY)])
    assert found[("USD", DAY)].rate == Decimal("0.79")
    assert found[("USD", DAY)].source == "ledger"


def test_the_reference_rate_of_the_day_beats_the_ledgers_rate_of_an_earlier_day(gbp):
    own_rate(gbp, "USD", DAY - timedelta(days=1), "0.79")
    reference_rates(DAY, USD="1.25", GBP="1")
    found = rates_find_detailed(ledger_id=gbp.pk, base="GBP", wanted=[("USD", DAY)])
    assert (found[("USD", DAY)].rate, found[("USD", DAY)].source) == (Decimal("0.8"), "reference")


def test_going_back_the_ledgers_rate_of_a_later_day_beats_an_older_reference(gbp):
    reference_rates(DAY - timedelta(days=3), USD="1.25", GBP="1")
    own_rate(gbp, "USD", DAY - timedelta(days=2), "0.79")
    found = rates_find_detailed(ledger_id=gbp.pk, base="GBP", wanted=[("USD", DAY)])
    assert found[("USD", DAY)].rate == Decimal("0.79")
    assert found[("USD", DAY)].date == DAY - timedelta(days=2)


def test_seven_days_back_and_not_eight(gbp):
    own_rate(gbp, "USD", DAY - timedelta(days=8), "0.70")
    assert _one(gbp, "USD") is None
    own_rate(gbp, "USD", DAY - timedelta(days=7), "0.77")
    assert _one(gbp, "USD") == Decimal("0.77")
    assert _one(gbp, "USD", DAY + timedelta(days=1)) is None  # now eight days back


def test_a_rate_of_a_later_day_is_never_used(gbp):
    own_rate(gbp, "USD", DAY + timedelta(days=1), "0.70")
    reference_rates(DAY + timedelta(days=1), USD="1.2", GBP="0.9")
    assert _one(gbp, "USD") is None


def test_another_ledgers_rates_are_not_used(gbp, make_user):
    other = ledger_create(name="Theirs", owner=make_user(), currency="GBP")
    own_rate(other, "USD", DAY, "0.79")
    assert _one(gbp, "USD") is None


def test_a_ledger_rate_is_never_inverted(gbp, user):
    own_rate(gbp, "USD", DAY, "0.8")
    usd = ledger_create(name="New York", owner=user, currency="USD")
    assert _one(usd, "GBP") is None


def test_cross_rate_through_the_euro_keeps_at_least_twenty_digits(gbp):
    reference_rates(DAY, USD="1.0856", GBP="0.85932")
    rate = _one(gbp, "USD")
    exact = Fraction("0.85932") / Fraction("1.0856")
    assert _significant(rate, exact) >= 20
    assert len(rate.normalize().as_tuple().digits) >= 20  # not rounded to a few places


def test_into_euro_is_the_inverse_of_the_published_rate(ledger):
    assert ledger.currency == "EUR"
    reference_rates(DAY, JPY="161.37")
    rate = _one(ledger, "JPY")
    assert _significant(rate, 1 / Fraction("161.37")) >= 20


def test_from_euro_is_the_published_rate(user):
    usd = ledger_create(name="New York", owner=user, currency="USD")
    reference_rates(DAY, USD="1.0856")
    assert _one(usd, "EUR") == Decimal("1.0856")


def test_a_cross_rate_needs_both_currencies_on_the_same_day(gbp):
    reference_rates(DAY, USD="1.25")
    reference_rates(DAY - timedelta(days=1), GBP="0.9")
    reference_rates(DAY - timedelta(days=2), USD="1.2", GBP="0.84")
    found = rates_find_detailed(ledger_id=gbp.pk, base="GBP", wanted=[("USD", DAY)])
    assert found[("USD", DAY)].date == DAY - timedelta(days=2)
    assert found[("USD", DAY)].rate == Decimal("0.7")


def test_many_pairs_of_several_currencies_and_days_at_once(gbp):
    reference_rates(DAY, USD="1.25", GBP="1", CHF="0.8")
    own_rate(gbp, "CHF", DAY - timedelta(days=400), "1.1")
    wanted = [("USD", DAY), ("CHF", DAY), ("CHF", DAY - timedelta(days=400)), ("GBP", DAY)]
    wanted.append(("SEK", DAY))
    assert rates_find(ledger_id=gbp.pk, base="GBP", wanted=wanted) == {
        ("USD", DAY): Decimal("0.8"),
        ("CHF", DAY): Decimal("1.25"),
        ("CHF", DAY - timedelta(days=400)): Decimal("1.1"),
        ("GBP", DAY): Decimal(1),
        ("SEK", DAY): None,
    }


def test_queries_are_the_same_for_one_pair_and_five_hundred(gbp):
    first = date(2024, 1, 1)
    for offset in range(0, 700, 3):
        day = first + timedelta(days=offset)
        reference_rates(day, USD="1.0856", GBP="0.85932", JPY="161.37")
        own_rate(gbp, "CHF", day, "0.89")
    many = [
        (currency, first + timedelta(days=offset))
        for offset in range(0, 500, 4)
        for currency in ("USD", "JPY", "CHF", "EUR")
    ]
    assert len(many) == 500
    with CaptureQueriesContext(connection) as one:
        found = rates_find(ledger_id=gbp.pk, base="GBP", wanted=[("USD", first)])
    assert found[("USD", first)] is not None
    with CaptureQueriesContext(connection) as five_hundred:
        found = rates_find(ledger_id=gbp.pk, base="GBP", wanted=many)
    assert all(rate is not None for rate in found.values())
    assert len(one.captured_queries) == len(five_hundred.captured_queries) == 2


def test_rates_keep_twelve_significant_digits_in_the_database(gbp):
    values = ["123456.789012", "0.000123456789012", "999999999999", "1.00000000001"]
    for index, value in enumerate(values):
        own_rate(gbp, "USD", DAY + timedelta(days=index), value)
        reference_rates(DAY + timedelta(days=index), USD=value)
    assert sorted(LedgerRate.objects.values_list("rate", flat=True)) == sorted(
        Decimal(v) for v in values
    )
    assert sorted(ReferenceRate.objects.values_list("rate", flat=True)) == sorted(
        Decimal(v) for v in values
    )


# --- rates_latest ----------------------------------------------------------------------------


def test_latest_takes_the_newest_rate_whatever_its_age(gbp):
    reference_rates(DAY - timedelta(days=400), USD="1.25", GBP="1")
    reference_rates(DAY + timedelta(days=1), USD="2", GBP="1")  # after `on`: not used
    assert rates_latest(ledger_id=gbp.pk, base="GBP", currencies=["USD"], on=DAY) == {
        "USD": Decimal("0.8")
    }


def test_latest_prefers_the_newer_day_and_the_ledger_on_a_tie(gbp):
    reference_rates(DAY - timedelta(days=10), USD="1.25", GBP="1")
    own_rate(gbp, "USD", DAY - timedelta(days=20), "0.7")
    assert rates_latest(ledger_id=gbp.pk, base="GBP", currencies=["USD"], on=DAY) == {
        "USD": Decimal("0.8")
    }
    own_rate(gbp, "USD", DAY - timedelta(days=10), "0.75")
    assert rates_latest(ledger_id=gbp.pk, base="GBP", currencies=["USD"], on=DAY) == {
        "USD": Decimal("0.75")
    }


def test_latest_cross_rate_uses_the_newest_day_with_both_currencies(gbp):
    reference_rates(DAY - timedelta(days=30), USD="1.25", GBP="1", JPY="160")
    reference_rates(DAY - timedelta(days=2), USD="1.2")  # GBP missing that day
    reference_rates(DAY - timedelta(days=1), GBP="0.9", JPY="150")
    latest = rates_latest(
        ledger_id=gbp.pk, base="GBP", currencies=["USD", "JPY", "EUR", "GBP", "SEK"], on=DAY
    )
    assert latest == {
        "USD": Decimal("0.8"),
        "JPY": Decimal("0.006"),
        "EUR": Decimal("0.9"),
        "GBP": Decimal(1),
        "SEK": None,
    }


def test_latest_into_euro_and_none_without_any_rate(ledger):
    reference_rates(date(2001, 1, 2), USD="0.9")
    latest = rates_latest(ledger_id=ledger.pk, base="EUR", currencies=["USD", "CHF"], on=DAY)
    assert _significant(latest["USD"], 1 / Fraction("0.9")) >= 20
    assert latest["CHF"] is None


def test_latest_costs_one_query_for_many_currencies(gbp, django_assert_num_queries):
    reference_rates(DAY, USD="1.25", GBP="1", JPY="160", CHF="0.9", SEK="11")
    with django_assert_num_queries(1):
        rates_latest(
            ledger_id=gbp.pk, base="GBP", currencies=["USD", "JPY", "CHF", "SEK", "EUR"], on=DAY
        )


@pytest.mark.parametrize(
    ("pairs", "spacing"),
    [(60, 100), (700, 45)],  # past 40 windows: the listed dates; past 4000 of those: the span
)
def test_scattered_days_are_found_in_two_queries(gbp, pairs, spacing):
    first = date(1990, 1, 1)
    days = [first + timedelta(days=spacing * n) for n in range(pairs)]
    ReferenceRate.objects.bulk_create(
        ReferenceRate(currency=currency, date=day - timedelta(days=n % 9), rate=Decimal(rate))
        for n, day in enumerate(days)
        for currency, rate in (("USD", "1.25"), ("GBP", "1"))
    )
    with CaptureQueriesContext(connection) as queries:
        found = rates_find(ledger_id=gbp.pk, base="GBP", wanted=[("USD", day) for day in days])
    assert len(queries.captured_queries) == 2
    assert [found[("USD", day)] for day in days] == [
        None if n % 9 == 8 else Decimal("0.8") for n in range(pairs)
    ]


_RATES = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999"), places=4).filter(
    lambda rate: rate > 0
)


@given(per_euro=_RATES, base_per_euro=_RATES)
def test_a_cross_rate_agrees_with_the_exact_quotient_to_thirty_digits(per_euro, base_per_euro):
    rate = _through_euro(per_euro, base_per_euro, "USD", "GBP")
    assert _significant(rate, Fraction(base_per_euro) / Fraction(per_euro)) >= 30
    inverse = _through_euro(per_euro, None, "USD", "EUR")
    assert _significant(inverse, 1 / Fraction(per_euro)) >= 30
    assert _through_euro(None, base_per_euro, "EUR", "GBP") == base_per_euro
