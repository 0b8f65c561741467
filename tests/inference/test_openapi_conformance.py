"""Schemathesis against the inference service's own OpenAPI document, the service running as a
process on the tiny repository: generated requests, valid and invalid, to every operation; no
5xx, and every answer conforms to the document (status codes, content types, bodies)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from devstack.processes import ServiceProcess, service_process
from inference.app import create_app
from inference.settings import InferenceSettings

CHECKS = (
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
)


@schemathesis.serializer("application/x-npy")
def _raw_bytes(_: object, value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


@pytest.fixture(scope="module")
def service(tiny_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    logs = tmp_path_factory.mktemp("conformance")
    env = {"INFERENCE_MODELS_DIR": str(tiny_repo), "INFERENCE_DATA_DIR": str(logs / "data")}
    with service_process("inference", env, logs) as process:
        yield process


@pytest.mark.slow
def test_every_operation_conforms_to_the_openapi_document(service: ServiceProcess) -> None:
    schema = schemathesis.openapi.from_dict(create_app(InferenceSettings()).openapi())
    operations = [result.ok() for result in schema.get_all_operations()
                  if isinstance(result, Ok)]
    assert {op.path for op in operations} >= {"/predict", "/models", "/readyz"}
    seen: list[tuple[str, int]] = []
    for operation in operations:

        @given(operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case: schemathesis.Case[Any]) -> None:
            response = case.call(base_url=service.url, timeout=60)
            seen.append((case.path, response.status_code))
            assert response.status_code < 500, (response.status_code, response.text[:500])
            case.validate_response(response, checks=list(CHECKS))

        run()
    predict_statuses = {status for path, status in seen if path == "/predict"}
    assert predict_statuses & {415, 422}, predict_statuses
