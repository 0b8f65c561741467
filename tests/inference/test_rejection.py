"""Rejection classifiers (manifests with ``task: classify``): the manifest, the registry, both
backends, and the ``rejection`` verdict of POST /predict."""

import json
import shutil
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from pydantic import ValidationError

from inference.manifest import ClassifierSpec, Manifest, load_manifest, write_manifest
from inference.registry import load_registry
from inference.settings import InferenceSettings
from tests.inference.conftest import (
    app_client,
    post_npy,
    rot4,
    settings_for,
    standin,
)
from training.export import write_models_config
from training.negatives import CLASSES


@pytest.fixture(scope="session")
def rejecting_repo(tiny_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny inclination flavors plus the tiny rejection classifier."""
    from training.quick_classifier import make_tiny_classifier

    models_dir = tmp_path_factory.mktemp("rejecting") / "models"
    shutil.copytree(tiny_repo, models_dir)
    make_tiny_classifier(models_dir)
    return models_dir


@pytest.fixture(scope="session")
def non_disks() -> npt.NDArray[np.float32]:
    """Four star fields: what the tiny classifier learnt to reject."""
    from preprocessor.imaging import to_model_input
    from training.quick_classifier import star_field

    rng = np.random.default_rng(99)
    return np.stack([to_model_input(star_field(rng), "rgb") for _ in range(4)]).astype(np.float32)


def test_an_old_manifest_is_an_inclination_flavor(tiny_repo: Path) -> None:
    raw = json.loads((tiny_repo / "tiny-a" / "manifest.json").read_text())
    raw.pop("task", None)
    raw.pop("classifier", None)
    manifest = Manifest.model_validate(raw)
    assert manifest.task == "inclination"
    assert manifest.classifier is None


def test_a_classify_manifest_needs_its_classes_and_threshold(rejecting_repo: Path) -> None:
    manifest = load_manifest(rejecting_repo / "tiny-reject")
    assert manifest.task == "classify"
    assert manifest.classifier is not None
    assert manifest.classifier.classes == list(CLASSES)
    assert manifest.classifier.threshold == 0.5
    raw = manifest.model_dump(mode="json")
    raw["classifier"] = None
    with pytest.raises(ValidationError, match="classify"):
        Manifest.model_validate(raw)
    with pytest.raises(ValidationError, match="accept"):
        ClassifierSpec(classes=["disk", "star"], accept=["galaxy"], threshold=0.5)


def test_the_registry_keeps_classifiers_apart_and_the_model_set_version_covers_them(
    tiny_repo: Path, rejecting_repo: Path
) -> None:
    plain = load_registry(tiny_repo)
    rejecting = load_registry(rejecting_repo)
    assert rejecting.names == plain.names  # the inclination ensemble is unchanged
    assert [c.name for c in rejecting.classifiers] == ["tiny-reject"]
    assert plain.classifiers == ()
    assert rejecting.model_set_version != plain.model_set_version


def test_the_model_set_version_of_inclination_flavors_did_not_change(tiny_repo: Path) -> None:
    """Manifests written before classifiers existed hash as they did: caches stay valid."""
    import hashlib

    registry = load_registry(tiny_repo)
    digest = hashlib.sha256()
    for flavor in sorted(registry.flavors, key=lambda f: f.name):
        manifest = flavor.manifest.model_dump(mode="json", exclude={"task", "classifier"})
        record = [flavor.name, flavor.version, manifest]
        digest.update(json.dumps(record, sort_keys=True).encode())
    assert registry.model_set_version == digest.hexdigest()[:12]


def _assert_verdicts(body: dict, expected: list[str]) -> None:  # type: ignore[type-arg]
    verdicts = [g["rejection"]["verdict"] for g in body["galaxies"]]
    assert verdicts == expected
    for galaxy in body["galaxies"]:
        rejection = galaxy["rejection"]
        assert 0.0 <= rejection["likelihood"] <= 1.0
        assert rejection["threshold"] == 0.5
        assert set(rejection["classes"]) == set(CLASSES)
        assert sum(rejection["classes"].values()) == pytest.approx(1.0, abs=1e-3)
        assert rejection["likelihood"] == pytest.approx(1 - rejection["classes"]["disk"],
                                                        abs=2e-4)
        assert rejection["classifiers"] == ["tiny-reject"]
        assert galaxy["inclination"]["median"] is not None  # answered beside a reject too


async def test_predict_gives_each_galaxy_a_verdict(
    rejecting_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32],
    non_disks: npt.NDArray[np.float32],
) -> None:
    batch = np.concatenate([galaxies[:3], non_disks[:2]])
    async with app_client(settings_for(rejecting_repo, data_dir)) as client:
        response = await post_npy(client, batch)
        assert response.status_code == 200, response.text
        _assert_verdicts(response.json(), ["accept"] * 3 + ["reject"] * 2)
        # Test-time copies: probabilities averaged over each galaxy's copies.
        response = await post_npy(client, rot4(batch), copies_per_galaxy=4)
        assert response.status_code == 200, response.text
        _assert_verdicts(response.json(), ["accept"] * 3 + ["reject"] * 2)


async def test_models_lists_the_classifiers_apart_from_the_flavors(
    rejecting_repo: Path, data_dir: Path
) -> None:
    async with app_client(settings_for(rejecting_repo, data_dir)) as client:
        body = (await client.get("/models")).json()
    assert [f["name"] for f in body["flavors"]] == ["tiny-a", "tiny-b", "tiny-c"]
    assert body["quorum"] == 2
    [classifier] = body["classifiers"]
    assert classifier["name"] == "tiny-reject"
    assert classifier["status"] == "available"
    assert classifier["manifest"]["task"] == "classify"
    assert classifier["manifest"]["classifier"]["threshold"] == 0.5


async def test_without_a_classifier_there_is_no_verdict(
    tiny_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    async with app_client(settings_for(tiny_repo, data_dir)) as client:
        body = (await post_npy(client, galaxies[:2])).json()
        models = (await client.get("/models")).json()
    assert [g["rejection"] for g in body["galaxies"]] == [None, None]
    assert models["classifiers"] == []


async def test_the_threshold_setting_overrides_the_manifests(
    rejecting_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    settings = settings_for(rejecting_repo, data_dir, rejection_threshold=0.0)
    async with app_client(settings) as client:
        body = (await post_npy(client, galaxies[:2])).json()
    assert [g["rejection"]["verdict"] for g in body["galaxies"]] == ["reject", "reject"]
    assert body["galaxies"][0]["rejection"]["threshold"] == 0.0


async def test_a_broken_classifier_costs_the_verdict_not_the_answer(
    rejecting_repo: Path, tmp_path: Path, data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    models_dir = tmp_path / "models"
    shutil.copytree(rejecting_repo, models_dir)
    manifest = load_manifest(models_dir / "tiny-reject")
    output = manifest.output.model_copy(update={"key": "nothing"})
    write_manifest(models_dir / "tiny-reject", manifest.model_copy(update={"output": output}))
    write_models_config(models_dir)
    async with app_client(settings_for(models_dir, data_dir)) as client:
        response = await post_npy(client, galaxies[:2])
        models = (await client.get("/models")).json()
    assert response.status_code == 200, response.text
    assert [g["rejection"] for g in response.json()["galaxies"]] == [None, None]
    assert models["classifiers"][0]["status"] == "unavailable"
    assert "nothing" in models["classifiers"][0]["reason"]


async def test_the_tfserving_backend_runs_the_classifier(
    rejecting_repo: Path, data_dir: Path, galaxies: npt.NDArray[np.float32],
    non_disks: npt.NDArray[np.float32],
) -> None:
    batch = np.concatenate([galaxies[:2], non_disks[:1]])
    async with standin(rejecting_repo) as address:
        settings = InferenceSettings(
            models_dir=rejecting_repo, data_dir=data_dir, backend="tfserving",
            tfserving_address=address,
        )
        async with app_client(settings) as client:
            response = await post_npy(client, batch)
    assert response.status_code == 200, response.text
    _assert_verdicts(response.json(), ["accept", "accept", "reject"])
