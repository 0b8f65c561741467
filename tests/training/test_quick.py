from pathlib import Path

import numpy as np
import tensorflow as tf

from inference.manifest import Manifest
from training.ellipses import ellipse_set
from training.quick import make_tiny_repository


def predict(version_dir: Path, images: np.ndarray) -> np.ndarray:
    signature = tf.saved_model.load(str(version_dir)).signatures["serving_default"]
    return np.asarray(signature(image=tf.constant(images))["inclination"].numpy())


def test_tiny_repository_is_deterministic_and_learns(
    tiny_repository: tuple[Path, list[Manifest]], tmp_path: Path
) -> None:
    models_dir, manifests = tiny_repository
    again = make_tiny_repository(tmp_path, flavors=("tiny-a",))
    assert again[0] == manifests[0]
    images, labels = ellipse_set(64, seed=12345)
    first = predict(models_dir / "tiny-a" / "1", images)
    second = predict(tmp_path / "tiny-a" / "1", images)
    np.testing.assert_allclose(first, second, atol=1e-6)
    output = manifests[0].output
    degrees = output.offset_deg + output.scale_deg * first[:, 0]
    # Tiny, but real: it does better than always answering the mean (RMS 26°).
    assert np.sqrt(np.mean((degrees - labels) ** 2)) < 20.0


def test_gray_tiny_repository(tmp_path: Path) -> None:
    manifests = make_tiny_repository(tmp_path, flavors=("tiny-g",), color_mode="gray")
    assert manifests[0].input.shape == (128, 128, 1)
    assert manifests[0].color_modes == ["gray"]
    blank = np.zeros((1, 128, 128, 1), np.float32)
    assert predict(tmp_path / "tiny-g" / "1", blank).shape == (1, 1)
