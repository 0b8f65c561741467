"""The result cache: Redis shared by every gateway replica, with a small in-process TTL LRU
standing in while Redis cannot be reached (at start-up or during an outage).

Redis calls have short time-outs and no retries. While Redis is down, one request every
``retry_s`` tries it again (the others go straight to the fallback), so an outage costs no
latency; the first failure logs one line, the first success after it logs one more.
"""

import time
from collections import OrderedDict
from typing import Literal

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from servicekit.app import CheckStatus
from servicekit.logging import get_logger

log = get_logger("gateway.cache")

CacheTier = Literal["redis", "memory"]


class MemoryCache:
    """A bounded LRU whose entries also expire."""

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max(1, max_entries)
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires_at, value = entry
        if expires_at <= time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def set(self, key: str, value: bytes, ttl_s: float) -> None:
        self._entries[key] = (time.monotonic() + ttl_s, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class ResultCache:
    def __init__(
        self,
        redis_url: str,
        *,
        timeout_s: float = 0.3,
        retry_s: float = 1.0,
        memory_entries: int = 1024,
    ) -> None:
        self.redis_url = redis_url
        self.retry_s = retry_s
        self.memory = MemoryCache(memory_entries)
        self.redis = aioredis.Redis.from_url(
            redis_url,
            socket_timeout=timeout_s,
            socket_connect_timeout=timeout_s,
            retry=Retry(NoBackoff(), 1),  # one retry: a pooled connection gone stale
            health_check_interval=0,
        )
        self._up = False
        self._retry_at = 0.0
        self._last_error = ""

    @property
    def redis_up(self) -> bool:
        return self._up

    async def start(self) -> None:
        try:
            await self.redis.ping()
        except (TimeoutError, RedisError, OSError) as exc:
            self._up = False
            self._last_error = str(exc) or type(exc).__name__
            self._retry_at = time.monotonic() + self.retry_s
            log.warning(
                "Redis unreachable at start-up: using the in-process cache until it answers",
                extra={
                    "redis_url": self.redis_url,
                    "error": self._last_error,
                    "memory_entries": self.memory.max_entries,
                },
            )
            return
        self._up = True
        log.info("result cache on Redis", extra={"redis_url": self.redis_url})

    async def close(self) -> None:
        await self.redis.aclose()

    def _should_try_redis(self) -> bool:
        if self._up:
            return True
        now = time.monotonic()
        if now < self._retry_at:
            return False
        self._retry_at = now + self.retry_s  # this caller probes; the others keep to the fallback
        return True

    def _mark_down(self, exc: BaseException) -> None:
        self._last_error = str(exc) or type(exc).__name__
        self._retry_at = time.monotonic() + self.retry_s
        if self._up:
            self._up = False
            log.warning(
                "Redis unreachable: answers are served without it until it returns",
                extra={"redis_url": self.redis_url, "error": self._last_error},
            )

    def _mark_up(self) -> None:
        if not self._up:
            self._up = True
            log.info(
                "Redis reachable again: result cache back on Redis",
                extra={"redis_url": self.redis_url},
            )

    async def get(self, key: str) -> tuple[bytes | None, CacheTier | None]:
        if self._should_try_redis():
            try:
                value = await self.redis.get(key)
            except (TimeoutError, RedisError, OSError) as exc:
                self._mark_down(exc)
            else:
                self._mark_up()
                if value is None:
                    return None, None
                return (value.encode() if isinstance(value, str) else bytes(value)), "redis"
        value = self.memory.get(key)
        return (value, "memory") if value is not None else (None, None)

    async def set(self, key: str, value: bytes, ttl_s: int) -> CacheTier:
        if self._should_try_redis():
            try:
                await self.redis.set(key, value, ex=max(1, int(ttl_s)))
            except (TimeoutError, RedisError, OSError) as exc:
                self._mark_down(exc)
            else:
                self._mark_up()
                return "redis"
        self.memory.set(key, value, ttl_s)
        return "memory"

    async def check(self) -> tuple[CheckStatus, str]:
        """Readiness: Redis answering is ``ok``; the in-process fallback is ``degraded``."""
        try:
            await self.redis.ping()
        except (TimeoutError, RedisError, OSError) as exc:
            self._mark_down(exc)
            return (
                "degraded",
                f"Redis unreachable ({self._last_error}); in-process cache with "
                f"{len(self.memory)} entries",
            )
        self._mark_up()
        return "ok", "Redis answers"
