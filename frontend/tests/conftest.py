from collections.abc import Iterator

import pytest

from dashboard.api import ApiClient, MemoryTokenStore
from tests.fake_api import PASSWORD, FakeApiState, running_fake_api

EMAIL = "ada@example.com"


@pytest.fixture
def api_state() -> FakeApiState:
    state = FakeApiState()
    state.users[EMAIL] = {
        "id": "user-1",
        "email": EMAIL,
        "full_name": "Ada Lovelace",
        "default_ledger_id": "ledger-1",
        "date_joined": "2025-01-01T00:00:00Z",
        "password": PASSWORD,
    }
    state.ledgers = [
        {
            "id": "ledger-1",
            "name": "Ada's budget",
            "currency": "EUR",
            "role": "owner",
            "created_at": "2025-01-01T00:00:00Z",
        }
    ]
    return state


@pytest.fixture
def api_url(api_state: FakeApiState) -> Iterator[str]:
    with running_fake_api(api_state) as url:
        yield url


@pytest.fixture
def client(api_url: str) -> ApiClient:
    return ApiClient(api_url, timeout=2, tokens=MemoryTokenStore())
