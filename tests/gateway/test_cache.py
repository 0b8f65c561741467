"""The result cache against a real redis-server: Redis first, the in-process LRU while Redis is
away, one log line per outage and one on recovery, no waiting on a dead Redis."""

import logging
import time

import pytest

from devstack.processes import RedisServer, free_port, start_redis
from gateway.cache import MemoryCache, ResultCache

CACHE_LOGGER = "gateway.cache"


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == CACHE_LOGGER]


async def test_values_round_trip_through_redis(redis: RedisServer) -> None:
    cache = ResultCache(redis.url, retry_s=0.05)
    await cache.start()
    try:
        assert await cache.get("k1") == (None, None)
        assert await cache.set("k1", b'{"x": 1}', ttl_s=60) == "redis"
        assert await cache.get("k1") == (b'{"x": 1}', "redis")
        assert 0 < await cache.redis.ttl("k1") <= 60
        assert await cache.check() == ("ok", "Redis answers")
    finally:
        await cache.close()


async def test_outage_falls_back_logs_once_and_recovers(
    redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=CACHE_LOGGER)
    cache = ResultCache(redis.url, retry_s=0.05)
    await cache.start()
    try:
        await cache.set("before", b"1", ttl_s=60)
        redis.stop()
        for i in range(5):
            assert await cache.set(f"during-{i}", b"2", ttl_s=60) == "memory"
            assert await cache.get(f"during-{i}") == (b"2", "memory")
            time.sleep(0.06)  # past retry_s: every round probes Redis again
        assert (await cache.check())[0] == "degraded"
        outage = [m for m in messages(caplog) if "unreachable" in m]
        assert len(outage) == 1, messages(caplog)

        restarted = start_redis(redis.port)
        try:
            time.sleep(0.06)
            assert await cache.set("after", b"3", ttl_s=60) == "redis"
            assert await cache.get("after") == (b"3", "redis")
            recovered = [m for m in messages(caplog) if "again" in m]
            assert len(recovered) == 1, messages(caplog)
            assert (await cache.check())[0] == "ok"
        finally:
            restarted.stop()
    finally:
        await cache.close()


async def test_redis_absent_at_start_uses_memory_and_says_so(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger=CACHE_LOGGER)
    cache = ResultCache(f"redis://127.0.0.1:{free_port()}/0", retry_s=60)
    await cache.start()
    try:
        assert not cache.redis_up
        assert any("in-process cache" in m for m in messages(caplog))
        started = time.perf_counter()
        assert await cache.set("k", b"v", ttl_s=60) == "memory"
        assert await cache.get("k") == (b"v", "memory")
        # Between probes no call goes to Redis at all.
        assert time.perf_counter() - started < 0.05
    finally:
        await cache.close()


async def test_redis_appearing_later_is_picked_up() -> None:
    port = free_port()
    cache = ResultCache(f"redis://127.0.0.1:{port}/0", retry_s=0.05)
    await cache.start()
    server = start_redis(port)
    try:
        time.sleep(0.06)
        assert await cache.set("k", b"v", ttl_s=60) == "redis"
        assert cache.redis_up
    finally:
        server.stop()
        await cache.close()


def test_memory_cache_is_bounded_lru_with_expiry() -> None:
    memory = MemoryCache(max_entries=2)
    memory.set("a", b"1", ttl_s=60)
    memory.set("b", b"2", ttl_s=60)
    assert memory.get("a") == b"1"  # a is now the most recent
    memory.set("c", b"3", ttl_s=60)
    assert memory.get("b") is None
    assert memory.get("a") == b"1"
    memory.set("short", b"4", ttl_s=0.01)
    time.sleep(0.02)
    assert memory.get("short") is None  # expired, and dropped
    assert memory.get("c") is None  # evicted by "short": a was used more recently
    assert memory.get("a") == b"1"
    assert len(memory) == 1
