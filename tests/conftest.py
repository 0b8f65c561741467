from collections.abc import Iterator
from pathlib import Path

import pytest

from devstack.processes import RedisServer, redis_server


@pytest.fixture
def redis() -> Iterator[RedisServer]:
    """A fresh redis-server on a free loopback port, stopped after the test."""
    with redis_server() as server:
        yield server


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real model repository (three tiny flavors trained in seconds), built once per session."""
    from training.quick import make_tiny_repository

    models_dir = tmp_path_factory.mktemp("tiny-models")
    make_tiny_repository(models_dir)
    return models_dir
