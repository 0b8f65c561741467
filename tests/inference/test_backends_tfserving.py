"""The tfserving backend against the TF Serving stand-in over a real loopback gRPC channel."""

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from devstack.processes import free_port
from tests.inference.conftest import app_client, post_npy, rot4, settings_for, standin


def tfs(models_dir: Path, data_dir: Path, address: str, **overrides: object):  # type: ignore[no-untyped-def]
    return settings_for(
        models_dir, data_dir, backend="tfserving", tfserving_address=address, **overrides
    )


async def test_results_are_identical_to_the_embedded_backend(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    images = rot4(galaxies)
    async with app_client(settings_for(tiny_repo, data_dir)) as client:
        embedded = (await post_npy(client, images, copies_per_galaxy=4)).json()
    async with (
        standin(tiny_repo) as address,
        app_client(tfs(tiny_repo, data_dir, address)) as client,
    ):
        ready = await client.get("/readyz")
        served = (await post_npy(client, images, copies_per_galaxy=4)).json()

    assert ready.json()["checks"]["models"]["status"] == "ok"
    assert served["backend"] == "tfserving"
    assert served["failed_flavors"] == []
    assert served["model_set_version"] == embedded["model_set_version"]
    assert served["galaxies"] == embedded["galaxies"]


async def test_a_large_batch_goes_in_chunks_past_the_default_message_limit(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    """48 galaxies x 4 copies = 37 MB of float32, over gRPC's 4 MiB default."""
    images = rot4(np.concatenate([galaxies] * 8))
    settings = tfs(tiny_repo, data_dir, "", chunk_images=96)
    async with standin(tiny_repo) as address:
        settings.tfserving_address = address
        async with app_client(settings) as client:
            response = await post_npy(client, images, copies_per_galaxy=4)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["failed_flavors"] == []
    assert len(body["galaxies"]) == 48
    # the same galaxy repeated gives the same answer wherever it sits in the batch
    assert body["galaxies"][0] == body["galaxies"][6] == body["galaxies"][42]


async def test_a_failing_flavor_is_left_out_and_named(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    async with (
        standin(tiny_repo, fail=frozenset({"tiny-b"})) as address,
        app_client(tfs(tiny_repo, data_dir, address)) as client,
    ):
        response = await post_npy(client, galaxies[:3])
    assert response.status_code == 200
    body = response.json()
    assert len(body["failed_flavors"]) == 1
    failed = body["failed_flavors"][0]
    assert failed["name"] == "tiny-b"
    assert "INTERNAL" in failed["reason"] and "injected failure" in failed["reason"]
    for galaxy in body["galaxies"]:
        assert [f["name"] for f in galaxy["flavors"]] == ["tiny-a", "tiny-c"]


async def test_a_hanging_flavor_misses_its_deadline_and_the_answer_still_comes(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    settings = tfs(tiny_repo, data_dir, "", flavor_timeout_s=0.5, flavor_timeout_per_image_s=0.0)
    async with standin(tiny_repo, hang=frozenset({"tiny-c"})) as address:
        settings.tfserving_address = address
        async with app_client(settings) as client:
            start = time.monotonic()
            response = await post_npy(client, galaxies[:2])
            elapsed = time.monotonic() - start
    assert response.status_code == 200
    assert response.json()["failed_flavors"] == [{"name": "tiny-c", "reason": "deadline exceeded"}]
    assert 0.5 <= elapsed < 3.0


async def test_fewer_flavors_than_the_quorum_is_a_503_not_a_hang(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    settings = tfs(tiny_repo, data_dir, "", flavor_timeout_s=0.5, flavor_timeout_per_image_s=0.0)
    faults = {"fail": frozenset({"tiny-a"}), "hang": frozenset({"tiny-b"})}
    async with standin(tiny_repo, **faults) as address:
        settings.tfserving_address = address
        async with app_client(settings) as client:
            start = time.monotonic()
            response = await post_npy(client, galaxies[:1])
            elapsed = time.monotonic() - start
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/quorum-not-met")
    assert "1 of 3" in problem["detail"] and "quorum is 2" in problem["detail"]
    assert {f["name"] for f in problem["failed_flavors"]} == {"tiny-a", "tiny-b"}
    assert elapsed < 3.0


async def test_a_signature_that_does_not_match_the_manifest_marks_the_flavor_unavailable(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    async with (
        standin(tiny_repo, mismatch=frozenset({"tiny-a"})) as address,
        app_client(tfs(tiny_repo, data_dir, address)) as client,
    ):
        models = (await client.get("/models")).json()
        ready = await client.get("/readyz")
        response = await post_npy(client, galaxies[:1])

    status = {f["name"]: f for f in models["flavors"]}
    assert status["tiny-a"]["status"] == "unavailable"
    assert "signature does not match" in status["tiny-a"]["reason"]
    assert "[?, 128, 128, 1]" in status["tiny-a"]["reason"]
    assert status["tiny-b"]["status"] == status["tiny-c"]["status"] == "available"
    assert ready.status_code == 200
    assert ready.json()["checks"]["models"]["status"] == "degraded"
    assert response.status_code == 200
    assert [f["name"] for f in response.json()["failed_flavors"]] == ["tiny-a"]


async def test_a_flavor_still_loading_is_unavailable(tiny_repo: Path, data_dir: Path) -> None:
    async with (
        standin(tiny_repo, loading=frozenset({"tiny-c"})) as address,
        app_client(tfs(tiny_repo, data_dir, address)) as client,
    ):
        models = (await client.get("/models")).json()
    tiny_c = next(f for f in models["flavors"] if f["name"] == "tiny-c")
    assert tiny_c["status"] == "unavailable"
    assert "LOADING" in tiny_c["reason"]


async def test_each_flavor_goes_to_its_own_address(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    """The default address fails tiny-b; the per-flavor mapping sends tiny-b to a healthy one."""
    async with (
        standin(tiny_repo, fail=frozenset({"tiny-b"})) as default,
        standin(tiny_repo) as healthy,
    ):
        settings = tfs(tiny_repo, data_dir, default, tfserving_addresses={"tiny-b": healthy})
        async with app_client(settings) as client:
            response = await post_npy(client, galaxies[:1])
    assert response.status_code == 200
    assert response.json()["failed_flavors"] == []


async def test_tf_serving_down_then_up(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    """Started before TF Serving: not ready, 503; once it answers, the flavors come back."""
    repo = derive(tiny_a=("tiny-a", None))
    port = free_port()
    address = f"127.0.0.1:{port}"
    settings = tfs(repo, data_dir, address, recheck_interval_s=0.0, tfserving_check_timeout_s=1.0)
    async with app_client(settings) as client:
        down = await client.get("/readyz")
        refused = await post_npy(client, galaxies[:1])
        from standins.tfserving import ModelServer, start_server

        server = ModelServer.load(repo)
        grpc_server, _ = await start_server(server, port=port)
        try:
            deadline = time.monotonic() + 10.0
            up = await client.get("/readyz")
            while up.status_code != 200 and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                up = await client.get("/readyz")
            answered = await post_npy(client, galaxies[:1])
        finally:
            await grpc_server.stop(grace=None)
            server.close()

    assert down.status_code == 503
    assert "unreachable" in down.json()["checks"]["models"]["detail"]
    assert refused.status_code == 503
    assert "unreachable" in json.dumps(refused.json()["failed_flavors"])
    assert up.status_code == 200, up.text
    assert answered.status_code == 200
    assert answered.json()["backend"] == "tfserving"
