"""Export a trained Keras model as a TF Serving flavor: SavedModel, warm-up records, manifest,
and the ``models.config`` that lists every flavor.

Layout (see docs/service-contracts.md, ``models/``)::

    models/<name>/<version>/saved_model.pb + variables/ + assets.extra/tf_serving_warmup_requests
    models/<name>/manifest.json
    models/models.config
"""

import shutil
from pathlib import Path

import keras
import numpy as np
import numpy.typing as npt
import tensorflow as tf

from inference.manifest import MANIFEST_FILE, Manifest, load_manifest, write_manifest

WARMUP_FILE = "tf_serving_warmup_requests"
CONFIG_FILE = "models.config"


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def warmup_record(
    model_name: str, signature: str, key: str, batch: npt.NDArray[np.float32]
) -> bytes:
    """One serialized ``tensorflow.serving.PredictionLog`` holding a PredictRequest for ``batch``.

    Encoded by hand (the messages are four nested fields) so that training/ does not need
    tensorflow-serving-api; tests parse it back with the real proto classes.
    """
    tensor = tf.make_tensor_proto(np.asarray(batch, dtype=np.float32)).SerializeToString()
    model_spec = _field(1, model_name.encode()) + _field(3, signature.encode())
    inputs_entry = _field(1, key.encode()) + _field(2, tensor)
    request = _field(1, model_spec) + _field(2, inputs_entry)
    predict_log = _field(1, request)
    return _field(6, predict_log)


def _default_warmup(manifest: Manifest) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(0)
    return rng.random((1, *manifest.input.shape), dtype=np.float32)


def export_flavor(
    model: keras.Model,
    models_dir: Path,
    manifest: Manifest,
    warmup: npt.NDArray[np.float32] | None = None,
) -> Path:
    """Write ``models_dir/<name>/<version>/`` (replacing it) and
    ``models_dir/<name>/manifest.json``.

    The ``serving_default`` signature takes ``manifest.input.key`` float32 ``[None, H, W, C]`` and
    returns ``manifest.output.key`` float32 ``[None, 1]`` (the raw network output; a classifier:
    ``[None, classes]`` probabilities). Returns the version directory.
    """
    flavor_dir = Path(models_dir) / manifest.name
    version_dir = flavor_dir / str(manifest.version)
    staging = flavor_dir / f".{manifest.version}.staging"
    if staging.exists():
        shutil.rmtree(staging)
    flavor_dir.mkdir(parents=True, exist_ok=True)

    spec = tf.TensorSpec([None, *manifest.input.shape], tf.float32, name=manifest.input.key)
    out_key = manifest.output.key
    # A classifier (task 'classify') returns one probability per class.
    width = len(manifest.classifier.classes) if manifest.classifier is not None else 1

    def serve(image: tf.Tensor) -> dict[str, tf.Tensor]:
        raw = model(image, training=False)
        return {out_key: tf.reshape(tf.cast(raw, tf.float32), [-1, width])}

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(name=manifest.input.signature, fn=serve, input_signature=[spec])
    archive.write_out(str(staging), verbose=False)

    extra = staging / "assets.extra"
    extra.mkdir(exist_ok=True)
    batch = _default_warmup(manifest) if warmup is None else np.asarray(warmup, np.float32)
    if batch.ndim == 3:
        batch = batch[np.newaxis]
    with tf.io.TFRecordWriter(str(extra / WARMUP_FILE)) as writer:
        for size in sorted({1, len(batch)}):
            writer.write(
                warmup_record(manifest.name, manifest.input.signature, manifest.input.key,
                              batch[:size])
            )

    if version_dir.exists():
        shutil.rmtree(version_dir)
    staging.rename(version_dir)
    write_manifest(flavor_dir, manifest)
    return version_dir


def flavor_manifests(models_dir: Path) -> list[Manifest]:
    """Every flavor under ``models_dir`` that has a manifest, sorted by name."""
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return []
    return [
        load_manifest(d)
        for d in sorted(models_dir.iterdir())
        if d.is_dir() and (d / MANIFEST_FILE).is_file()
    ]


def write_models_config(models_dir: Path) -> None:
    """``models_dir/models.config``: a TF Serving ``model_config_list`` naming every flavor."""
    lines = ["model_config_list {"]
    for manifest in flavor_manifests(models_dir):
        lines += [
            "  config {",
            f'    name: "{manifest.name}"',
            f'    base_path: "/models/{manifest.name}"',
            '    model_platform: "tensorflow"',
            "  }",
        ]
    lines.append("}")
    target = Path(models_dir) / CONFIG_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(target)
