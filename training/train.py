"""Train one flavor: seeded, resumable epoch by epoch, metrics to CSV, curves to PNG, then export.

A run lives in ``<runs>/<flavor>/``: ``checkpoint.keras`` (model + optimizer after the last
finished epoch), ``best.weights.h5`` (lowest validation loss so far), ``state.json`` (epochs done,
best epoch, status), ``metrics.csv`` and ``curves.png``. Running the same command again continues
where it stopped; a finished run is not trained again.
"""

import csv
import json
import math
import re
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np
import numpy.typing as npt
import tensorflow as tf

from inference.manifest import InputSpec, Manifest, OutputSpec, TrainingInfo, load_manifest
from preprocessor.imaging import MODEL_SIZE
from training.architectures import build
from training.augment import augment_batch, balance_weights, early_type_weights
from training.export import export_flavor, write_models_config

# Degrees = 45 + 50·tanh, clipped to 0-90: the ends of the range are reached at tanh = ±0.9,
# not at the asymptote, so edge-on and face-on galaxies are not pulled towards the middle.
OUTPUT = OutputSpec(activation="tanh", scale_deg=50.0, offset_deg=45.0, min_deg=0.0, max_deg=90.0)

# A residual block that a deepened architecture adds to a stage (training.architectures).
NEW_BLOCK = re.compile(r"(stage\d+_\d+)_")


@dataclass(frozen=True)
class FlavorSpec:
    name: str
    architecture: str
    seed: int
    bootstrap_fraction: float = 1.0
    epochs: int = 12
    batch_size: int = 64
    learning_rate: float = 1e-3
    patience: int = 5
    augment: float = 1.0
    version: int = 1
    base: str | None = None  # fine-tune: start from this shipped flavor's exported weights
    early_type_weight: float = 1.0  # oversampling of bulge-dominated inclined galaxies
    extra_training: tuple[str, ...] = ()  # data sets of the recipe added to the training set


@dataclass
class RunState:
    epochs_done: int = 0
    best_epoch: int = -1
    best_val_loss: float = math.inf
    status: str = "training"
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


def to_raw(degrees: npt.ArrayLike, output: OutputSpec = OUTPUT) -> npt.NDArray[np.float32]:
    return ((np.asarray(degrees, np.float32) - output.offset_deg) / output.scale_deg).astype(
        np.float32
    )


def to_degrees(raw: npt.ArrayLike, output: OutputSpec = OUTPUT) -> npt.NDArray[np.float64]:
    degrees = output.offset_deg + output.scale_deg * np.asarray(raw, np.float64)
    return np.clip(degrees, output.min_deg, output.max_deg)


def sample_weights(spec: FlavorSpec, labels: npt.NDArray[np.float32],
                   bulge_fraction: npt.NDArray[np.float64] | None) -> npt.NDArray[np.float32]:
    """Per-image loss weights, mean 1: labels rebalanced to uniform, and the bulge-dominated
    inclined galaxies weighted ``spec.early_type_weight`` times more."""
    weights = balance_weights(labels)
    if spec.early_type_weight == 1.0:
        return weights
    if bulge_fraction is None:
        raise ValueError(f"{spec.name}: early_type_weight needs the images' bulge_fraction")
    weights = weights * early_type_weights(labels, bulge_fraction, spec.early_type_weight)
    normalised: npt.NDArray[np.float32] = (weights / weights.mean()).astype(np.float32)
    return normalised


def _load_state(path: Path) -> RunState:
    if not path.exists():
        return RunState()
    return RunState(**json.loads(path.read_text()))


def _save_state(path: Path, state: RunState) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(state), indent=2) + "\n")
    tmp.replace(path)


def _batches(images: npt.NDArray[np.uint8], targets: npt.NDArray[np.float32],
             weights: npt.NDArray[np.float32], order: npt.NDArray[np.int64],
             batch_size: int) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    for start in range(0, len(order), batch_size):
        idx = np.sort(order[start:start + batch_size])
        yield images[idx], targets[idx], weights[idx]


def epoch_dataset(images: npt.NDArray[np.uint8], targets: npt.NDArray[np.float32],
                  weights: npt.NDArray[np.float32], spec: FlavorSpec, epoch: int
                  ) -> tf.data.Dataset:
    """The augmented batches of one epoch: a function of (spec.seed, epoch) only."""
    order = np.random.default_rng([spec.seed, epoch]).permutation(len(images))
    shape = images.shape[1:]
    dataset = tf.data.Dataset.from_generator(
        lambda: _batches(images, targets, weights, order, spec.batch_size),
        output_signature=(
            tf.TensorSpec((None, *shape), tf.uint8),
            tf.TensorSpec((None,), tf.float32),
            tf.TensorSpec((None,), tf.float32),
        ),
    )
    base = tf.constant([spec.seed, epoch], tf.int64)

    def augment(step: tf.Tensor, batch: tuple[tf.Tensor, tf.Tensor, tf.Tensor]
                ) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        x, y, w = batch
        seed = tf.cast(tf.stack([base[0] * 100003 + base[1], step]), tf.int32)
        if spec.augment > 0:
            x = augment_batch(x, seed, spec.augment)
        else:
            x = tf.cast(x, tf.float32) / 255.0
        return x, y, w

    batches = (len(images) + spec.batch_size - 1) // spec.batch_size
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(batches))
    return dataset.enumerate().map(augment, num_parallel_calls=1).prefetch(2)


def exported_variables(version_dir: Path) -> dict[str, tf.Variable]:
    """The variables of an exported SavedModel, by their Keras path (``stem/kernel``, …)."""
    loaded = tf.saved_model.load(str(version_dir))
    return {v.name.removesuffix(":0"): v for v in loaded.variables}


def load_exported_weights(model: keras.Model, version_dir: Path) -> None:
    """Copy the variables of an exported SavedModel into ``model`` (same architecture)."""
    values = exported_variables(version_dir)
    for weight in model.weights:
        if weight.path not in values:
            raise ValueError(f"{version_dir} has no variable {weight.path}")
        weight.assign(values[weight.path])


def deepen(base: keras.Model, architecture: str) -> keras.Model:
    """``architecture`` (res128d from res128) started from ``base``: every layer of the base
    keeps its weights, and each residual block the base lacks (``stage<n>_<k>``) starts as an
    identity (its last batch normalization's scale zero, so the block adds nothing to its
    shortcut): the new model answers exactly as the base did, with room to learn more."""
    model = build(architecture, tuple(base.input_shape[1:]))
    known = {weight.path: weight for weight in base.weights}
    lacking = sorted(set(known) - {weight.path for weight in model.weights})
    if lacking:
        raise ValueError(f"{architecture} cannot start from {base.name}: it has no {lacking[0]}")
    blocks = set()
    for weight in model.weights:
        if weight.path in known:
            weight.assign(known[weight.path])
            continue
        block = NEW_BLOCK.match(weight.path)
        if block is None:
            raise ValueError(f"{architecture} cannot start from {base.name}: {weight.path} is "
                             "new and not in a residual block of its own")
        blocks.add(block.group(1))
    for block_name in blocks:
        gamma = model.get_layer(f"{block_name}_bn2").gamma
        gamma.assign(tf.zeros_like(gamma))
    return model


def load_flavor(models_dir: Path, name: str) -> tuple[keras.Model, Manifest]:
    """A shipped flavor rebuilt as a trainable Keras model with its exported weights, and its
    manifest (the starting point of a fine-tuning run)."""
    manifest = load_manifest(Path(models_dir) / name)
    model = build(manifest.architecture, (MODEL_SIZE, MODEL_SIZE, manifest.input.shape[-1]))
    load_exported_weights(model, Path(models_dir) / name / str(manifest.version))
    return model, manifest


def mae_deg(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    """Kept so that checkpoints compiled with it load; the CSV's degrees come from ``mae``."""
    y_true = tf.reshape(tf.cast(y_true, y_pred.dtype), tf.shape(y_pred))
    return OUTPUT.scale_deg * tf.reduce_mean(tf.abs(y_true - y_pred), axis=-1)


def _compile(model: keras.Model, spec: FlavorSpec) -> None:
    model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate), loss="mse",
                  metrics=["mae"])


def learning_rate(spec: FlavorSpec, epoch: int) -> float:
    """Cosine decay from the base rate to 5% of it over the planned epochs."""
    progress = epoch / max(spec.epochs - 1, 1)
    return spec.learning_rate * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * progress)))


def plot_curves(csv_path: Path, png_path: Path, title: str, scale_deg: float = OUTPUT.scale_deg
                ) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with csv_path.open() as handle:
        rows = list(csv.DictReader(handle))
    if not rows:
        return
    epochs = [int(r["epoch"]) + 1 for r in rows]
    fig, axes = plt.subplots(1, 2, figsize=(8, 3), dpi=80)
    for key, label in (("loss", "train"), ("val_loss", "validation")):
        axes[0].plot(epochs, [float(r[key]) for r in rows], marker="o", label=label)
    axes[0].set(xlabel="epoch", ylabel="MSE (tanh units)", yscale="log", title=title)
    axes[0].legend()
    for key, label in (("mae", "train"), ("val_mae", "validation")):
        axes[1].plot(epochs, [scale_deg * float(r[key]) for r in rows], marker="o", label=label)
    axes[1].set(xlabel="epoch", ylabel="MAE (deg)")
    axes[1].legend()
    fig.tight_layout()
    fig.savefig(png_path)
    plt.close(fig)


def train_flavor(
    spec: FlavorSpec,
    images: npt.NDArray[np.uint8],
    labels: npt.NDArray[np.float32],
    val_images: npt.NDArray[np.uint8],
    val_labels: npt.NDArray[np.float32],
    run_dir: Path,
    models_dir: Path | None,
    data_description: str,
    initial_model: keras.Model | None = None,
    log: bool = True,
    output: OutputSpec = OUTPUT,
    bulge_fraction: npt.NDArray[np.float64] | None = None,
) -> Manifest:
    """Train (or resume) one flavor; export it into ``models_dir`` when given. Returns its
    manifest (metrics empty: :mod:`training.evaluate` fills them in). ``bulge_fraction`` (per
    training image) is needed when ``spec.early_type_weight`` is not 1."""
    run_dir.mkdir(parents=True, exist_ok=True)
    state_path = run_dir / "state.json"
    checkpoint = run_dir / "checkpoint.keras"
    best_path = run_dir / "best.weights.h5"
    csv_path = run_dir / "metrics.csv"
    state = _load_state(state_path)

    rng = np.random.default_rng([spec.seed, 7919])
    if spec.bootstrap_fraction < 1.0:
        chosen = rng.choice(len(images), size=round(spec.bootstrap_fraction * len(images)),
                            replace=True)
        images, labels = images[chosen], labels[chosen]
        bulge_fraction = None if bulge_fraction is None else bulge_fraction[chosen]
    targets = to_raw(labels, output)
    weights = sample_weights(spec, labels, bulge_fraction)
    val_x = val_images.astype(np.float32) / 255.0
    val_y = to_raw(val_labels, output)
    shape = (MODEL_SIZE, MODEL_SIZE, int(images.shape[-1]))

    keras.utils.set_random_seed(spec.seed)
    if state.epochs_done > 0 and checkpoint.exists():
        model = keras.models.load_model(checkpoint, custom_objects={"mae_deg": mae_deg})
    else:
        state = RunState()
        csv_path.unlink(missing_ok=True)
        model = initial_model if initial_model is not None else build(spec.architecture, shape)
        _compile(model, spec)

    fields = ["epoch", "learning_rate", "loss", "mae", "mae_deg", "val_loss", "val_mae",
              "val_mae_deg", "seconds"]
    stale = state.epochs_done - state.best_epoch - 1 >= spec.patience
    while state.status == "training" and state.epochs_done < spec.epochs and not stale:
        epoch = state.epochs_done
        rate = learning_rate(spec, epoch)
        model.optimizer.learning_rate.assign(rate)
        started = time.monotonic()
        history = model.fit(
            epoch_dataset(images, targets, weights, spec, epoch),
            validation_data=(val_x, val_y), validation_batch_size=128,
            initial_epoch=epoch, epochs=epoch + 1, verbose=2 if log else 0, shuffle=False,
        )
        seconds = time.monotonic() - started
        row = {key: values[-1] for key, values in history.history.items()}
        row["mae_deg"] = output.scale_deg * row["mae"]
        row["val_mae_deg"] = output.scale_deg * row["val_mae"]
        new_file = not csv_path.exists()
        with csv_path.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow({**row, "epoch": epoch, "learning_rate": rate, "seconds": seconds})
        val_loss = float(row["val_loss"])
        if val_loss < state.best_val_loss:
            state.best_val_loss, state.best_epoch = val_loss, epoch
            model.save_weights(best_path)
        state.epochs_done = epoch + 1
        state.seconds += seconds
        model.save(checkpoint)
        _save_state(state_path, state)
        stale = state.epochs_done - state.best_epoch - 1 >= spec.patience
        if log:
            print(f"[{spec.name}] epoch {epoch + 1}/{spec.epochs} lr={rate:.2e} "
                  f"val_mae={row['val_mae_deg']:.2f} deg ({seconds:.0f} s)", flush=True)

    if best_path.exists():
        model.load_weights(best_path)
    plot_curves(csv_path, run_dir / "curves.png", spec.name, output.scale_deg)
    manifest = Manifest(
        name=spec.name,
        version=spec.version,
        architecture=spec.architecture,
        color_modes=["rgb"] if shape[-1] == 3 else ["gray"],
        input=InputSpec(shape=shape),
        output=output,
        training=TrainingInfo.model_validate({
            "data": data_description,
            "images": len(images),
            "bootstrap_fraction": spec.bootstrap_fraction,
            "seed": spec.seed,
            "epochs": state.epochs_done,
            "best_epoch": state.best_epoch + 1,
            "parameters": int(model.count_params()),
            "batch_size": spec.batch_size,
            "learning_rate": spec.learning_rate,
            "augmentation": "rotation, mirroring, translation, isotropic scale, Gaussian noise, "
                            "contrast, blur" if spec.augment > 0 else "none",
            "validation_rms_deg": round(float(state.best_val_loss) ** 0.5 * output.scale_deg, 3)
            if math.isfinite(state.best_val_loss) else None,
            "train_seconds": round(state.seconds, 1),
        }),
    )
    if models_dir is not None:
        export_flavor(model, models_dir, manifest, warmup=val_x[:2])
        write_models_config(models_dir)
    state.status = "done"
    _save_state(state_path, state)
    return manifest
