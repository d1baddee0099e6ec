from collections.abc import Iterator

import pytest

from budget.webhooks.tests.helpers import Receiver


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A receiver on 127.0.0.1, which webhooks may call only with WEBHOOK_ALLOW_PRIVATE."""
    settings.WEBHOOK_ALLOW_PRIVATE = True
    started = Receiver().start()
    yield started
    started.stop()
