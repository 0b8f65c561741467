"""The local stack as real processes on loopback, built once for the gateway tests: Redis, the
SkyServer stand-in, catalog, preprocessor, inference (tiny models), gateway
(``devstack.stack.local_stack``)."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from devstack.processes import free_port
from devstack.stack import Stack, local_stack
from gateway.app import create_app
from gateway.settings import GatewaySettings

__all__ = ["MAX_BATCH_BYTES", "MAX_UPLOAD_BYTES", "Stack", "in_process_gateway"]

# Small enough to test 413 quickly; large enough for every image the tests send.
MAX_UPLOAD_BYTES = 1_000_000
# Below the upload limit, so that the two limits can be told apart.
MAX_BATCH_BYTES = 500_000

GATEWAY_TEST_OPTIONS = {
    "GATEWAY_REDIS_RETRY_S": "0.2",
    "GATEWAY_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
    "GATEWAY_MAX_BATCH_BYTES": str(MAX_BATCH_BYTES),
    "GATEWAY_CATALOG_TIMEOUT_S": "10",
}
CATALOG_TEST_OPTIONS = {
    "CATALOG_SKYSERVER_TIMEOUT_S": "3.0",
    "CATALOG_SKYSERVER_RETRY_BACKOFF_S": "0",
}


@pytest.fixture(scope="session")
def stack(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack(
        tiny_models,
        tmp_path_factory.mktemp("gateway-stack"),
        gateway_options=GATEWAY_TEST_OPTIONS,
        catalog_options=CATALOG_TEST_OPTIONS,
    ) as started:
        yield started


_REPORTED_EXITS: set[int] = set()


@pytest.fixture(autouse=True)
def stack_survives(request: pytest.FixtureRequest) -> Iterator[None]:
    """A service of the shared stack that dies during a test fails that test with its exit
    status and the end of its log (after a native crash, every thread's Python stack, by
    ``PYTHONFAULTHANDLER``): the later tests fail on a refused connection, this one says why."""
    yield
    if "stack" not in request.fixturenames:
        return
    started: Stack = request.getfixturevalue("stack")
    for name, service in started.services().items():
        if not service.running() and service.pid not in _REPORTED_EXITS:
            _REPORTED_EXITS.add(service.pid)
            tail = "\n".join(service.log_lines()[-60:])
            pytest.fail(
                f"the stack's {name} exited with {service.process.returncode} during this test;"
                f" the end of its log:\n{tail}"
            )


@pytest.fixture
def dead_url() -> str:
    """A loopback URL where nothing listens: a service that is down."""
    return f"http://127.0.0.1:{free_port()}"


@asynccontextmanager
async def in_process_gateway(settings: GatewaySettings) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in this process, its lifespan run, over a real ASGI transport."""
    app = create_app(settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway", timeout=60
        ) as client,
    ):
        yield client
