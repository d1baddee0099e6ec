"""The ledger gate's fixed SQL reads what the equivalent queryset reads, field for field."""

import pytest

from budget.ledgers.access import active_membership
from budget.ledgers.models import Membership


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


@pytest.mark.django_db
def test_the_gate_reads_membership_ledger_and_user_as_the_orm_does(ledger, user):
    expected = Membership.objects.select_related("ledger", "user").get(ledger=ledger, user=user)
    found = active_membership(ledger.pk, str(user.pk))
    assert _fields(found) == _fields(expected)
    assert _fields(found.ledger) == _fields(expected.ledger)
    assert _fields(found.user) == _fields(expected.user)
    assert not found._state.adding  # a saved row, as the ORM gives it


@pytest.mark.django_db
def test_the_gate_finds_nothing_for_a_stranger_an_inactive_user_or_a_bad_id(ledger, user, stranger):
    assert active_membership(ledger.pk, stranger.pk) is None
    assert active_membership("not-a-uuid", user.pk) is None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert active_membership(ledger.pk, user.pk) is None
