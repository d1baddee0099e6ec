from budget.money.tests.conftest import bob, household  # noqa: F401
