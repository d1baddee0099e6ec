import pytest
from django.core.management import call_command
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
