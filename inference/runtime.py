"""The TensorFlow side of serving a SavedModel in this process: load it, describe its signatures,
and run a compiled serving function. Used by the embedded backend, the TF Serving stand-in and
the benchmark. Importing this module imports TensorFlow."""

import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import tensorflow as tf

from inference.errors import FlavorError
from inference.registry import Flavor
from inference.signatures import SignatureInfo, TensorInfo, signature_mismatch

_threads_lock = threading.Lock()
_threads_configured = False


def configure_threads(intra_op: int, inter_op: int) -> None:
    """Set TensorFlow's thread pools once per process, before the runtime starts (later calls,
    or calls after TensorFlow has already run an op, leave them as they are)."""
    global _threads_configured
    with _threads_lock:
        if _threads_configured:
            return
        _threads_configured = True
        try:
            tf.config.threading.set_intra_op_parallelism_threads(intra_op)
            tf.config.threading.set_inter_op_parallelism_threads(inter_op)
        except RuntimeError:
            pass  # the runtime is already initialised (e.g. several apps in one test process)


def _tensor_info(spec: Any) -> TensorInfo:
    shape = None if spec.shape.rank is None else tuple(spec.shape.as_list())
    return TensorInfo(dtype=spec.dtype.name, shape=shape)


def describe(function: Any) -> SignatureInfo:
    """The inputs and outputs of a loaded SavedModel signature (a ConcreteFunction)."""
    _, kwargs = function.structured_input_signature
    outputs = function.structured_outputs
    return SignatureInfo(
        inputs={key: _tensor_info(spec) for key, spec in kwargs.items()},
        outputs={key: _tensor_info(spec) for key, spec in outputs.items()},
    )


class SavedModel:
    """A SavedModel loaded as TF Serving loads it: every signature, run by name."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.module = tf.saved_model.load(str(self.path))
        self.signatures: dict[str, Any] = dict(self.module.signatures)

    def describe(self, signature: str) -> SignatureInfo:
        return describe(self.signature(signature))

    def signature(self, name: str) -> Any:
        try:
            return self.signatures[name]
        except KeyError:
            known = ", ".join(sorted(self.signatures)) or "none"
            raise KeyError(f"no signature {name!r} (has: {known})") from None

    def run(
        self, signature: str, inputs: dict[str, npt.NDArray[Any]]
    ) -> dict[str, npt.NDArray[Any]]:
        outputs = self.signature(signature)(**{k: tf.constant(v) for k, v in inputs.items()})
        return {key: value.numpy() for key, value in outputs.items()}


class LoadedFlavor:
    """One flavor in process: its SavedModel checked against its manifest, a compiled serving
    function returning the raw output per image, warmed up at batch sizes 1 and 8."""

    def __init__(self, flavor: Flavor, warmup_sizes: tuple[int, ...] = (1, 8)) -> None:
        self.flavor = flavor
        manifest = flavor.manifest
        try:
            self.model = SavedModel(flavor.path)
            signature = self.model.signature(manifest.input.signature)
        except (OSError, ValueError, KeyError) as exc:
            raise FlavorError(f"cannot load {flavor.path}: {exc}") from exc
        mismatch = signature_mismatch(manifest, describe(signature))
        if mismatch:
            raise FlavorError(f"signature does not match the manifest: {mismatch}")
        in_key, out_key = manifest.input.key, manifest.output.key
        spec = tf.TensorSpec([None, *manifest.input.shape], tf.float32)

        classes = len(manifest.classifier.classes) if manifest.classifier else 0
        shape = [-1, classes] if classes else [-1]

        @tf.function(input_signature=[spec])  # type: ignore[untyped-decorator]
        def serve(images: tf.Tensor) -> tf.Tensor:
            return tf.reshape(signature(**{in_key: images})[out_key], shape)

        self._serve = serve
        for size in warmup_sizes:
            self.predict(np.zeros((size, *manifest.input.shape), np.float32))

    def predict(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Raw outputs, shape (len(images),) (a classifier: (len(images), classes)).
        Thread-safe; blocks while TensorFlow runs."""
        return np.asarray(self._serve(images).numpy(), dtype=np.float32)
