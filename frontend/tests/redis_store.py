"""The Redis the dashboard's session tests use: 127.0.0.1:6379 db 1 (DASHBOARD_TEST_REDIS_URL
overrides it). Tests write under a prefix of their own and delete only their keys."""

from __future__ import annotations

import os

import redis

TEST_REDIS_URL = os.environ.get("DASHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")


def unreachable_reason() -> str | None:
    """Why the tests cannot use the test Redis, or None when they can."""
    try:
        redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
    except (redis.RedisError, OSError) as error:
        return (
            f"Redis at {TEST_REDIS_URL} is unreachable ({error}); start one "
            "(`apt-get install redis-server` or `docker run -p 6379:6379 redis:7`) to run these"
        )
    return None


def delete_keys(prefix: str) -> None:
    client = redis.Redis.from_url(TEST_REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    if keys:
        client.delete(*keys)
