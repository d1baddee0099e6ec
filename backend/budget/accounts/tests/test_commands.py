import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from budget.accounts.models import User

pytestmark = pytest.mark.django_db


@override_settings(
    DJANGO_SUPERUSER_EMAIL="Root@Example.com", DJANGO_SUPERUSER_PASSWORD="s3cret-pass-x"
)
def test_createdefaultsuperuser_reads_environment_and_is_idempotent():
    call_command("createdefaultsuperuser")
    call_command("createdefaultsuperuser")
    user = User.objects.get()
    assert user.email == "root@example.com"
    assert user.is_superuser
    assert user.check_password("s3cret-pass-x")


@pytest.mark.parametrize("password", ["           ", "Administrator", "root@example.com"])
def test_createdefaultsuperuser_refuses_a_weak_password(password):
    weak = override_settings(
        DJANGO_SUPERUSER_EMAIL="root@example.com", DJANGO_SUPERUSER_PASSWORD=password
    )
    with weak, pytest.raises(CommandError, match="DJANGO_SUPERUSER_PASSWORD"):
        call_command("createdefaultsuperuser")
    assert not User.objects.exists()
