"""The Redis cache, failing open: when Redis cannot be reached, a read is a miss and a write
is dropped, so every user of the cache (report and count caches, auth throttles, import
progress) computes afresh instead of answering 500 (SPEC §19).

After a connection error, a timeout or an error reply (e.g. out of memory, a read-only
replica) the process leaves Redis alone for `REST_SECONDS`: a Redis that hangs costs one
short timeout (the socket timeouts in settings), not one per cache call of every request.
The errors caught are django-redis's IGNORE_EXCEPTIONS set; anything else still raises.
"""

import logging
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

FAILURES = (RedisConnectionError, RedisTimeoutError, ResponseError)
REST_SECONDS = 5.0

# Per process and server: when Redis may be tried again (time.monotonic()).
_resting_until: dict[str, float] = {}


class _ReusedClientRedisCacheClient(RedisCacheClient):
    """Django's client builds a `redis.Redis` on every cache call (its set-up, a table of
    reply parsers, costs more than a local round trip); one per connection pool is kept
    instead. A `redis.Redis` is safe to share between threads: it takes a connection from
    its pool for each command (and the pool starts afresh in a forked process)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _ReusedClientRedisCacheClient

    def _server(self) -> str:
        return self._servers[0]

    def _guarded(self, call: Callable[[], Any], fallback: Any) -> Any:
        if time.monotonic() < _resting_until.get(self._server(), 0.0):
            return fallback
        try:
            return call()
        except FAILURES as error:
            _resting_until[self._server()] = time.monotonic() + REST_SECONDS
            # Once per rest, and without the URL (it may hold a password).
            logger.warning(
                "Redis cache failed (%s): serving without it for %.0f s", error, REST_SECONDS
            )
            return fallback

    def ping(self) -> bool:
        """Whether Redis answers now (for /health); ends the rest when it does."""
        try:
            self._cache.get_client().ping()
        except FAILURES:
            return False
        _resting_until.pop(self._server(), None)
        return True

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(partial(super().add, key, value, timeout, version), False)

    def get(self, key, default=None, version=None):
        return self._guarded(partial(super().get, key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(partial(super().set, key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(partial(super().touch, key, timeout, version), False)

    def delete(self, key, version=None):
        return self._guarded(partial(super().delete, key, version), False)

    def get_many(self, keys, version=None):
        return self._guarded(partial(super().get_many, keys, version), {})

    def has_key(self, key, version=None):
        return self._guarded(partial(super().has_key, key, version), False)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._guarded(partial(super().incr, key, delta, version), missing)
        if result is missing:  # as for any key the cache does not hold
            raise ValueError(f"Key '{key}' not found.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guarded(partial(super().set_many, data, timeout, version), list(data))

    def delete_many(self, keys, version=None):
        return self._guarded(partial(super().delete_many, keys, version), None)

    def clear(self):
        return self._guarded(super().clear, False)
