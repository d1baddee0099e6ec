"""Every API answer carries the server's today, in its TIME_ZONE."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import override_settings

pytestmark = pytest.mark.django_db


@override_settings(TIME_ZONE="Pacific/Auckland")
def test_every_api_answer_says_the_servers_today_in_its_time_zone(api, user):
    # 20:30 UTC on 4 December is already 5 December in Auckland.
    with time_machine.travel(datetime(2026, 12, 4, 20, 30, tzinfo=UTC), tick=False):
        for response in (
            api.get("/health"),
            api.as_user(user).get("/auth/me"),
            api.get("/no-such-route"),  # errors too
        ):
            assert response["Budget-Today"] == "2026-12-05"


def test_pages_outside_the_api_carry_no_date(client):
    assert "Budget-Today" not in client.get("/admin/login/")
