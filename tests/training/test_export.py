"""Exported flavors (the tiny test repository and every shipped one in models/) load, and their
serving signature matches their manifest."""

from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf
from tensorflow_serving.apis import prediction_log_pb2

from inference.manifest import Manifest, load_manifest
from training.export import CONFIG_FILE, WARMUP_FILE, flavor_manifests

SHIPPED = Path(__file__).resolve().parents[2] / "models"


def check_flavor(models_dir: Path, manifest: Manifest) -> None:
    version_dir = models_dir / manifest.name / str(manifest.version)
    assert (version_dir / "saved_model.pb").is_file()
    loaded = tf.saved_model.load(str(version_dir))
    signature = loaded.signatures[manifest.input.signature]
    _, inputs = signature.structured_input_signature
    assert list(inputs) == [manifest.input.key]
    spec = inputs[manifest.input.key]
    assert spec.dtype == tf.float32
    assert spec.shape.as_list() == [None, *manifest.input.shape]
    outputs = signature.structured_outputs
    assert list(outputs) == [manifest.output.key]
    assert outputs[manifest.output.key].dtype == tf.float32
    # One raw value per image; a classifier (task 'classify'): one probability per class.
    width = len(manifest.classifier.classes) if manifest.classifier is not None else 1
    assert outputs[manifest.output.key].shape.as_list() == [None, width]

    batch = np.random.default_rng(1).random((2, *manifest.input.shape), dtype=np.float32)
    raw = signature(**{manifest.input.key: tf.constant(batch)})[manifest.output.key].numpy()
    assert raw.shape == (2, width)
    assert np.all(np.abs(raw) <= 1.0)
    if manifest.classifier is not None:
        np.testing.assert_allclose(raw.sum(axis=1), 1.0, atol=1e-4)

    records = list(tf.data.TFRecordDataset(str(version_dir / "assets.extra" / WARMUP_FILE)))
    assert records
    for record in records:
        log = prediction_log_pb2.PredictionLog.FromString(record.numpy())
        request = log.predict_log.request
        assert request.model_spec.name == manifest.name
        assert request.model_spec.signature_name == manifest.input.signature
        tensor = tf.make_ndarray(request.inputs[manifest.input.key])
        assert tensor.dtype == np.float32
        assert tensor.shape[1:] == manifest.input.shape


def check_config(models_dir: Path) -> None:
    config = (models_dir / CONFIG_FILE).read_text()
    for manifest in flavor_manifests(models_dir):
        assert f'name: "{manifest.name}"' in config
        assert f'base_path: "/models/{manifest.name}"' in config
    assert config.count("config {") == len(flavor_manifests(models_dir))


def test_tiny_repository_round_trip(tiny_repository: tuple[Path, list[Manifest]]) -> None:
    models_dir, manifests = tiny_repository
    assert [m.name for m in manifests] == ["tiny-a", "tiny-b", "tiny-c"]
    for manifest in manifests:
        assert load_manifest(models_dir / manifest.name) == manifest
        check_flavor(models_dir, manifest)
    check_config(models_dir)


@pytest.mark.parametrize("manifest", flavor_manifests(SHIPPED), ids=lambda m: m.name)
def test_shipped_flavor_matches_manifest(manifest: Manifest) -> None:
    check_flavor(SHIPPED, manifest)
    assert "synthetic" in manifest.training.data or "real" in manifest.training.data


def test_shipped_models_config_lists_every_flavor() -> None:
    if not flavor_manifests(SHIPPED):
        pytest.skip("no shipped flavors yet")
    check_config(SHIPPED)
