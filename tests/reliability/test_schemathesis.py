"""Schemathesis against the gateway's own OpenAPI document, on the live stack: generated
requests (valid and invalid) to every operation; no 5xx, and every answer conforms to the
schema (status codes documented, content types, bodies).

CI runs ``FUZZ_EXAMPLES`` cases per operation (``INCLINE_FUZZ_EXAMPLES``, default 12: about 130
cases in all); ``python -m devstack.reliability --fuzz-examples 100`` runs over 1,000."""

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import CheckFunction
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from devstack.stack import Stack
from gateway.app import create_app
from gateway.settings import GatewaySettings
from tests.reliability.conftest import Observations

pytestmark = pytest.mark.slow

FUZZ_EXAMPLES = int(os.environ.get("INCLINE_FUZZ_EXAMPLES", "12"))
# The server-error check is schemathesis' not_a_server_error; it runs first, explicitly below.
CHECKS: list[CheckFunction] = [
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


@pytest.fixture(scope="session")
def tally(observations: Observations) -> Iterator[Counter[str]]:
    """Status classes seen per operation, for the report."""
    seen: Counter[str] = Counter()
    yield seen
    for key, count in sorted(seen.items()):
        operation, status = key.rsplit(" ", 1)
        observations.add("schemathesis", operation, status=status, count=count)


def _gateway_schema() -> schemathesis.BaseSchema:
    """The gateway's OpenAPI document, as the app builds it (the one /openapi.json serves)."""
    return schemathesis.openapi.from_dict(create_app(GatewaySettings()).openapi())


# A FITS table goes as the bytes schemathesis makes up for any binary body.
schemathesis.serializer.alias("application/fits", "application/octet-stream")
schema = _gateway_schema()


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_gateway_conforms_to_its_openapi(
    case: schemathesis.Case[Any], stack: Stack, tally: Counter[str]
) -> None:
    response = case.call(base_url=stack.url, timeout=60)
    tally[f"{case.method.upper()} {case.path} {response.status_code // 100}xx"] += 1
    assert response.status_code < 500, (response.status_code, response.text[:500])
    checks = CHECKS
    if case.path == "/api/batch":
        # By design a batch answers 200 and gives each item its own status (one bad item does
        # not spoil the other thousands), so an invalid item is not a rejected request.
        checks = [c for c in CHECKS if c is not negative_data_rejection]
    case.validate_response(response, checks=checks)


def test_the_stack_is_healthy_after_fuzzing(stack: Stack) -> None:
    for name, (status, state) in stack.readiness().items():
        assert (status, state) == (200, "ok"), name
    assert httpx.get(f"{stack.url}/api/pgc/2557", timeout=60).status_code == 200
