"""Webhooks CRUD (SPEC §16): the owner's only; the secret shown once; URLs http(s) to public
addresses unless WEBHOOK_ALLOW_PRIVATE."""

import socket

import pytest
from tests.helpers import assert_error

from budget.ledgers.models import Membership
from budget.webhooks.models import Webhook

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.215.14/hooks"  # a literal public address: no DNS, never called


def hooks_path(ledger, webhook_id=None, action: str = "") -> str:
    path = f"/ledgers/{ledger.pk}/webhooks"
    if webhook_id:
        path += f"/{webhook_id}"
    return path + (f"/{action}" if action else "")


def create(owner_api, ledger, **body):
    return owner_api.post(hooks_path(ledger), {"url": PUBLIC, "events": ["*"], **body})


def test_create_shows_the_secret_once(owner_api, ledger):
    response = create(owner_api, ledger, events=["transaction.created", "budget.alert"])
    assert response.status_code == 201, response.content
    body = response.json()
    webhook = Webhook.objects.get()
    assert body == {
        "id": str(webhook.pk),
        "url": PUBLIC,
        "events": ["transaction.created", "budget.alert"],
        "active": True,
        "secret": webhook.secret,
        "created_at": body["created_at"],
        "updated_at": body["updated_at"],
    }
    assert body["secret"].startswith("whsec_")
    assert len(body["secret"]) > 40
    for read in (
        owner_api.get(hooks_path(ledger)).json()["items"][0],
        owner_api.get(hooks_path(ledger, webhook.pk)).json(),
        owner_api.patch(hooks_path(ledger, webhook.pk), {"active": False}).json(),
    ):
        assert "secret" not in read
        assert webhook.secret not in str(read)


def test_every_webhook_gets_its_own_secret(owner_api, ledger):
    first = create(owner_api, ledger).json()["secret"]
    second = create(owner_api, ledger).json()["secret"]
    assert first != second


def test_owner_changes_and_deletes_a_webhook(owner_api, ledger):
    webhook_id = create(owner_api, ledger).json()["id"]
    changed = owner_api.patch(
        hooks_path(ledger, webhook_id),
        {"events": ["import.finished", "import.finished"], "active": False},
    )
    assert changed.status_code == 200
    assert (changed.json()["events"], changed.json()["active"]) == (["import.finished"], False)
    assert owner_api.delete(hooks_path(ledger, webhook_id)).status_code == 204
    assert_error(owner_api.get(hooks_path(ledger, webhook_id)), 404)
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://93.184.215.14/x"}, "url"),
        ({"url": "file:///etc/passwd"}, "url"),
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "https://user:pw@93.184.215.14/"}, "url"),
        ({"url": "https://93.184.215.14:99999/"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["transaction.exploded"]}, "events"),
        ({"events": "*"}, "events"),
        ({"active": "maybe"}, "active"),
    ],
)
def test_bad_input_is_422_and_creates_nothing(owner_api, ledger, body, field):
    assert_error(create(owner_api, ledger, **body), 422, field=field)
    assert not Webhook.objects.exists()


def test_null_in_a_patch_is_422(owner_api, ledger):
    webhook_id = create(owner_api, ledger).json()["id"]
    for name in ("url", "events", "active"):
        assert_error(owner_api.patch(hooks_path(ledger, webhook_id), {name: None}), 422, field=name)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.10/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
    ],
)
def test_inside_addresses_are_refused(owner_api, ledger, url, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    body = assert_error(create(owner_api, ledger, url=url), 422, field="url")
    assert "public addresses" in body["detail"]
    assert not Webhook.objects.exists()


def test_a_name_is_refused_when_any_of_its_addresses_is_inside(
    owner_api, ledger, settings, monkeypatch
):
    settings.WEBHOOK_ALLOW_PRIVATE = False

    def resolve(host, port, *args, **kwargs):  # DNS is outside the system: answered here
        assert host == "hooks.example.com"
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port)),
        ]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    body = assert_error(
        create(owner_api, ledger, url="https://hooks.example.com/x"), 422, field="url"
    )
    assert "10.0.0.7" in body["detail"]


def test_an_unresolvable_host_is_422(owner_api, ledger, monkeypatch):
    def resolve(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    assert_error(create(owner_api, ledger, url="https://nowhere.invalid/x"), 422, field="url")


def test_private_addresses_are_allowed_when_the_setting_says_so(owner_api, ledger, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    assert create(owner_api, ledger, url="http://127.0.0.1:9/hook").status_code == 201


def test_a_patch_to_an_inside_url_is_refused(owner_api, ledger, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    webhook_id = create(owner_api, ledger).json()["id"]
    response = owner_api.patch(hooks_path(ledger, webhook_id), {"url": "http://10.0.0.1/"})
    assert_error(response, 422, field="url")
    assert Webhook.objects.get().url == PUBLIC


@pytest.mark.parametrize("role", ["editor", "viewer"])
def test_only_owners_see_or_change_webhooks(api, ledger, user, bob, role):
    webhook_id = create(api.as_user(user), ledger).json()["id"]
    Membership.objects.create(ledger=ledger, user=bob, role=role)
    as_bob = api.as_user(bob)
    assert_error(as_bob.get(hooks_path(ledger)), 403)
    assert_error(create(as_bob, ledger), 403)
    assert_error(as_bob.get(hooks_path(ledger, webhook_id)), 403)
    assert_error(as_bob.patch(hooks_path(ledger, webhook_id), {"active": False}), 403)
    assert_error(as_bob.delete(hooks_path(ledger, webhook_id)), 403)
    assert_error(as_bob.get(hooks_path(ledger, webhook_id, "deliveries")), 403)
    assert Webhook.objects.get().active


def test_a_stranger_reaches_no_webhook(api, ledger, user, stranger):
    webhook_id = create(api.as_user(user), ledger).json()["id"]
    as_stranger = api.as_user(stranger)
    own = stranger.default_ledger
    assert_error(as_stranger.get(hooks_path(ledger)), 404)
    assert_error(as_stranger.get(hooks_path(ledger, webhook_id)), 404)
    assert_error(as_stranger.get(hooks_path(own, webhook_id)), 404)
    assert_error(as_stranger.patch(hooks_path(own, webhook_id), {"active": False}), 404)
    assert_error(as_stranger.delete(hooks_path(own, webhook_id)), 404)
    assert_error(as_stranger.get(hooks_path(own, webhook_id, "deliveries")), 404)
    assert Webhook.objects.get().active


def test_the_list_costs_a_fixed_number_of_queries(owner_api, ledger, django_assert_max_num_queries):
    for _ in range(6):
        create(owner_api, ledger)
    with django_assert_max_num_queries(3):  # user with membership, the count, the page
        assert owner_api.get(hooks_path(ledger)).json()["count"] == 6
