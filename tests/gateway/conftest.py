"""The local stack as real processes on loopback, built once for the gateway tests: Redis, the
SkyServer stand-in, catalog, preprocessor, inference (tiny models), gateway."""

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.support.processes import (
    RedisServer,
    ServiceProcess,
    free_port,
    redis_server,
    service_process,
)

# Small enough to test 413 quickly; large enough for every image the tests send.
MAX_UPLOAD_BYTES = 1_000_000


@dataclass
class Stack:
    redis: RedisServer
    skyserver: ServiceProcess
    catalog: ServiceProcess
    preprocessor: ServiceProcess
    inference: ServiceProcess
    gateway: ServiceProcess
    data_dir: Path
    log_dir: Path

    @property
    def url(self) -> str:
        return self.gateway.url

    def gateway_env(self, **overrides: str) -> dict[str, str]:
        env = {
            "GATEWAY_CATALOG_URL": self.catalog.url,
            "GATEWAY_PREPROCESSOR_URL": self.preprocessor.url,
            "GATEWAY_INFERENCE_URL": self.inference.url,
            "GATEWAY_REDIS_URL": self.redis.url,
            "GATEWAY_DATA_DIR": str(self.data_dir),
            "GATEWAY_REDIS_RETRY_S": "0.2",
            "GATEWAY_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
            "GATEWAY_CATALOG_TIMEOUT_S": "10",
        }
        env.update(overrides)
        return env

    def settings(self, **overrides: object) -> GatewaySettings:
        """Settings for an in-process gateway wired to this stack (``overrides`` win)."""
        values: dict[str, object] = {
            "catalog_url": self.catalog.url,
            "preprocessor_url": self.preprocessor.url,
            "inference_url": self.inference.url,
            "redis_url": self.redis.url,
            "data_dir": self.data_dir,
            "max_upload_bytes": MAX_UPLOAD_BYTES,
        }
        values.update(overrides)
        return GatewaySettings.model_validate(values)

    def skyserver_mode(self, mode: str, delay_s: float = 0.0) -> None:
        response = httpx.get(
            f"{self.skyserver.url}/standin/mode", params={"mode": mode, "delay": delay_s}
        )
        response.raise_for_status()

    def gateway_log(self) -> list[dict[str, object]]:
        entries = []
        for line in self.gateway.log_lines():
            if line.startswith("{"):
                entries.append(json.loads(line))
        return entries


@pytest.fixture(scope="session")
def stack(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("gateway-stack-logs")
    data = tmp_path_factory.mktemp("gateway-stack-data")
    with ExitStack() as resources:
        redis = resources.enter_context(redis_server())
        skyserver = resources.enter_context(
            service_process(
                "catalog.skyserver_standin",
                {},
                logs,
                args=["--port", "{port}"],
                env_prefix="SKYSERVER_STANDIN",
            )
        )
        catalog = resources.enter_context(
            service_process(
                "catalog",
                {
                    "CATALOG_DATA_DIR": str(data),
                    "CATALOG_SKYSERVER_URL": skyserver.url,
                    "CATALOG_SKYSERVER_TIMEOUT_S": "3.0",
                    "CATALOG_SKYSERVER_RETRY_BACKOFF_S": "0",
                },
                logs,
            )
        )
        preprocessor = resources.enter_context(
            service_process("preprocessor", {"PREPROCESSOR_DATA_DIR": str(data)}, logs)
        )
        inference = resources.enter_context(
            service_process(
                "inference",
                {"INFERENCE_MODELS_DIR": str(tiny_models), "INFERENCE_DATA_DIR": str(data)},
                logs,
                startup_timeout_s=120,
            )
        )
        partial = Stack(redis, skyserver, catalog, preprocessor, inference, None, data, logs)  # type: ignore[arg-type]
        gateway = resources.enter_context(service_process("gateway", partial.gateway_env(), logs))
        partial.gateway = gateway
        yield partial
        if partial.redis.process.poll() is None:  # a test may have restarted it
            partial.redis.stop()


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
