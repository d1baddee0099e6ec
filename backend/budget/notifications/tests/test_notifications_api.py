"""GET /notifications, POST /notifications/{id}/read, POST /notifications/read-all, and the
mail a notification sends to users who opted in."""

import logging

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone
from tests.helpers import assert_error

from budget.accounts.models import User
from budget.ledgers.models import Membership
from budget.notifications.models import Notification
from budget.notifications.services import notifications_create

pytestmark = pytest.mark.django_db


class BrokenEmailBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("connection refused")


def notify(*users, title: str = "Budget warning: Groceries", ledger=None) -> list[Notification]:
    return notifications_create(
        users=users,
        ledger=ledger,
        kind="budget_warning",
        title=title,
        message="412.00 of 500.00 EUR spent on Groceries in March 2025 (82.40 %).",
        data={"budget": "b", "month": "2025-03"},
    )


def test_list_shows_only_the_callers_notifications_newest_first(api, user, stranger):
    first = notify(user, title="first", ledger=user.default_ledger)[0]
    notify(stranger, title="theirs")
    second = notify(user, title="second")[0]
    response = api.as_user(user).get("/notifications")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [n["title"] for n in body["items"]] == ["second", "first"]
    assert body["items"][1] == {
        "id": str(first.pk),
        "ledger": str(user.default_ledger_id),
        "kind": "budget_warning",
        "title": "first",
        "message": "412.00 of 500.00 EUR spent on Groceries in March 2025 (82.40 %).",
        "data": {"budget": "b", "month": "2025-03"},
        "created_at": body["items"][1]["created_at"],
        "read_at": None,
    }
    assert body["items"][0]["id"] == str(second.pk)
    assert body["items"][0]["ledger"] is None


def test_unread_filter_and_its_count(api, user):
    second = [notify(user, title=t)[0] for t in ("a", "b", "c")][1]
    client = api.as_user(user)
    assert client.post(f"/notifications/{second.pk}/read").status_code == 200
    unread = client.get("/notifications", {"unread": "true"}).json()
    assert (unread["count"], [n["title"] for n in unread["items"]]) == (2, ["c", "a"])
    read = client.get("/notifications", {"unread": "false"}).json()
    assert [n["id"] for n in read["items"]] == [str(second.pk)]
    assert client.get("/notifications").json()["count"] == 3


def test_read_answers_the_notification_and_keeps_the_first_read_time(api, user):
    notification = notify(user)[0]
    client = api.as_user(user)
    response = client.post(f"/notifications/{notification.pk}/read")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(notification.pk)
    assert body["read_at"] is not None
    again = client.post(f"/notifications/{notification.pk}/read").json()
    assert again["read_at"] == body["read_at"]


def test_another_users_notification_is_404(api, user, stranger):
    theirs = notify(stranger)[0]
    client = api.as_user(user)
    assert_error(client.post(f"/notifications/{theirs.pk}/read"), 404, "not_found")
    assert_error(
        client.post("/notifications/8c6a5a8e-7d8f-4c3a-9a53-0d6a6c1b8f00/read"), 404, "not_found"
    )
    assert_error(client.post("/notifications/not-a-uuid/read"), 404)
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_read_all_marks_only_the_callers_unread_ones(api, user, stranger):
    notify(user), notify(user), notify(stranger)
    already = notify(user)[0]
    client = api.as_user(user)
    client.post(f"/notifications/{already.pk}/read")
    response = client.post("/notifications/read-all")
    assert response.status_code == 200
    assert response.json() == {"read": 2}
    assert client.post("/notifications/read-all").json() == {"read": 0}
    assert client.get("/notifications", {"unread": "true"}).json()["count"] == 0
    assert Notification.objects.filter(user=stranger, read_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/notifications"),
        ("POST", "/notifications/read-all"),
        ("POST", "/notifications/8c6a5a8e-7d8f-4c3a-9a53-0d6a6c1b8f00/read"),
    ],
)
def test_every_route_needs_authentication(api, method, path):
    assert_error(api.request(method, path), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("params", "field"),
    [({"page_size": 501}, "page_size"), ({"page": 0}, "page"), ({"unread": "maybe"}, "unread")],
)
def test_list_parameters_are_validated(api, user, params, field):
    assert_error(api.as_user(user).get("/notifications", params), 422, field=field)


def test_the_list_is_paginated(api, user):
    for n in range(3):
        notify(user, title=str(n))
    page = api.as_user(user).get("/notifications", {"page": 2, "page_size": 2}).json()
    assert (page["count"], [n["title"] for n in page["items"]]) == (3, ["0"])


def test_the_list_costs_the_same_few_queries_whatever_its_length(
    api, user, django_assert_max_num_queries
):
    client = api.as_user(user)
    for n in range(30):
        notify(user, title=str(n), ledger=user.default_ledger if n % 2 else None)
    with django_assert_max_num_queries(3):  # the user, the page, the count
        body = client.get("/notifications", {"page_size": 500}).json()
    assert body["count"] == len(body["items"]) == 30


def test_deleting_the_user_or_the_ledger_deletes_their_notifications(api, user, make_user):
    other = make_user("bob@example.com")
    notify(user, other, ledger=user.default_ledger)
    notify(other)
    user.default_ledger.delete()
    assert Notification.objects.filter(user=user).count() == 0
    assert Notification.objects.filter(user=other).count() == 1
    other.delete()
    assert not Notification.objects.exists()


def test_a_ledger_the_user_has_left_takes_its_notifications_out_of_sight(api, user, make_user):
    """Invariant 4: a former member learns nothing more of the ledger, its notifications
    included (they name its categories and sums); they come back if the user rejoins."""
    family = user.default_ledger
    eddie = make_user("eddie@example.com")
    Membership.objects.create(ledger=family, user=eddie, role="editor")
    theirs = notify(eddie, title="family", ledger=family)[0]
    own = notify(eddie, title="own", ledger=eddie.default_ledger)[0]
    notify(eddie, title="no ledger")
    client = api.as_user(eddie)
    assert client.delete(f"/ledgers/{family.pk}/members/{eddie.pk}").status_code == 204
    body = client.get("/notifications").json()
    assert (body["count"], [n["title"] for n in body["items"]]) == (2, ["no ledger", "own"])
    assert client.get("/notifications", {"unread": "true"}).json()["count"] == 2
    assert_error(client.post(f"/notifications/{theirs.pk}/read"), 404)
    assert client.post("/notifications/read-all").json() == {"read": 2}
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert Notification.objects.get(pk=own.pk).read_at is not None
    Membership.objects.create(ledger=family, user=eddie, role="viewer")
    assert client.post(f"/notifications/{theirs.pk}/read").status_code == 200


# --- Email ------------------------------------------------------------------------------------


def test_mail_goes_after_commit_to_users_who_opted_in_only(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    opted = make_user("opted@example.com")
    opted.email_notifications = True
    opted.email_verified_at = timezone.now()
    opted.save()
    quiet = make_user("quiet@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        notify(opted, quiet)
        assert mailoutbox == []  # not before the commit
    assert [m.to for m in mailoutbox] == [["opted@example.com"]]
    mail = mailoutbox[0]
    assert mail.subject == "Budget warning: Groceries"
    assert "412.00 of 500.00 EUR" in mail.body
    assert Notification.objects.count() == 2


def test_alert_mail_goes_only_to_a_verified_address(
    make_user, mailoutbox, django_capture_on_commit_callbacks
):
    unverified = make_user("unverified@example.com")
    unverified.email_notifications = True
    unverified.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(unverified)
    assert mailoutbox == []
    assert Notification.objects.filter(user=unverified).count() == 1


def test_no_mail_when_the_transaction_rolls_back(make_user, mailoutbox):
    from django.db import transaction

    opted = make_user("opted@example.com")
    opted.email_notifications = True
    opted.email_verified_at = timezone.now()
    opted.save()

    def job() -> None:
        with transaction.atomic():
            notify(opted)
            raise RuntimeError("the job failed after notifying")

    with pytest.raises(RuntimeError):
        job()
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_a_mail_that_fails_is_logged_and_the_notification_stays(
    make_user, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenEmailBackend"
    opted = make_user("opted@example.com")
    opted.email_notifications = True
    opted.email_verified_at = timezone.now()
    opted.save()
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        notify(opted)
    assert Notification.objects.filter(user=opted).count() == 1
    assert "Notification mail to opted@example.com was not sent" in caplog.text


def test_opting_in_through_the_api(api, user, mailoutbox, django_capture_on_commit_callbacks):
    response = api.as_user(user).patch("/auth/me", {"email_notifications": True})
    assert response.status_code == 200, response.content
    User.objects.filter(pk=user.pk).update(email_verified_at=timezone.now())
    user.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        notify(user)
    assert [m.to for m in mailoutbox] == [[user.email]]
