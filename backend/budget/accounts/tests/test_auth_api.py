from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from tests.helpers import PASSWORD, assert_error

from budget.accounts.models import User
from budget.ledgers.models import Membership

pytestmark = pytest.mark.django_db


def sign_in(api, email="alice@example.com", password=PASSWORD, **extra):
    return api.post("/auth/token", {"email": email, "password": password}, **extra)


def test_register_creates_user_and_personal_ledger(api):
    response = api.post(
        "/auth/register",
        {"email": "Bob@Example.com", "password": PASSWORD, "full_name": "Bob Brown"},
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "email",
        "full_name",
        "default_ledger_id",
        "email_notifications",
        "email_verified",
        "locale",
        "date_joined",
    }
    assert body["email"] == "bob@example.com"
    assert body["full_name"] == "Bob Brown"
    membership = Membership.objects.get(user__email="bob@example.com")
    assert str(membership.ledger_id) == body["default_ledger_id"]
    assert membership.role == "owner"
    assert membership.ledger.name == "Bob Brown's budget"
    assert membership.ledger.currency == "EUR"


def test_register_names_ledger_after_email_without_full_name(api):
    api.post("/auth/register", {"email": "carol@example.com", "password": PASSWORD})
    assert Membership.objects.get(user__email="carol@example.com").ledger.name == (
        "carol@example.com's budget"
    )


def test_register_never_returns_the_password_hash(api):
    response = api.post("/auth/register", {"email": "d@example.com", "password": PASSWORD})
    assert "password" not in response.content.decode()


def test_register_email_taken_is_case_insensitive(api, user):
    response = api.post("/auth/register", {"email": "ALICE@example.com", "password": PASSWORD})
    assert_error(response, 409, "email_taken")
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("password", "reason"),
    [("short1", "too short"), ("password123", "too common"), ("1234567890123", "numeric")],
)
def test_register_rejects_weak_password(api, password, reason):
    response = api.post("/auth/register", {"email": "e@example.com", "password": password})
    assert_error(response, 422, "validation_error", field="password")
    assert not User.objects.exists()


def test_register_rejects_password_like_email(api):
    response = api.post(
        "/auth/register", {"email": "francesca.rossi@example.com", "password": "francesca.rossi"}
    )
    assert_error(response, 422, field="password")


@pytest.mark.parametrize(
    ("password", "full_name"),
    [
        ("          ", ""),
        (" \t \n \t  \u3000 ", ""),
        ("Giuseppe Verdi", "Giuseppe Verdi"),
        ("giuseppeverdi", "Giuseppe Verdi"),
        ("francesca.rossi@example.com", ""),
    ],
)
def test_register_rejects_blank_password_or_one_like_name_or_email(api, password, full_name):
    body = {"email": "francesca.rossi@example.com", "password": password, "full_name": full_name}
    assert_error(api.post("/auth/register", body), 422, "validation_error", field="password")
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "not-an-email", "password": PASSWORD}, "email"),
        ({"password": PASSWORD}, "email"),
        ({"email": "g@example.com"}, "password"),
        ({"email": "g@example.com", "password": PASSWORD, "full_name": "x" * 151}, "full_name"),
    ],
)
def test_register_invalid_input_names_the_field(api, body, field):
    assert_error(api.post("/auth/register", body), 422, "validation_error", field=field)


def test_token_pair_for_valid_credentials(api, user):
    response = sign_in(api, email="ALICE@EXAMPLE.COM")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


@pytest.mark.parametrize(
    ("email", "password"),
    [("alice@example.com", "wrong-password"), ("nobody@example.com", PASSWORD)],
)
def test_token_refuses_bad_credentials_alike(api, user, email, password):
    body = assert_error(sign_in(api, email, password), 401, "invalid_credentials")
    assert body["detail"] == "Email or password is incorrect."


def test_inactive_user_cannot_sign_in(api, user):
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert_error(sign_in(api), 401, "invalid_credentials")


def test_access_token_authenticates(api, user):
    access = sign_in(api).json()["access"]
    response = api.with_token(access).get("/auth/me")
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.com"


def test_access_token_expires_after_15_minutes(api, user):
    access = sign_in(api).json()["access"]
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert_error(api.with_token(access).get("/auth/me"), 401, "not_authenticated")


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer garbage", "Basic abc", "Bearer bk_nope"])
def test_missing_or_bad_credentials_give_401(api, user, header):
    response = api.get("/auth/me", HTTP_AUTHORIZATION=header) if header else api.get("/auth/me")
    assert_error(response, 401, "not_authenticated")


def test_refresh_rotates_and_old_refresh_stops_working(api, user):
    pair = sign_in(api).json()
    rotated = api.post("/auth/token/refresh", {"refresh": pair["refresh"]})
    assert rotated.status_code == 200
    new_pair = rotated.json()
    assert new_pair["refresh"] != pair["refresh"]
    assert api.with_token(new_pair["access"]).get("/auth/me").status_code == 200
    reused = api.post("/auth/token/refresh", {"refresh": pair["refresh"]})
    assert_error(reused, 401, "token_not_valid")
    assert api.post("/auth/token/refresh", {"refresh": new_pair["refresh"]}).status_code == 200


def test_refresh_token_expires_after_7_days(api, user):
    refresh = sign_in(api).json()["refresh"]
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1)):
        assert_error(api.post("/auth/token/refresh", {"refresh": refresh}), 401)


def test_access_token_is_not_a_refresh_token(api, user):
    access = sign_in(api).json()["access"]
    assert_error(api.post("/auth/token/refresh", {"refresh": access}), 401, "token_not_valid")


def test_logout_blacklists_the_refresh_token(api, user):
    pair = sign_in(api).json()
    authed = api.with_token(pair["access"])
    assert authed.post("/auth/logout", {"refresh": pair["refresh"]}).status_code == 204
    assert_error(api.post("/auth/token/refresh", {"refresh": pair["refresh"]}), 401)


def test_logout_needs_authentication(api, user):
    refresh = sign_in(api).json()["refresh"]
    assert_error(api.post("/auth/logout", {"refresh": refresh}), 401)


def test_logout_refuses_another_users_refresh_token(api, user, stranger):
    their_refresh = sign_in(api, "mallory@example.com").json()["refresh"]
    response = api.as_user(user).post("/auth/logout", {"refresh": their_refresh})
    assert_error(response, 422, field="refresh")
    assert api.post("/auth/token/refresh", {"refresh": their_refresh}).status_code == 200


def test_me_shows_profile(api, user):
    body = api.as_user(user).get("/auth/me").json()
    assert body["id"] == str(user.pk)
    assert body["full_name"] == "Alice Adams"
    assert body["default_ledger_id"] == str(user.default_ledger_id)
    assert "password" not in body


def test_me_patch_updates_name_and_default_ledger(api, user):
    authed = api.as_user(user)
    second = authed.post("/ledgers", {"name": "Holiday", "currency": "USD"}).json()
    response = authed.patch(
        "/auth/me", {"full_name": "Alice A.", "default_ledger_id": second["id"]}
    )
    assert response.status_code == 200
    assert response.json()["full_name"] == "Alice A."
    assert response.json()["default_ledger_id"] == second["id"]


def test_me_patch_sets_the_locale_and_empty_follows_the_browser(api, user):
    authed = api.as_user(user)
    assert authed.get("/auth/me").json()["locale"] == ""

    assert authed.patch("/auth/me", {"locale": "de_DE"}).json()["locale"] == "de_DE"
    assert authed.patch("/auth/me", {"locale": ""}).json()["locale"] == ""


def test_me_patch_refuses_an_unknown_locale_and_changes_nothing(api, user):
    authed = api.as_user(user)
    authed.patch("/auth/me", {"locale": "fr_FR"})

    response = authed.patch("/auth/me", {"locale": "xx_YY"})

    assert_error(response, 422, field="locale")
    assert response.json()["detail"] == "Choose one of the languages the list offers."
    user.refresh_from_db()
    assert user.locale == "fr_FR"


def test_me_patch_refuses_foreign_default_ledger(api, user, stranger):
    response = api.as_user(user).patch(
        "/auth/me", {"default_ledger_id": str(stranger.default_ledger_id)}
    )
    assert_error(response, 422, field="default_ledger_id")


def test_password_change_requires_current_password(api, user):
    response = api.as_user(user).post(
        "/auth/password", {"current_password": "nope", "new_password": "another-long-pass-99"}
    )
    assert_error(response, 422, field="current_password")


def test_password_change_validates_new_password(api, user):
    response = api.as_user(user).post(
        "/auth/password", {"current_password": PASSWORD, "new_password": "123"}
    )
    assert_error(response, 422, field="new_password")


@pytest.mark.parametrize("new_password", ["            ", "Alice Adams", "alice@example.com"])
def test_password_change_refuses_blank_password_or_one_like_name_or_email(api, user, new_password):
    response = api.as_user(user).post(
        "/auth/password", {"current_password": PASSWORD, "new_password": new_password}
    )
    assert_error(response, 422, "validation_error", field="new_password")
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_swaps_password_and_ends_sessions(api, user):
    old_refresh = sign_in(api).json()["refresh"]
    response = api.as_user(user).post(
        "/auth/password", {"current_password": PASSWORD, "new_password": "another-long-pass-99"}
    )
    assert response.status_code == 204
    assert sign_in(api).status_code == 401
    assert sign_in(api, password="another-long-pass-99").status_code == 200
    assert_error(api.post("/auth/token/refresh", {"refresh": old_refresh}), 401)


def test_password_change_refuses_every_refresh_token_issued_before(api, user):
    laptop = sign_in(api).json()["refresh"]
    phone = sign_in(api, REMOTE_ADDR="10.0.3.1").json()["refresh"]
    rotated = api.post("/auth/token/refresh", {"refresh": phone}).json()["refresh"]
    response = api.as_user(user).post(
        "/auth/password", {"current_password": PASSWORD, "new_password": "another-long-pass-99"}
    )
    assert response.status_code == 204
    for refresh in (laptop, phone, rotated):
        assert_error(api.post("/auth/token/refresh", {"refresh": refresh}), 401)


def test_delete_me_needs_the_password(api, user):
    assert_error(api.as_user(user).delete("/auth/me", {"password": "nope"}), 422, field="password")
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_me_removes_user_and_sole_ledgers_only(api, user, stranger):
    shared = stranger.default_ledger
    Membership.objects.create(ledger=shared, user=user, role="editor")
    own = user.default_ledger
    assert api.as_user(user).delete("/auth/me", {"password": PASSWORD}).status_code == 204
    assert not User.objects.filter(pk=user.pk).exists()
    assert not type(own).objects.filter(pk=own.pk).exists()
    assert type(shared).objects.filter(pk=shared.pk).exists()


def test_delete_me_refused_while_last_owner_of_shared_ledger(api, user, stranger):
    Membership.objects.create(ledger=user.default_ledger, user=stranger, role="editor")
    response = api.as_user(user).delete("/auth/me", {"password": PASSWORD})
    assert_error(response, 409, "last_owner")
    assert User.objects.filter(pk=user.pk).exists()


def test_delete_me_with_finance_data_removes_it(api, user):
    from datetime import date
    from decimal import Decimal

    from budget.money import services as money
    from budget.money.models import Transaction

    ledger = user.default_ledger
    wallet = money.wallet_create(
        ledger=ledger, name="Bank", kind="virtual", opening_balance=Decimal("5.00")
    )
    money.transaction_create(
        ledger=ledger,
        data={
            "kind": "expense",
            "date": date(2025, 1, 2),
            "amount": Decimal("1.00"),
            "wallet": wallet.pk,
            "category": ledger.categories.get(name="Groceries").pk,
        },
    )
    assert api.as_user(user).delete("/auth/me", {"password": PASSWORD}).status_code == 204
    assert not Transaction.objects.exists()
