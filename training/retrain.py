"""Train or fine-tune a flavor on labelled images a user brings (real survey cutouts, say).

Input: one or more CSVs with a header, each either ``image,inclination`` (a path and degrees
0-90) or the ``path,incl`` of an ``evaluate --real`` index (rows labelled ``face_on`` are left
out: they carry no number); a relative path is relative to ``image_dir``, or to the CSV's own
folder without one. Every image goes through the service's own upload path
(``preprocessor.pipeline.preprocess_bytes``: PNG, JPEG or FITS, framed as ``/api/file?frame=``
frames it), so a flavor learns from exactly what it will be given. With ``base`` the new flavor
starts from that flavor's exported weights (``models/<base>/``) and its output mapping;
otherwise it is trained from scratch with ``architecture``. With ``replay`` (a function giving
synthetic images and labels, :func:`replay_set`, called once the labelled images are read) the
labelled images are mixed into the synthetic ones, repeated to about ``real_share`` of every
epoch's images (of the count: the loss weights still even out the inclinations, as in every
training here), so that a fine-tuning on a few hundred images does not forget what the synthetic
training taught; a share of the labelled images is held out for validation either way. A run
goes on from ``runs_dir/<name>`` when it exists (resumable, as every training here): a new run
with other data needs a new name.
"""

import csv
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import keras
import numpy as np
import numpy.typing as npt

from inference.ensemble import LUMA
from inference.manifest import Manifest
from preprocessor.framing import Frame
from preprocessor.imaging import ColorMode
from preprocessor.pipeline import preprocess_bytes
from training.dataset import DatasetSpec, generate, load
from training.train import OUTPUT, FlavorSpec, load_flavor, train_flavor

NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# The synthetic training sets a replay draws from, in the shares of the recipe's training mix.
REPLAY_SETS = ("train", "train-early", "train-bulge-edge-on")

Images = npt.NDArray[np.uint8]
Labels = npt.NDArray[np.float32]


def _columns(fields: Sequence[str], csv_path: Path) -> tuple[str, str]:
    for image, label in (("image", "inclination"), ("path", "incl")):
        if {image, label} <= set(fields):
            return image, label
    raise ValueError(f"{csv_path}: missing columns: want 'image,inclination' or 'path,incl' "
                     f"(an evaluate --real index), found {sorted(fields)}")


def read_labelled(csv_path: Path, image_dir: Path | None, mode: ColorMode,
                  frame: Frame = "auto") -> tuple[Images, Labels]:
    """The labelled images of one CSV as the service prepares an upload (uint8, one copy)."""
    csv_path = Path(csv_path)
    folder = Path(image_dir) if image_dir is not None else csv_path.parent
    images, labels = [], []
    with csv_path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        image_column, label_column = _columns(reader.fieldnames or [], csv_path)
        for line, row in enumerate(reader, start=2):
            text = (row[label_column] or "").strip()
            if text == "face_on":
                continue
            try:
                inclination = float(text)
            except ValueError:
                raise ValueError(f"{csv_path}:{line}: inclination {text!r} is not a number"
                                 ) from None
            if not 0.0 <= inclination <= 90.0:
                raise ValueError(f"{csv_path}:{line}: inclination {inclination} not in 0-90")
            path = Path(row[image_column])
            try:
                data = (path if path.is_absolute() else folder / path).read_bytes()
                tensor = preprocess_bytes(data, mode, "none", frame=frame).tensor[0]
            except Exception as error:  # unreadable file or image: say which row
                raise ValueError(f"{csv_path}:{line}: {path}: {error}") from error
            images.append((tensor * 255.0).round().astype(np.uint8))
            labels.append(inclination)
    return (np.stack(images) if images else np.zeros((0, 1, 1, 1), np.uint8),
            np.array(labels, dtype=np.float32))


def replay_set(root: Path, datasets: Mapping[str, DatasetSpec], count: int, seed: int = 0,
               processes: int | None = None) -> tuple[Images, Labels]:
    """``count`` synthetic training images drawn from :data:`REPLAY_SETS` of a recipe, each in
    proportion to its size (generated under ``root`` first where missing)."""
    specs = {name: datasets[name] for name in REPLAY_SETS}
    total = sum(spec.count for spec in specs.values())
    if not 0 < count <= total:
        raise ValueError(f"replay: {count} images asked, the recipe's training mix has {total}")
    rng = np.random.default_rng([seed, 4099])
    images, labels = [], []
    shares = [round(count * spec.count / total) for spec in specs.values()]
    shares[0] += count - sum(shares)
    for (name, spec), share in zip(specs.items(), shares, strict=True):
        if share == 0:
            continue
        generate(root / name, spec, processes=processes)
        data = load(root / name)
        chosen = np.sort(rng.choice(len(data["labels"]), size=share, replace=False))
        images.append(data["images"][chosen])
        labels.append(data["labels"][chosen])
    return np.concatenate(images).astype(np.uint8), np.concatenate(labels).astype(np.float32)


def mixed(real: tuple[Images, Labels], replay: tuple[Images, Labels] | None,
          real_share: float) -> tuple[Images, Labels, int]:
    """The training set: the labelled images alone, or repeated into the replay so that they
    are about ``real_share`` of it; and how many times each labelled image appears."""
    images, labels = real
    if replay is None:
        return images, labels, 1
    if not 0.0 < real_share < 1.0:
        raise ValueError(f"real_share {real_share}: must lie between 0 and 1")
    synthetic_images, synthetic_labels = replay
    if synthetic_images.shape[-1] == 3 and images.shape[-1] == 1:  # a gray flavor
        synthetic_images = np.round(synthetic_images.astype(np.float32) @ LUMA)[
            ..., np.newaxis].astype(np.uint8)
    if synthetic_images.shape[1:] != images.shape[1:]:
        raise ValueError(f"replay images {synthetic_images.shape[1:]} do not match the labelled "
                         f"images {images.shape[1:]}")
    wanted = real_share / (1.0 - real_share) * len(synthetic_labels)
    repeats = max(1, round(wanted / len(labels)))
    return (np.concatenate([synthetic_images, *[images] * repeats]),
            np.concatenate([synthetic_labels, *[labels] * repeats]), repeats)


def retrain(
    csv_path: Path | Sequence[Path],
    image_dir: Path | None,
    name: str,
    models_dir: Path,
    runs_dir: Path,
    base: str | None = None,
    architecture: str = "vgg2",
    epochs: int = 10,
    seed: int = 0,
    validation_fraction: float = 0.15,
    batch_size: int = 32,
    frame: Frame = "auto",
    replay: Callable[[], tuple[Images, Labels]] | None = None,
    real_share: float = 0.2,
    learning_rate: float | None = None,
) -> Manifest:
    if not NAME.match(name):
        raise ValueError(f"flavor name {name!r}: use lowercase letters, digits and '-'")
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"validation_fraction {validation_fraction}: must lie between 0 and 1")
    if replay is not None and not 0.0 < real_share < 1.0:
        raise ValueError(f"real_share {real_share}: must lie between 0 and 1")
    csv_paths = [Path(csv_path)] if isinstance(csv_path, str | Path) else [
        Path(p) for p in csv_path]
    output = OUTPUT
    mode: ColorMode = "rgb"
    initial = None
    rate = 1e-3
    if base is not None:
        keras.utils.set_random_seed(seed)
        initial, base_manifest = load_flavor(Path(models_dir), base)
        architecture, output, mode = (base_manifest.architecture, base_manifest.output,
                                      base_manifest.color_mode)
        rate = 3e-4
    parts = [read_labelled(path, image_dir, mode, frame) for path in csv_paths]
    parts = [part for part in parts if len(part[1])]
    count = sum(len(part[1]) for part in parts)
    if count < 2:
        raise ValueError(f"{', '.join(map(str, csv_paths))}: need at least 2 labelled images, "
                         f"found {count}")
    images = np.concatenate([part[0] for part in parts])
    labels = np.concatenate([part[1] for part in parts])
    order = np.random.default_rng(seed).permutation(len(images))
    n_val = min(max(1, round(validation_fraction * len(images))), len(images) - 1)
    val, train = order[:n_val], order[n_val:]
    synthetic = replay() if replay is not None else None
    train_images, train_labels, repeats = mixed((images[train], labels[train]), synthetic,
                                                real_share)
    spec = FlavorSpec(name, architecture, seed=seed, epochs=epochs,
                      batch_size=min(batch_size, len(train_labels)),
                      learning_rate=learning_rate if learning_rate is not None else rate,
                      patience=max(epochs, 1))
    sources = " + ".join(path.name if len(csv_paths) == 1 else f"{path.parent.name}/{path.name}"
                         for path in csv_paths)
    description = f"real labelled images from {sources} ({len(train)} for training)"
    if synthetic is not None:
        description += (f", each repeated {repeats}x into {len(synthetic[1])} synthetic "
                        f"training images (replay)")
    if base is not None:
        description += f", fine-tuned from {base}"
    return train_flavor(spec, train_images, train_labels, images[val], labels[val],
                        Path(runs_dir) / name, Path(models_dir), description,
                        initial_model=initial, output=output)
