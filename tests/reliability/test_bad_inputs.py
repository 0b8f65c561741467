"""The bad-input corpus (tests/reliability/bad_inputs.py) against the live stack: every case is
answered with the 4xx problem+json it deserves, quickly, and every service is still ready
afterwards."""

import time

import httpx
import pytest

from devstack.stack import Stack
from tests.reliability.bad_inputs import BadInput, corpus
from tests.reliability.conftest import (
    GATEWAY_OPTIONS,
    MAX_UPLOAD_BYTES,
    Observations,
    assert_problem,
    wait_until_healthy,
)

pytestmark = pytest.mark.slow

CASES = corpus(MAX_UPLOAD_BYTES, int(GATEWAY_OPTIONS["GATEWAY_BATCH_MAX_ITEMS"]))
HANG_BOUND_S = 20.0


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CASES) >= 40
    assert len({case.name for case in CASES}) == len(CASES)
    assert len({case.kind for case in CASES}) >= 8


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_is_a_4xx_problem(
    stack: Stack, case: BadInput, observations: Observations
) -> None:
    start = time.monotonic()
    response = httpx.request(
        case.method, f"{stack.url}{case.path}", timeout=HANG_BOUND_S * 2, **case.request_kwargs()
    )
    elapsed = time.monotonic() - start
    observations.add(
        "bad input",
        case.name,
        kind=case.kind,
        request=f"{case.method} {case.path}",
        status=response.status_code,
        seconds=round(elapsed, 3),
        detail=str(response.json().get("detail", ""))[:90] if response.content else "",
    )
    assert_problem(response, case.expect)
    assert elapsed < HANG_BOUND_S


def test_every_service_is_still_ready_after_the_corpus(stack: Stack) -> None:
    for case in CASES:  # once more, all of them, back to back
        httpx.request(case.method, f"{stack.url}{case.path}", timeout=60, **case.request_kwargs())
    wait_until_healthy(stack, timeout_s=10)
    assert httpx.get(f"{stack.url}/api/pgc/2557", timeout=60).status_code == 200
