"""The four services as real processes on loopback, wired together as `make run` wires them."""

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.processes import (
    RedisServer,
    ServiceProcess,
    redis_server,
    service_process,
)


@dataclass
class Stack:
    redis: RedisServer
    skyserver: ServiceProcess
    catalog: ServiceProcess
    preprocessor: ServiceProcess
    inference: ServiceProcess
    gateway: ServiceProcess

    def services(self) -> dict[str, ServiceProcess]:
        return {
            "catalog": self.catalog,
            "preprocessor": self.preprocessor,
            "inference": self.inference,
            "gateway": self.gateway,
        }


@pytest.fixture(scope="module")
def stack(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    logs = tmp_path_factory.mktemp("stack-logs")
    data = tmp_path_factory.mktemp("stack-data")
    with ExitStack() as stack:
        redis = stack.enter_context(redis_server())
        skyserver = stack.enter_context(
            service_process(
                "catalog.skyserver_standin", {}, logs, args=["--port", "{port}"],
                env_prefix="SKYSERVER_STANDIN",
            )
        )
        catalog = stack.enter_context(
            service_process(
                "catalog",
                {"CATALOG_DATA_DIR": str(data), "CATALOG_SKYSERVER_URL": skyserver.url},
                logs,
            )
        )
        preprocessor = stack.enter_context(
            service_process("preprocessor", {"PREPROCESSOR_DATA_DIR": str(data)}, logs)
        )
        inference = stack.enter_context(
            service_process(
                "inference",
                {"INFERENCE_MODELS_DIR": str(tiny_models), "INFERENCE_DATA_DIR": str(data)},
                logs,
                startup_timeout_s=120,
            )
        )
        gateway = stack.enter_context(
            service_process(
                "gateway",
                {
                    "GATEWAY_CATALOG_URL": catalog.url,
                    "GATEWAY_PREPROCESSOR_URL": preprocessor.url,
                    "GATEWAY_INFERENCE_URL": inference.url,
                    "GATEWAY_REDIS_URL": redis.url,
                    "GATEWAY_DATA_DIR": str(data),
                },
                logs,
            )
        )
        yield Stack(redis, skyserver, catalog, preprocessor, inference, gateway)


def test_every_service_is_ready(stack: Stack) -> None:
    for name, service in stack.services().items():
        response = httpx.get(f"{service.url}/readyz", timeout=10)
        assert response.status_code == 200, (name, response.text)
        body = response.json()
        assert body["service"] == name
        assert body["status"] == "ok", (name, body)


def test_every_service_exposes_metrics(stack: Stack) -> None:
    for name, service in stack.services().items():
        text = httpx.get(f"{service.url}/metrics", timeout=10).text
        assert f'service="{name}"' in text, name


def _request_ids_logged(service: ServiceProcess) -> set[str]:
    ids = set()
    for line in service.log_lines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and "request_id" in entry:
            ids.add(str(entry["request_id"]))
    return ids


def test_request_id_travels_from_gateway_to_every_service_it_calls(stack: Stack) -> None:
    request_id = "trace-pgc-2557-from-stack-test"
    response = httpx.get(
        f"{stack.gateway.url}/api/pgc/2557", headers={"X-Request-ID": request_id}, timeout=60
    )
    assert response.status_code == 200, response.text
    assert response.headers["X-Request-ID"] == request_id
    # A service writes its access line just after the response leaves: allow it a moment.
    deadline = time.monotonic() + 10
    missing = ["gateway", "catalog", "preprocessor", "inference"]
    while missing and time.monotonic() < deadline:
        missing = [
            name
            for name, service in stack.services().items()
            if request_id not in _request_ids_logged(service)
        ]
        time.sleep(0.1)
    assert missing == []


def test_logs_are_json_lines(stack: Stack) -> None:
    for service in stack.services().values():
        # TensorFlow's C++ runtime may print a plain line of its own at start-up; every line the
        # service itself logs is one JSON object.
        lines = [line for line in service.log_lines() if line.startswith("{")]
        assert lines, service.name
        parsed = [json.loads(line) for line in lines]
        assert all(entry["service"] == service.name for entry in parsed)
