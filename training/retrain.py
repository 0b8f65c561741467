"""Train or fine-tune a flavor on labelled images a user brings (real survey cutouts, say).

Input: a CSV with a header and the columns ``image`` (a path, relative to the image folder, or
absolute) and ``inclination`` (degrees, 0-90), plus the image folder. Every image goes through
``preprocessor.imaging.to_model_input``, exactly as in serving. With ``base`` the new flavor starts
from that flavor's exported weights (``models/<base>/``) and its output mapping; otherwise it is
trained from scratch with ``architecture``.
"""

import csv
import re
from pathlib import Path

import keras
import numpy as np
import numpy.typing as npt
from PIL import Image

from inference.manifest import Manifest
from preprocessor.imaging import ColorMode, to_model_input
from training.train import OUTPUT, FlavorSpec, load_flavor, train_flavor

NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def read_labelled(csv_path: Path, image_dir: Path, mode: ColorMode
                  ) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    images, labels = [], []
    with Path(csv_path).open(newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"image", "inclination"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{csv_path}: missing column(s) {sorted(missing)}")
        for line, row in enumerate(reader, start=2):
            inclination = float(row["inclination"])
            if not 0.0 <= inclination <= 90.0:
                raise ValueError(f"{csv_path}:{line}: inclination {inclination} not in 0-90")
            path = Path(row["image"])
            with Image.open(path if path.is_absolute() else Path(image_dir) / path) as image:
                array = to_model_input(image, mode)
            images.append((array * 255.0).round().astype(np.uint8))
            labels.append(inclination)
    if len(images) < 2:
        raise ValueError(f"{csv_path}: need at least 2 labelled images, found {len(images)}")
    return np.stack(images), np.array(labels, dtype=np.float32)


def retrain(
    csv_path: Path,
    image_dir: Path,
    name: str,
    models_dir: Path,
    runs_dir: Path,
    base: str | None = None,
    architecture: str = "vgg2",
    epochs: int = 10,
    seed: int = 0,
    validation_fraction: float = 0.15,
    batch_size: int = 32,
) -> Manifest:
    if not NAME.match(name):
        raise ValueError(f"flavor name {name!r}: use lowercase letters, digits and '-'")
    output = OUTPUT
    mode: ColorMode = "rgb"
    initial = None
    learning_rate = 1e-3
    if base is not None:
        keras.utils.set_random_seed(seed)
        initial, base_manifest = load_flavor(Path(models_dir), base)
        architecture, output, mode = (base_manifest.architecture, base_manifest.output,
                                      base_manifest.color_mode)
        learning_rate = 3e-4
    images, labels = read_labelled(csv_path, image_dir, mode)
    order = np.random.default_rng(seed).permutation(len(images))
    n_val = max(1, round(validation_fraction * len(images)))
    val, train = order[:n_val], order[n_val:]
    spec = FlavorSpec(name, architecture, seed=seed, epochs=epochs,
                      batch_size=min(batch_size, len(train)), learning_rate=learning_rate,
                      patience=max(epochs, 1))
    description = f"real labelled images from {Path(csv_path).name} ({len(train)} for training)"
    if base is not None:
        description += f", fine-tuned from {base}"
    return train_flavor(spec, images[train], labels[train], images[val], labels[val],
                        Path(runs_dir) / name, Path(models_dir), description,
                        initial_model=initial, output=output)
