"""Real processes on loopback for tests: the shared launcher lives in ``devstack.processes``
(tests, benchmarks, load and soak runs all use it); re-exported here for the tests."""

from devstack.processes import (
    REPO_ROOT,
    RedisServer,
    ServiceProcess,
    free_port,
    redis_binary,
    redis_server,
    rss_kib,
    service_process,
    start_redis,
    stop_process,
    wait_for_http,
    wait_for_tcp,
)

__all__ = [
    "REPO_ROOT",
    "RedisServer",
    "ServiceProcess",
    "free_port",
    "redis_binary",
    "redis_server",
    "rss_kib",
    "service_process",
    "start_redis",
    "stop_process",
    "wait_for_http",
    "wait_for_tcp",
]
