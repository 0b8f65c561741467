"""A tiny but real model repository in seconds: small CNNs trained on a few hundred numpy
ellipses and exported exactly like the shipped flavors. Every other service's tests use it."""

from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

from inference.manifest import InputSpec, Manifest, OutputSpec, TrainingInfo
from preprocessor.imaging import MODEL_SIZE, ColorMode
from training.architectures import build
from training.ellipses import ellipse_set
from training.export import export_flavor, write_models_config

TINY_IMAGES = 320
TINY_EPOCHS = 6


def degrees_to_raw(degrees: np.ndarray) -> np.ndarray:
    """The training target for a tanh output: raw = (deg - 45) / 45."""
    return ((np.asarray(degrees, np.float32) - 45.0) / 45.0).astype(np.float32)


def make_tiny_repository(
    models_dir: Path,
    flavors: Sequence[str] = ("tiny-a", "tiny-b", "tiny-c"),
    color_mode: ColorMode = "rgb",
    seed: int = 0,
) -> list[Manifest]:
    """Train one tiny CNN per name (the first on all images, the others on 67% bootstrap
    subsets), export each into ``models_dir`` and write ``models.config``. Deterministic in
    ``seed``. Returns the manifests written."""
    models_dir = Path(models_dir)
    images, labels = ellipse_set(TINY_IMAGES, seed, color_mode)
    targets = degrees_to_raw(labels)
    channels = images.shape[-1]
    manifests = []
    for index, name in enumerate(flavors):
        flavor_seed = seed * 1000 + index
        keras.utils.set_random_seed(flavor_seed)
        rng = np.random.default_rng(flavor_seed)
        if index == 0:
            chosen = np.arange(len(images))
            fraction = 1.0
        else:
            chosen = rng.choice(len(images), size=int(0.67 * len(images)), replace=True)
            fraction = 0.67
        model = build("tiny", (MODEL_SIZE, MODEL_SIZE, channels))
        model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="mse", metrics=["mae"])
        model.fit(images[chosen], targets[chosen], batch_size=32, epochs=TINY_EPOCHS,
                  shuffle=True, verbose=0)
        manifest = Manifest(
            name=name,
            version=1,
            architecture="tiny",
            color_modes=[color_mode],
            input=InputSpec(shape=(MODEL_SIZE, MODEL_SIZE, channels)),
            output=OutputSpec(),
            training=TrainingInfo(
                data=f"tiny test repository: {TINY_IMAGES} numpy ellipses (not realistic)",
                images=len(chosen),
                bootstrap_fraction=fraction,
                seed=flavor_seed,
                epochs=TINY_EPOCHS,
            ),
            metrics={},
            alarm_threshold_deg=10.0,
        )
        export_flavor(model, models_dir, manifest, warmup=images[:4])
        manifests.append(manifest)
        keras.backend.clear_session()
    write_models_config(models_dir)
    return manifests
