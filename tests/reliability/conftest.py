"""One local stack for the reliability suite, with inference on its tfserving backend over the
TF Serving stand-in (so that a flavor can be made to fail or hang by restarting the stand-in),
and time-outs short enough that a fault is answered in seconds."""

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from devstack.stack import Stack, local_stack

MAX_UPLOAD_BYTES = 1_000_000
FLAVOR_TIMEOUT_S = 2.0
SKYSERVER_TIMEOUT_S = 3.0
PROBLEM = "application/problem+json"

GATEWAY_OPTIONS = {
    "GATEWAY_REDIS_RETRY_S": "0.2",
    "GATEWAY_MAX_UPLOAD_BYTES": str(MAX_UPLOAD_BYTES),
    "GATEWAY_MAX_BATCH_BYTES": str(MAX_UPLOAD_BYTES),
    "GATEWAY_CATALOG_TIMEOUT_S": "10",
    "GATEWAY_INFERENCE_TIMEOUT_S": "10",
    "GATEWAY_MODELS_TTL_S": "1",
    "GATEWAY_BATCH_MAX_ITEMS": "500",
}
CATALOG_OPTIONS = {
    "CATALOG_SKYSERVER_TIMEOUT_S": str(SKYSERVER_TIMEOUT_S),
    "CATALOG_SKYSERVER_RETRY_BACKOFF_S": "0",
}
INFERENCE_OPTIONS = {
    "INFERENCE_FLAVOR_TIMEOUT_S": str(FLAVOR_TIMEOUT_S),
    "INFERENCE_FLAVOR_TIMEOUT_PER_IMAGE_S": "0",
    "INFERENCE_RECHECK_INTERVAL_S": "1",
}


# Where ``python -m devstack.reliability`` asks the tests to write what they observed.
REPORT_ENV = "INCLINE_RELIABILITY_REPORT"


class Observations:
    """What the tests saw (status, seconds), for docs/reliability.md; kept only when
    ``INCLINE_RELIABILITY_REPORT`` names a file."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, suite: str, case: str, **values: Any) -> None:
        self.rows.append({"suite": suite, "case": case, **values})


@pytest.fixture(scope="session")
def observations() -> Iterator[Observations]:
    recorded = Observations()
    yield recorded
    target = os.environ.get(REPORT_ENV)
    if target:
        Path(target).write_text(json.dumps(recorded.rows, indent=1))


@pytest.fixture(scope="session")
def stack(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with local_stack(
        tiny_models,
        tmp_path_factory.mktemp("reliability-stack"),
        gateway_options=GATEWAY_OPTIONS,
        catalog_options=CATALOG_OPTIONS,
        inference_options=INFERENCE_OPTIONS,
        inference_backend="tfserving",
    ) as started:
        yield started


def assert_problem(response: httpx.Response, status: int | None = None) -> dict[str, object]:
    """A problem+json answer (with ``status`` when given, else any 4xx)."""
    if status is None:
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    else:
        assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, object] = response.json()
    assert body["status"] == response.status_code
    assert isinstance(body.get("title"), str) and body["title"]
    assert isinstance(body.get("detail"), str) and body["detail"]
    return body


def wait_until_healthy(stack: Stack, timeout_s: float = 60.0) -> None:
    """Until every service's /readyz says ok (a fault test leaves the stack as it found it)."""
    deadline = time.monotonic() + timeout_s
    answers: dict[str, tuple[int, str]] = {}
    while time.monotonic() < deadline:
        answers = stack.readiness()
        if all(answer == (200, "ok") for answer in answers.values()):
            return
        time.sleep(0.2)
    raise AssertionError(f"the stack did not become healthy in {timeout_s}s: {answers}")
