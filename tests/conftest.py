from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import RedisServer, redis_server


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A fresh redis-server on a free loopback port, stopped after the test."""
    with redis_server() as server:
        yield server
