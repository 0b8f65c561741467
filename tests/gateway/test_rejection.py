"""The rejection verdict through the public API, over a real local stack whose inference service
holds the tiny inclination flavors and the tiny rejection classifier."""

import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from devstack.stack import Stack, local_stack
from gateway.keys import result_key
from gateway.schemas import Options
from tests.gateway.conftest import CATALOG_TEST_OPTIONS, GATEWAY_TEST_OPTIONS
from tests.gateway.factories import galaxy_image_bytes

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def rejecting_stack(tiny_models: Path, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[Stack]:
    from training.quick_classifier import make_tiny_classifier

    models_dir = tmp_path_factory.mktemp("rejecting-models") / "models"
    shutil.copytree(tiny_models, models_dir)
    make_tiny_classifier(models_dir)
    with local_stack(models_dir, tmp_path_factory.mktemp("rejecting-stack"),
                     gateway_options=GATEWAY_TEST_OPTIONS,
                     catalog_options=CATALOG_TEST_OPTIONS) as started:
        yield started


def star_field_png(seed: int = 5) -> bytes:
    from training.quick_classifier import star_field

    buffer = io.BytesIO()
    star_field(np.random.default_rng(seed), side=200).save(buffer, format="PNG")
    return buffer.getvalue()


def post_file(stack: Stack, data: bytes, name: str = "g.png") -> httpx.Response:
    return httpx.post(f"{stack.url}/api/file", files={"file": (name, data, "image/png")},
                      timeout=60)


def test_a_disk_is_accepted_and_a_star_field_rejected_with_an_inclination(
    rejecting_stack: Stack,
) -> None:
    disk = post_file(rejecting_stack, galaxy_image_bytes())
    stars = post_file(rejecting_stack, star_field_png(), "stars.png")
    assert disk.status_code == stars.status_code == 200, disk.text + stars.text
    accepted, rejected = disk.json()["rejection"], stars.json()["rejection"]
    assert accepted["verdict"] == "accept"
    assert rejected["verdict"] == "reject"
    for verdict in (accepted, rejected):
        assert verdict["threshold"] == 0.5
        assert 0.0 <= verdict["likelihood"] <= 1.0
        assert "disk" in verdict["classes"]
    assert rejected["likelihood"] >= 0.5 > accepted["likelihood"]
    assert 0.0 <= stars.json()["inclination"]["median"] <= 90.0  # still answered


def test_the_cache_key_covers_the_classifier_set(
    rejecting_stack: Stack, tiny_models: Path
) -> None:
    from inference.registry import load_registry

    models = httpx.get(f"{rejecting_stack.inference.url}/models", timeout=30).json()
    assert [c["name"] for c in models["classifiers"]] == ["tiny-reject"]
    without = load_registry(tiny_models).model_set_version
    assert models["model_set_version"] != without
    options = Options(mode="rgb", copies="rot4")
    query = {"sha256": "0" * 64}
    assert result_key(query, options, models["model_set_version"]) != result_key(
        query, options, without)
    answer = post_file(rejecting_stack, galaxy_image_bytes(seed=3)).json()
    assert answer["model_set_version"] == models["model_set_version"]


def test_the_batch_lines_carry_the_verdict(rejecting_stack: Stack) -> None:
    response = httpx.post(f"{rejecting_stack.url}/api/batch", json=[{"pgc": 2557}], timeout=120)
    assert response.status_code == 200, response.text
    [line] = [json.loads(text) for text in response.text.splitlines() if text.strip()]
    assert line["status"] == 200, line
    assert line["result"]["rejection"]["verdict"] in ("accept", "reject")


def test_the_page_shows_the_verdict(rejecting_stack: Stack) -> None:
    page = httpx.get(f"{rejecting_stack.url}/", timeout=30).text
    script = httpx.get(f"{rejecting_stack.url}/static/app.js", timeout=30).text
    assert 'id="verdict"' in page
    assert "result.rejection" in script



def verdict_set(directory: Path) -> Path:
    """A disk (accepted by the tiny classifier) and a star field (rejected), each with a
    reference, as an ``evaluate --real`` index."""
    directory.mkdir()
    (directory / "disk.png").write_bytes(galaxy_image_bytes())
    (directory / "stars.png").write_bytes(star_field_png())
    (directory / "index.csv").write_text("path,name,incl\ndisk.png,D1,60\nstars.png,S1,50\n")
    return directory


def test_real_evaluation_through_the_service_splits_the_figures_by_verdict(
    rejecting_stack: Stack, tmp_path: Path
) -> None:
    from training.__main__ import main

    real = verdict_set(tmp_path / "verdicts")
    main(["evaluate", "--real", str(real), "--url", rejecting_stack.url, "--no-isophote",
          "--report", str(tmp_path / "report")])
    saved = json.loads((tmp_path / "report" / "real-verdicts.json").read_text())
    rows = {row["name"]: row for row in saved["images"]}
    assert rows["D1"]["verdict"] == "accept" and rows["S1"]["verdict"] == "reject"
    assert rows["S1"]["likelihood"] >= 0.5 > rows["D1"]["likelihood"]
    accepted = saved["results"]["median ensemble, accepted by the classifier"]
    rejected = saved["results"]["median ensemble, rejected by the classifier"]
    assert accepted["n_0_90"] == rejected["n_0_90"] == 1
    assert accepted["bias_0_90"] == pytest.approx(rows["D1"]["median"] - 60.0, abs=0.01)
    assert rejected["bias_0_90"] == pytest.approx(rows["S1"]["median"] - 50.0, abs=0.01)
    # the second opinion is the service's: what /api/file answers, and what the preprocessed
    # upload measures
    from inference.axial_ratio import image_inclination
    from preprocessor.pipeline import preprocess_bytes

    disk = (real / "disk.png").read_bytes()
    answer = httpx.post(f"{rejecting_stack.url}/api/file", files={"file": ("disk.png", disk)},
                        timeout=60).json()
    second = answer["inclination"]["axial_ratio_deg"]
    assert second == pytest.approx(
        image_inclination(preprocess_bytes(disk, "rgb", "none").tensor[0]), abs=1e-3)
    assert rows["D1"]["baseline"] == pytest.approx(second, abs=0.01)
