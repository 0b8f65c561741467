"""The cache seen from outside, over the real stack: Redis serves repeats, a Redis outage
costs only the caching, and the cache comes back when Redis does."""

import asyncio
import json
import re
import shutil
import time
from pathlib import Path

import httpx
import pytest

from devstack.processes import service_process, start_redis
from tests.gateway.conftest import Stack, in_process_gateway

pytestmark = pytest.mark.slow


def metric(stack: Stack, name: str, labels: str = "") -> float:
    text = httpx.get(f"{stack.url}/metrics", timeout=10).text
    match = re.search(rf"^{re.escape(name + labels)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def wait_ready(stack: Stack, status: str, timeout_s: float = 10.0) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    body: dict[str, object] = {}
    while time.monotonic() < deadline:
        response = httpx.get(f"{stack.url}/readyz", timeout=5)
        body = response.json()
        if body["status"] == status:
            assert response.status_code == 200
            return body
        time.sleep(0.1)
    raise AssertionError(f"readyz never said {status}: {body}")


def log_messages(stack: Stack, fragment: str) -> list[str]:
    return [str(e["msg"]) for e in stack.gateway_log() if fragment in str(e.get("msg", ""))]


def test_redis_outage_serves_uncached_then_recovers(stack: Stack) -> None:
    ra = 200.0
    params = {"ra": ra, "dec": 10.0, "fov": 1.2}
    first = httpx.get(f"{stack.url}/api/coord", params=params, timeout=60)
    assert first.status_code == 200, first.text
    assert httpx.get(f"{stack.url}/api/coord", params=params, timeout=60).json()["cached"]

    stack.redis.stop()
    try:
        outage = httpx.get(f"{stack.url}/api/coord", params=params, timeout=60)
        assert outage.status_code == 200, outage.text
        assert outage.json()["cached"] is False
        assert outage.json()["inclination"] == first.json()["inclination"]
        for _ in range(3):  # more requests during the outage: answered, no more log lines
            response = httpx.get(f"{stack.url}/api/pgc/42038", timeout=60)
            assert response.status_code == 200
            time.sleep(0.25)
        ready = wait_ready(stack, "degraded")
        assert ready["checks"]["redis"]["status"] == "degraded"  # type: ignore[index]
        assert len(log_messages(stack, "Redis unreachable")) == 1
    finally:
        stack.redis = start_redis(stack.redis.port)

    wait_ready(stack, "ok")
    assert len(log_messages(stack, "Redis reachable again")) == 1
    again = httpx.get(f"{stack.url}/api/coord", params={**params, "ra": ra + 1}, timeout=60)
    assert again.status_code == 200
    cached = httpx.get(f"{stack.url}/api/coord", params={**params, "ra": ra + 1}, timeout=60)
    assert cached.json()["cached"] is True
    assert cached.headers["X-Cache"] == "redis"


async def test_identical_concurrent_requests_are_computed_once(stack: Stack) -> None:
    params = {"ra": 210.5, "dec": 12.5, "fov": 1.1}  # a field nobody asked for yet
    computed = metric(stack, "incline_gateway_computations_total")
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as client:
        responses = await asyncio.gather(
            *(client.get("/api/coord", params=params) for _ in range(8))
        )
    assert all(r.status_code == 200 for r in responses)
    assert len({r.json()["inclination"]["median"] for r in responses}) == 1
    assert metric(stack, "incline_gateway_computations_total") == computed + 1


async def test_new_models_never_serve_old_answers(
    stack: Stack, tiny_models: Path, tmp_path: Path
) -> None:
    old = httpx.get(f"{stack.url}/api/pgc/9031", timeout=60)
    assert old.status_code == 200
    # Another model set: the same networks, one manifest changed (so another version hash).
    changed = tmp_path / "models"
    shutil.copytree(tiny_models, changed)
    manifest_path = changed / "tiny-a" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["alarm_threshold_deg"] = manifest["alarm_threshold_deg"] + 1.5
    manifest_path.write_text(json.dumps(manifest))

    with service_process(
        "inference", {"INFERENCE_MODELS_DIR": str(changed)}, stack.log_dir, startup_timeout_s=120
    ) as new_inference:
        # A second gateway replica on the same Redis, in front of the new models.
        async with in_process_gateway(stack.settings(inference_url=new_inference.url)) as client:
            new = await client.get("/api/pgc/9031")
            assert new.status_code == 200, new.text
            assert new.json()["model_set_version"] != old.json()["model_set_version"]
            assert new.json()["cached"] is False
            repeat = await client.get("/api/pgc/9031")
            assert repeat.json()["cached"] is True
            assert repeat.headers["X-Cache"] == "redis"
    # The replica on the old models still gets the old models' answer.
    again = httpx.get(f"{stack.url}/api/pgc/9031", timeout=60).json()
    assert again["cached"] is True
    assert again["model_set_version"] == old.json()["model_set_version"]


async def test_an_unreadable_cache_entry_is_recomputed(stack: Stack) -> None:
    from redis.asyncio import Redis

    async with in_process_gateway(stack.settings()) as client:
        first = await client.get("/api/pgc/2557")
        assert first.status_code == 200
        store = Redis.from_url(stack.redis.url)
        try:
            mine = [
                key
                async for key in store.scan_iter("incline:result:*")
                if b'"query": {"pgc": 2557}' in (await store.get(key) or b"")
            ]
            assert mine
            for key in mine:
                await store.set(key, b"{not json")
            again = await client.get("/api/pgc/2557")
            assert again.status_code == 200, again.text
            assert again.json()["cached"] is False
            assert (await client.get("/api/pgc/2557")).json()["cached"] is True
        finally:
            await store.aclose()
