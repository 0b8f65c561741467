"""A tiny but real rejection classifier in seconds, for tests: numpy ellipses (``disk``) against
star fields (``cluster``) and blank noisy sky (``blank``), exported exactly like the real
classifier flavors (``task: classify``, one probability per class of
:data:`training.negatives.CLASSES`)."""

from pathlib import Path

import keras
import numpy as np
import numpy.typing as npt
from keras import layers
from PIL import Image

from preprocessor.imaging import MODEL_SIZE, to_model_input
from training.classifier import OUTPUT_KEY, classifier_manifest
from training.ellipses import ellipse_set
from training.export import export_flavor, write_models_config
from training.negatives import CLASSES

TINY_IMAGES = 240
TINY_EPOCHS = 8
TINY_THRESHOLD = 0.5


def star_field(rng: np.random.Generator, side: int = 96) -> Image.Image:
    """Many point-like stars on a dark sky: what the tiny classifier must reject."""
    pixels = rng.uniform(0.0, 0.06) + rng.normal(0.0, 0.02, size=(side, side, 3))
    n = int(rng.integers(40, 200))
    ys, xs = rng.integers(0, side, size=(2, n))
    pixels[ys, xs] += rng.uniform(0.5, 1.0, size=(n, 1))
    return Image.fromarray((np.clip(pixels, 0, 1) * 255).round().astype(np.uint8), "RGB")


def blank_sky(rng: np.random.Generator, side: int = 96) -> Image.Image:
    pixels = rng.uniform(0.0, 0.3) + rng.normal(0.0, rng.uniform(0.01, 0.05), size=(side, side, 3))
    return Image.fromarray((np.clip(pixels, 0, 1) * 255).round().astype(np.uint8), "RGB")


def tiny_classifier_set(count: int, seed: int
                        ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.int64]]:
    """Half ellipses (disk), a quarter star fields (cluster), a quarter blank sky (blank)."""
    rng = np.random.default_rng([seed, 15])
    disks, _ = ellipse_set(count // 2, seed)
    others = [to_model_input(star_field(rng) if k % 2 else blank_sky(rng), "rgb")
              for k in range(count - count // 2)]
    labels = [CLASSES.index("disk")] * len(disks) + [
        CLASSES.index("cluster" if k % 2 else "blank") for k in range(len(others))]
    return (np.concatenate([disks, np.stack(others)]).astype(np.float32),
            np.asarray(labels, np.int64))


def tiny_classifier_model() -> keras.Model:
    inputs = keras.Input(shape=(MODEL_SIZE, MODEL_SIZE, 3), name="image", dtype="float32")
    x = layers.AveragePooling2D(4, name="downsample")(inputs)
    x = layers.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv2")(x)
    x = layers.GlobalMaxPooling2D(name="max")(x)
    outputs = layers.Dense(len(CLASSES), activation="softmax", name=OUTPUT_KEY)(x)
    return keras.Model(inputs, outputs, name="tiny_classifier")


def make_tiny_classifier(models_dir: Path, name: str = "tiny-reject", seed: int = 0,
                         threshold: float = TINY_THRESHOLD) -> None:
    """Train the tiny classifier, export it into ``models_dir`` beside whatever flavors are
    there, and rewrite ``models.config`` to list them all. Deterministic in ``seed``."""
    images, labels = tiny_classifier_set(TINY_IMAGES, seed)
    keras.utils.set_random_seed(seed)
    model = tiny_classifier_model()
    model.compile(optimizer=keras.optimizers.Adam(5e-3), loss="sparse_categorical_crossentropy")
    model.fit(images, labels, batch_size=32, epochs=TINY_EPOCHS, shuffle=True, verbose=0)
    manifest = classifier_manifest(
        name, 1, threshold, "fixed at 0.5 for the tiny test classifier",
        {"data": f"tiny test classifier: {TINY_IMAGES} numpy ellipses, star fields and blank "
                 "sky (not realistic)", "images": TINY_IMAGES, "seed": seed,
         "epochs": TINY_EPOCHS},
        {}, architecture="tiny-classifier",
    )
    export_flavor(model, models_dir, manifest, warmup=images[:2])
    write_models_config(models_dir)
    keras.backend.clear_session()
