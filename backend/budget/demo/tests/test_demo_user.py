import pytest
from django.core.management import call_command
from django.test import override_settings

from budget.accounts.models import User

pytestmark = pytest.mark.django_db


@override_settings(DEMO_USER_EMAIL="demo@example.com", DEMO_USER_PASSWORD="demo-budget-2026")
def test_demo_user_created_once_with_a_ledger(capsys):
    call_command("demo_user")
    call_command("demo_user")
    user = User.objects.get(email="demo@example.com")
    assert user.default_ledger is not None
    assert "Demo sign-in: demo@example.com / demo-budget-2026" in capsys.readouterr().out
