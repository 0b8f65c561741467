"""The four services as real processes on loopback, wired together as `make run` wires them."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.processes import ServiceProcess
from devstack.stack import Stack, local_stack


@pytest.fixture(scope="module")
def stack(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack(tiny_models, tmp_path_factory.mktemp("stack")) as started:
        yield started


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
