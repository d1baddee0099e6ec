"""Every operation of the API, for tests that must cover all endpoints at once."""

import re
import uuid
from collections.abc import Iterator

from config.api import api

_PARAM = re.compile(r"\{(?:\w+:)?(\w+)\}")


def operations() -> Iterator[tuple[str, str]]:
    """(method, path template) of every operation, e.g. ("GET", "/ledgers/{uuidstr:lid}")."""
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            full = "/" + "/".join(p.strip("/") for p in (prefix, path) if p.strip("/"))
            for operation in view.operations:
                for method in operation.methods:
                    yield method, full


def ledger_operations() -> list[tuple[str, str]]:
    return sorted({(m, p) for m, p in operations() if re.search(r"\{(\w+:)?lid\}", p)})


def fill(path: str, **values: object) -> str:
    return _PARAM.sub(lambda m: str(values.get(m.group(1), uuid.uuid4())), path)
