"""Fixtures of the receipts tests (helpers: budget.receipts.tests.helpers)."""

import pytest


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Every test stores its files in a folder of its own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
