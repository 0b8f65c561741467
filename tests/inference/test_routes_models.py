"""GET /models and /readyz."""

from collections.abc import Callable
from pathlib import Path

from inference.manifest import Manifest
from tests.inference.conftest import app_client, settings_for


async def test_models_lists_every_flavor_with_manifest_and_status(
    tiny_repo: Path, data_dir: Path
) -> None:
    async with app_client(settings_for(tiny_repo, data_dir)) as client:
        response = await client.get("/models")
        predict = await client.post(
            "/predict", content=b"", headers={"content-type": "application/x-npy"}
        )
    assert response.status_code == 200
    body = response.json()
    assert body["backend"] == "embedded"
    assert body["quorum"] == 2
    assert [f["name"] for f in body["flavors"]] == ["tiny-a", "tiny-b", "tiny-c"]
    for flavor in body["flavors"]:
        manifest = Manifest.model_validate(flavor["manifest"])
        assert manifest.name == flavor["name"]
        assert flavor["version"] == manifest.version == 1
        assert flavor["status"] == "available"
    assert len(body["model_set_version"]) == 12
    assert predict.status_code == 422


async def test_a_broken_flavor_is_listed_unavailable(
    derive: Callable[..., Path], data_dir: Path
) -> None:
    repo = derive(tiny_a=("tiny-a", None), tiny_b=("tiny-b", None))
    (repo / "tiny-b" / "manifest.json").write_text("{}")
    async with app_client(settings_for(repo, data_dir)) as client:
        body = (await client.get("/models")).json()
        ready = await client.get("/readyz")
    tiny_b = next(f for f in body["flavors"] if f["name"] == "tiny-b")
    assert tiny_b["status"] == "unavailable"
    assert tiny_b["manifest"] is None
    assert tiny_b["version"] == 0
    assert "manifest.json is invalid" in tiny_b["reason"]
    # one of one registered flavor answers: ready, but degraded
    assert ready.status_code == 200
    assert ready.json()["checks"]["models"]["status"] == "degraded"


async def test_an_empty_repository_starts_but_is_not_ready(tmp_path: Path, data_dir: Path) -> None:
    empty = tmp_path / "models"
    empty.mkdir()
    async with app_client(settings_for(empty, data_dir)) as client:
        health = await client.get("/healthz")
        ready = await client.get("/readyz")
        models = (await client.get("/models")).json()
        import numpy as np

        from servicekit import npy

        predict = await client.post(
            "/predict",
            content=npy.encode(np.zeros((1, 128, 128, 3), np.float32)),
            headers={"content-type": "application/x-npy"},
        )
    assert health.status_code == 200
    assert ready.status_code == 503
    assert models["flavors"] == []
    assert predict.status_code == 503
    assert "no model flavors" in predict.json()["detail"]
