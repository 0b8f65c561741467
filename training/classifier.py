"""The rejection classifier flavors: a compact CNN that says which kind of object an image shows
(:data:`training.negatives.CLASSES`), trained on synthetic images, with the rejection threshold
chosen on synthetic validation data and written into the manifest (``task: classify``).

The likelihood that an image is not a measurable disk galaxy is ``1 - p(disk)``; an image is
rejected when it is at or above the threshold. Training is seeded and resumable epoch by epoch
(``<runs>/<name>/``: ``checkpoint.keras``, ``state.json``, ``metrics.csv``).
"""

import csv
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import numpy.typing as npt
import tensorflow as tf
from keras import layers

from inference.manifest import (
    ClassifierSpec,
    InputSpec,
    Manifest,
    OutputSpec,
    TrainingInfo,
    load_manifest,
)
from preprocessor.copies import Copies
from preprocessor.framing import Frame
from preprocessor.imaging import MODEL_SIZE
from training.architectures import BACKBONE_LAYERS, residual_backbone
from training.augment import augment_batch
from training.export import export_flavor, write_models_config
from training.negatives import CLASSES, NEGATIVES
from training.synthetic import GENERATOR
from training.train import exported_variables

if TYPE_CHECKING:
    from inference.registry import Registry

OUTPUT_KEY = "probabilities"
ACCEPT = ("disk",)
# The threshold keeps this share of the synthetic validation disks in standard renderings
# accepted (erring towards accepting keeps real spirals answered). The hard renderings (low S/N)
# are left out of the rule: a disk the classifier cannot tell from a non-disk there is one whose
# inclination is not measurable either.
ACCEPT_RATE = 0.97


@dataclass(frozen=True)
class ClassifierFlavorSpec:
    name: str
    seed: int
    bootstrap_fraction: float = 1.0
    epochs: int = 24
    batch_size: int = 64
    learning_rate: float = 2e-3
    version: int = 1
    architecture: str = "classifier"  # or "res-classifier"
    # res-classifier: the inclination flavor whose backbone it starts from, or the classifier
    # whose weights (all of them) it goes on training from
    base: str | None = None
    # the training.negatives version of its data
    negatives: int = NEGATIVES


FLAVORS = (
    ClassifierFlavorSpec("reject-h", seed=158, architecture="res-classifier", base="res128-5",
                         epochs=20, learning_rate=1e-3, negatives=1),
    # reject-h stopped at its last (best) epoch: ten more at a lower rate
    ClassifierFlavorSpec("reject-i", seed=159, architecture="res-classifier", base="reject-h",
                         epochs=10, learning_rate=3e-4, negatives=1),
    # on training.negatives v2 (rich globular clusters resolved into their core)
    ClassifierFlavorSpec("reject-j", seed=160, architecture="res-classifier", base="reject-i",
                         epochs=8, learning_rate=2e-4, negatives=2),
    # on v3 (H II regions with a bright core, stratified planetary nebulae, bright or crowded
    # resolved dwarfs), twice as many images
    ClassifierFlavorSpec("reject-k", seed=161, architecture="res-classifier", base="reject-j",
                         epochs=8, learning_rate=2e-4, negatives=3),
    # on v4 (a quarter of every class framed closer than the object)
    ClassifierFlavorSpec("reject-l", seed=162, architecture="res-classifier", base="reject-k",
                         epochs=6, learning_rate=2e-4, negatives=4),
    # reject-l's validation loss was still falling at its last epoch
    ClassifierFlavorSpec("reject-m", seed=163, architecture="res-classifier", base="reject-l",
                         epochs=6, learning_rate=1e-4, negatives=4),
    # on v5 (planetary nebulae in four shapes)
    ClassifierFlavorSpec("reject-n", seed=164, architecture="res-classifier", base="reject-m",
                         epochs=6, learning_rate=1e-4, negatives=5),
    # reject-n's six epochs were too few to learn v5 without losing elsewhere: twice as long,
    # from a higher rate, as reject-l + reject-m did on v4
    ClassifierFlavorSpec("reject-o", seed=165, architecture="res-classifier", base="reject-m",
                         epochs=12, learning_rate=2e-4, negatives=5),
    # on v6 (one disk in eight a bulge-dominated edge-on: inclined spirals with a bright bulge,
    # M104, NGC 7331, NGC 2683, were rejected as spheroids)
    ClassifierFlavorSpec("reject-p", seed=166, architecture="res-classifier", base="reject-o",
                         epochs=8, learning_rate=1.5e-4, negatives=6),
    # on v7 (bipolar outflows, star fields veiled by nebulosity and dark clouds, round H II
    # regions, arcs, dwarf spheroidals: real photographs of these were accepted by reject-p)
    ClassifierFlavorSpec("reject-q", seed=167, architecture="res-classifier", base="reject-p",
                         epochs=8, learning_rate=1.5e-4, negatives=7),
    # reject-q failed its rule at 97% of the disks accepted (86.5% of the v7 non-disks rejected
    # against reject-p's 86.8%) with its validation loss still falling: six more epochs at a
    # lower rate, as reject-m went on from reject-l
    ClassifierFlavorSpec("reject-r", seed=168, architecture="res-classifier", base="reject-q",
                         epochs=6, learning_rate=1e-4, negatives=7),
    # reject-r failed too (at 97%: 86.4% against 86.8% on v7, 86.0% against 87.5% on v6): from
    # reject-p again, twice as many epochs from a higher rate, as reject-o did after reject-n
    ClassifierFlavorSpec("reject-s", seed=169, architecture="res-classifier", base="reject-p",
                         epochs=12, learning_rate=2e-4, negatives=7),
)


def _conv(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def build_classifier(shape: tuple[int, int, int] = (MODEL_SIZE, MODEL_SIZE, 3),
                     classes: int = len(CLASSES), width: int = 16) -> keras.Model:
    """2x2 average pool to 64x64, four convolution blocks (w, 2w, 4w, 4w), global average and
    max pooling, a small dense head, softmax. ~150k parameters at width 16."""
    inputs = keras.Input(shape=shape, name="image", dtype="float32")
    x = layers.AveragePooling2D(2, name="downsample")(inputs)
    for block, (filters, convs) in enumerate(
        ((width, 1), (2 * width, 1), (4 * width, 2), (4 * width, 2)), start=1
    ):
        for k in range(convs):
            x = _conv(x, filters, f"block{block}_conv{k + 1}")
        if block < 4:
            x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
    x = layers.Concatenate(name="pool")([
        layers.GlobalAveragePooling2D(name="mean")(x), layers.GlobalMaxPooling2D(name="max")(x),
    ])
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.Dense(4 * width, activation="relu", name="dense")(x)
    outputs = layers.Dense(classes, activation="softmax", name=OUTPUT_KEY)(x)
    return keras.Model(inputs, outputs, name="classifier")


def build_res_classifier(shape: tuple[int, int, int] = (MODEL_SIZE, MODEL_SIZE, 3),
                         classes: int = len(CLASSES)) -> keras.Model:
    """The inclination networks' residual backbone (:func:`training.architectures.res128`, full
    128x128, 4x4x96 features), global average and max pooling, a dense head, softmax. Built so
    that an inclination flavor's backbone weights load into it
    (:func:`load_exported_weights`)."""
    inputs = keras.Input(shape=shape, name="image", dtype="float32")
    x = residual_backbone(inputs)
    x = layers.Concatenate(name="pool")([
        layers.GlobalAveragePooling2D(name="mean")(x), layers.GlobalMaxPooling2D(name="max")(x),
    ])
    x = layers.Dropout(0.3, name="dropout")(x)
    x = layers.Dense(64, activation="relu", name="dense")(x)
    outputs = layers.Dense(classes, activation="softmax", name=OUTPUT_KEY)(x)
    return keras.Model(inputs, outputs, name="res_classifier")


CLASSIFIER_ARCHITECTURES = {"classifier": build_classifier, "res-classifier": build_res_classifier}


def load_exported_weights(model: keras.Model, version_dir: Path,
                  layers_from: tuple[str, ...] = BACKBONE_LAYERS) -> int:
    """Copy into ``model`` the variables of an exported flavor whose layer names start with one
    of ``layers_from`` (by default the backbone, :data:`BACKBONE_LAYERS`, of an inclination
    flavor; ``("",)`` for every layer of a classifier) and that have the same path and shape;
    returns how many were copied."""
    values = exported_variables(version_dir)
    copied = 0
    for weight in model.weights:
        if not weight.path.startswith(layers_from):
            continue
        source = values.get(weight.path)
        if source is not None and tuple(source.shape) == tuple(weight.shape):
            weight.assign(source)
            copied += 1
    if copied == 0:
        raise ValueError(f"{version_dir} shares no variable with {model.name}")
    return copied


def likelihood(probabilities: npt.NDArray[np.floating[Any]],
               classes: tuple[str, ...] = CLASSES,
               accept: tuple[str, ...] = ACCEPT) -> npt.NDArray[np.float64]:
    """Rejection likelihood per image: one minus the probability of the accepted classes."""
    keep = [classes.index(c) for c in accept]
    scores: npt.NDArray[np.float64] = np.clip(
        1.0 - np.asarray(probabilities, np.float64)[:, keep].sum(axis=1), 0.0, 1.0)
    return scores


def choose_threshold(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64],
                     accept_rate: float = ACCEPT_RATE,
                     accept: tuple[str, ...] = ACCEPT,
                     among: npt.NDArray[np.bool_] | None = None) -> float:
    """The lowest threshold that still accepts ``accept_rate`` of the positives (reject when
    likelihood >= threshold), rounded up to 3 decimals; ``among``: only these examples count
    (the standard renderings)."""
    positive = np.isin(labels, [CLASSES.index(c) for c in accept])
    if among is not None:
        positive &= among
    if not positive.any():
        raise ValueError("no positive examples to choose a threshold on")
    quantile = float(np.quantile(scores[positive], accept_rate, method="higher"))
    return float(min(1.0, math.ceil(quantile * 1000 + 1e-9) / 1000 + 0.001))


def confusion(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64],
              threshold: float) -> dict[str, dict[str, int]]:
    """Per true class: how many were accepted and rejected."""
    rejected = scores >= threshold
    return {
        name: {"accept": int((~rejected[labels == k]).sum()),
               "reject": int(rejected[labels == k].sum())}
        for k, name in enumerate(CLASSES)
    }


def class_confusion(probabilities: npt.NDArray[np.floating[Any]],
                    labels: npt.NDArray[np.int64]) -> list[list[int]]:
    """The K x K confusion matrix of the most probable class (rows true, columns predicted)."""
    predicted = np.asarray(probabilities).argmax(axis=1)
    matrix = np.zeros((len(CLASSES), len(CLASSES)), dtype=int)
    np.add.at(matrix, (labels, predicted), 1)
    return [[int(v) for v in row] for row in matrix]


def _epoch_dataset(images: npt.NDArray[np.uint8], labels: npt.NDArray[np.int64],
                   spec: ClassifierFlavorSpec, epoch: int) -> tf.data.Dataset:
    order = np.random.default_rng([spec.seed, epoch]).permutation(len(images))

    def batches():  # type: ignore[no-untyped-def]
        for start in range(0, len(order), spec.batch_size):
            idx = np.sort(order[start:start + spec.batch_size])
            yield images[idx], labels[idx]

    dataset = tf.data.Dataset.from_generator(batches, output_signature=(
        tf.TensorSpec((None, *images.shape[1:]), tf.uint8), tf.TensorSpec((None,), tf.int64)))
    base = tf.constant([spec.seed, epoch], tf.int64)

    def augment(step: tf.Tensor, batch: tuple[tf.Tensor, tf.Tensor]
                ) -> tuple[tf.Tensor, tf.Tensor]:
        x, y = batch
        seed = tf.cast(tf.stack([base[0] * 100003 + base[1], step]), tf.int32)
        return augment_batch(x, seed, 1.0), y

    count = (len(images) + spec.batch_size - 1) // spec.batch_size
    dataset = dataset.apply(tf.data.experimental.assert_cardinality(count))
    return dataset.enumerate().map(augment, num_parallel_calls=1).prefetch(2)


def train_classifier(spec: ClassifierFlavorSpec, images: npt.NDArray[np.uint8],
                     labels: npt.NDArray[np.int64], val_images: npt.NDArray[np.uint8],
                     val_labels: npt.NDArray[np.int64], run_dir: Path,
                     log: bool = True, base_models: Path | None = None) -> keras.Model:
    """Train (or resume) one classifier; returns the model at the best validation loss."""
    run_dir.mkdir(parents=True, exist_ok=True)
    state_path, checkpoint = run_dir / "state.json", run_dir / "checkpoint.keras"
    best_path, csv_path = run_dir / "best.weights.h5", run_dir / "metrics.csv"
    state = {"epochs_done": 0, "best_epoch": -1, "best_val_loss": math.inf, "seconds": 0.0}
    if state_path.exists() and checkpoint.exists():
        state = json.loads(state_path.read_text())
    if spec.bootstrap_fraction < 1.0:
        chosen = np.random.default_rng([spec.seed, 7919]).choice(
            len(images), size=round(spec.bootstrap_fraction * len(images)), replace=True)
        images, labels = images[chosen], labels[chosen]
    val_x = val_images.astype(np.float32) / 255.0
    keras.utils.set_random_seed(spec.seed)
    if state["epochs_done"] > 0:
        model = keras.models.load_model(checkpoint)
    else:
        csv_path.unlink(missing_ok=True)
        model = CLASSIFIER_ARCHITECTURES[spec.architecture]()
        if spec.base is not None:
            if base_models is None:
                raise ValueError(f"{spec.name} starts from {spec.base}: give base_models")
            base = load_manifest(base_models / spec.base)
            # from an inclination flavor, its backbone; from a classifier, all of it
            load_exported_weights(model, base_models / spec.base / str(base.version),
                          ("",) if base.task == "classify" else BACKBONE_LAYERS)
        model.compile(optimizer=keras.optimizers.Adam(spec.learning_rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    while state["epochs_done"] < spec.epochs:
        epoch = int(state["epochs_done"])
        progress = epoch / max(spec.epochs - 1, 1)
        rate = spec.learning_rate * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * progress)))
        model.optimizer.learning_rate.assign(rate)
        started = time.monotonic()
        history = model.fit(_epoch_dataset(images, labels, spec, epoch),
                            validation_data=(val_x, val_labels), validation_batch_size=128,
                            initial_epoch=epoch, epochs=epoch + 1, verbose=0, shuffle=False)
        seconds = time.monotonic() - started
        row = {key: values[-1] for key, values in history.history.items()}
        new_file = not csv_path.exists()
        with csv_path.open("a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=["epoch", "learning_rate", "loss",
                                                        "accuracy", "val_loss", "val_accuracy",
                                                        "seconds"], extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow({**row, "epoch": epoch, "learning_rate": rate, "seconds": seconds})
        if float(row["val_loss"]) < float(state["best_val_loss"]):
            state["best_val_loss"], state["best_epoch"] = float(row["val_loss"]), epoch
            model.save_weights(best_path)
        state["epochs_done"] = epoch + 1
        state["seconds"] = float(state["seconds"]) + seconds
        model.save(checkpoint)
        state_path.write_text(json.dumps(state, indent=2) + "\n")
        if log:
            print(f"[{spec.name}] epoch {epoch + 1}/{spec.epochs} loss={row['loss']:.3f} "
                  f"val_loss={row['val_loss']:.3f} val_acc={row['val_accuracy']:.3f} "
                  f"({seconds:.0f} s)", flush=True)
    if best_path.exists():
        model.load_weights(best_path)
    return model


def predict(model: keras.Model, images: npt.NDArray[np.uint8], batch: int = 128
            ) -> npt.NDArray[np.float64]:
    out = [np.asarray(model(images[i:i + batch].astype(np.float32) / 255.0, training=False))
           for i in range(0, len(images), batch)]
    return np.concatenate(out).astype(np.float64)


def classifier_manifest(name: str, version: int, threshold: float, rule: str,
                        training: dict[str, Any], metrics: dict[str, float],
                        architecture: str = "classifier") -> Manifest:
    return Manifest(
        task="classify",
        name=name,
        version=version,
        architecture=architecture,
        color_modes=["rgb"],
        input=InputSpec(shape=(MODEL_SIZE, MODEL_SIZE, 3)),
        output=OutputSpec(key=OUTPUT_KEY, activation="softmax", scale_deg=1.0, offset_deg=0.0),
        training=TrainingInfo.model_validate(training),
        metrics=metrics,
        classifier=ClassifierSpec(classes=list(CLASSES), accept=list(ACCEPT),
                                  threshold=threshold, threshold_rule=rule),
    )


def binary_metrics(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64],
                   threshold: float, prefix: str,
                   hard: npt.NDArray[np.bool_] | None = None) -> dict[str, float]:
    """Shares accepted and rejected; with ``hard`` (per example: drawn in the hard renderings
    if a disk), the disks of each kind of rendering too."""
    positive = labels == CLASSES.index("disk")
    rejected = scores >= threshold
    metrics = {
        f"{prefix}_disks_accepted": float((~rejected[positive]).mean()),
        f"{prefix}_negatives_rejected": float(rejected[~positive].mean()),
    }
    if hard is not None:
        for name, kind in (("standard", positive & ~hard), ("hard", positive & hard)):
            if kind.any():
                metrics[f"{prefix}_{name}_disks_accepted"] = float((~rejected[kind]).mean())
    spheroid = labels == CLASSES.index("spheroid")
    if spheroid.any():
        metrics[f"{prefix}_spheroids_rejected"] = float(rejected[spheroid].mean())
    return {k: round(v, 4) for k, v in metrics.items()}


def _base_description(spec: ClassifierFlavorSpec, base_models: Path) -> str:
    if spec.base is None:
        return ""
    if load_manifest(base_models / spec.base).task == "classify":
        return f"; continued from {spec.base} (all its weights)"
    return f"; backbone from {spec.base}"


def run(datasets: Path, runs: Path, models_dir: Path, report: Path,
        flavors: tuple[ClassifierFlavorSpec, ...] = FLAVORS,
        base_models: Path | None = None) -> dict[str, Any]:
    """Train every classifier flavor (in order: a ``base`` classifier comes before those that
    go on from it), choose thresholds on validation, evaluate on the test set, export, and
    write ``report/classifier.json``."""
    from training.classifier_data import class_counts, hard_examples, load, read_spec

    train_x, train_y = load(datasets / "train")
    val_x, val_y = load(datasets / "validation")
    test_x, test_y = load(datasets / "test")
    results: dict[str, Any] = {"sets": {k: class_counts(v) for k, v in
                                        (("train", train_y), ("validation", val_y),
                                         ("test", test_y))}}
    standard = ~hard_examples(datasets / "validation")
    test_hard = hard_examples(datasets / "test")
    val_probs, test_probs = [], []
    trained: set[str] = set()
    for spec in flavors:
        # a base trained earlier in this run is the one just exported to models_dir
        bases = models_dir if spec.base in trained else (base_models or models_dir)
        model = train_classifier(spec, train_x, train_y, val_x, val_y, runs / spec.name,
                                 base_models=bases)
        pv, pt = predict(model, val_x), predict(model, test_x)
        val_probs.append(pv)
        test_probs.append(pt)
        threshold = choose_threshold(likelihood(pv), val_y, among=standard)
        rule = (f"lowest likelihood threshold accepting {ACCEPT_RATE:.0%} of the synthetic "
                f"validation disks in standard renderings ({len(val_y)} images, seed "
                f"{read_spec(datasets / 'validation').seed}; hard renderings left out)")
        scores = likelihood(pt)
        metrics = binary_metrics(scores, test_y, threshold, "synthetic_test", test_hard)
        metrics["synthetic_test_class_accuracy"] = round(
            float((pt.argmax(axis=1) == test_y).mean()), 4)
        state = json.loads((runs / spec.name / "state.json").read_text())
        training = {
            "data": f"synthetic disks (training.synthetic v{GENERATOR}) and non-disks "
                    f"(training.negatives v{read_spec(datasets / 'train').negatives}), "
                    f"{len(train_y)} images, seed {read_spec(datasets / 'train').seed}"
                    + _base_description(spec, bases),
            "images": round(spec.bootstrap_fraction * len(train_y)),
            "bootstrap_fraction": spec.bootstrap_fraction, "seed": spec.seed,
            "epochs": int(state["epochs_done"]), "best_epoch": int(state["best_epoch"]) + 1,
            "parameters": int(model.count_params()), "batch_size": spec.batch_size,
            "learning_rate": spec.learning_rate, "train_seconds": round(state["seconds"], 1),
            "augmentation": "rotation, mirroring, translation, isotropic scale, Gaussian noise, "
                            "contrast, blur",
        }
        manifest = classifier_manifest(spec.name, spec.version, threshold, rule, training,
                                       metrics, spec.architecture)
        export_flavor(model, models_dir, manifest, warmup=val_x[:2].astype(np.float32) / 255.0)
        results[spec.name] = {
            "threshold": threshold, "metrics": metrics,
            "confusion": confusion(scores, test_y, threshold),
            "class_confusion": class_confusion(pt, test_y),
        }
        trained.add(spec.name)
        keras.backend.clear_session()
        print(json.dumps({spec.name: results[spec.name]}), flush=True)
    write_models_config(models_dir)
    # The ensemble as the service runs it: mean probabilities, median threshold.
    thresholds = [results[s.name]["threshold"] for s in flavors]
    threshold = float(np.median(thresholds))
    mean_test = np.mean(test_probs, axis=0)
    scores = likelihood(mean_test)
    results["ensemble"] = {
        "threshold": threshold,
        "metrics": binary_metrics(scores, test_y, threshold, "synthetic_test", test_hard),
        "confusion": confusion(scores, test_y, threshold),
        "class_confusion": class_confusion(mean_test, test_y),
        "validation_likelihood_of_standard_disks_quantiles": {
            str(q): round(float(np.quantile(likelihood(np.mean(val_probs, axis=0))[
                (val_y == 0) & standard], q)), 4) for q in (0.5, 0.9, 0.95, 0.97, 0.99)},
    }
    report.mkdir(parents=True, exist_ok=True)
    (report / "classifier.json").write_text(json.dumps(results, indent=2) + "\n")
    return results


def run_quick(models_dir: Path, work: Path) -> None:
    """Seconds-long end-to-end check of the pipeline (tiny data, one epoch)."""
    from training.classifier_data import QUICK_SETS, generate

    for name, spec in QUICK_SETS.items():
        generate(work / "datasets" / name, spec, processes=1)
    run(work / "datasets", work / "runs", models_dir, work / "report",
        (ClassifierFlavorSpec("reject-quick", seed=1, epochs=1),))



def rejection_of(registry: "Registry", tensors: list[npt.NDArray[np.float32]]
                 ) -> tuple[npt.NDArray[np.float64], float, list[str]]:
    """(likelihood, threshold, most probable class) for each image's test-time copies (one
    tensor per image, RGB) through every classifier of ``registry``, combined as the inference
    service combines them: mean probabilities over copies and classifiers, median threshold."""
    from inference.runtime import LoadedFlavor

    loaded = [LoadedFlavor(f) for f in registry.classifiers]
    if not loaded:
        raise ValueError("no classifier (task: classify) in the registry")
    specs = [f.manifest.classifier for f in registry.classifiers]
    threshold = float(np.median([s.threshold for s in specs if s is not None]))
    scores, tops = [], []
    for tensor in tensors:
        probs = np.mean([lf.predict(tensor.astype(np.float32)).mean(axis=0) for lf in loaded],
                        axis=0)
        scores.append(float(likelihood(probs[np.newaxis])[0]))
        tops.append(CLASSES[int(np.argmax(probs))])
    return np.asarray(scores, np.float64), threshold, tops


def evaluate_real(models_dir: Path, index_csv: Path, copies: Copies = "rot4",
                  frame: Frame = "auto") -> list[dict[str, Any]]:
    """Every image of a real set (an ``index.csv`` with a ``path`` column) through the service's
    own preprocessing of an upload (``preprocess_bytes``: ``frame``, test-time copies) and every
    classifier under ``models_dir`` (:func:`rejection_of`). One row per image."""
    from inference.registry import load_registry
    from preprocessor.pipeline import preprocess_bytes

    registry = load_registry(models_dir)
    if not registry.classifiers:
        raise SystemExit(f"no classifier (task: classify) under {models_dir}")
    with Path(index_csv).open() as handle:
        rows = list(csv.DictReader(handle))
    folder = Path(index_csv).parent  # a relative path is relative to the index, as for read_index
    prepared = [preprocess_bytes((folder / row["path"]).read_bytes(), "rgb", copies, frame=frame)
                for row in rows]
    scores, threshold, tops = rejection_of(registry, [p.tensor for p in prepared])
    return [{**row, "likelihood": round(float(score), 4), "threshold": threshold,
             "verdict": "reject" if score >= threshold else "accept", "top": top,
             "reframed": bool(p.framing is not None and p.framing.applied)}
            for row, p, score, top in zip(rows, prepared, scores, tops, strict=True)]


ACCEPTANCES = (0.95, 0.96, 0.97)


def rejected_at_acceptance(scores: npt.NDArray[np.float64], labels: npt.NDArray[np.int64],
                           rate: float) -> float:
    """Share of the non-disks rejected by the threshold that accepts ``rate`` of the disks: a
    comparison of classifiers that does not depend on where each one's threshold fell."""
    positive = labels == CLASSES.index("disk")
    threshold = float(np.quantile(scores[positive], rate))
    return float((scores[~positive] > threshold).mean())


def compare_on_synthetic(models_dirs: list[Path], set_dir: Path) -> list[dict[str, Any]]:
    """Every classifier under each of ``models_dirs`` on one synthetic set (shards of
    :mod:`training.classifier_data`), one copy per image: its own threshold's figures, the class
    accuracy, and the non-disks rejected at equal disk acceptances (:data:`ACCEPTANCES`)."""
    from inference.registry import load_registry
    from inference.runtime import LoadedFlavor
    from training.classifier_data import bulge_edge_on_examples, hard_examples, load

    images, labels = load(set_dir)
    hard = hard_examples(set_dir)
    edge_on_disks = bulge_edge_on_examples(set_dir) & (labels == 0)
    rows = []
    for models_dir in models_dirs:
        for flavor in load_registry(models_dir).classifiers:
            runtime = LoadedFlavor(flavor)
            probs = np.concatenate([
                runtime.predict(images[i:i + 128].astype(np.float32) / 255.0)
                for i in range(0, len(images), 128)])
            scores = likelihood(probs)
            spec = flavor.manifest.classifier
            assert spec is not None  # a 'classify' manifest always has its classifier block
            threshold = spec.threshold
            rows.append({
                "classifier": flavor.manifest.name, "models": str(models_dir),
                "threshold": threshold,
                **binary_metrics(scores, labels, threshold, "synthetic", hard),
                "class_accuracy": round(float((probs.argmax(axis=1) == labels).mean()), 4),
                **{f"{name}_rejected": round(float((scores[labels == k] >= threshold).mean()), 4)
                   for k, name in enumerate(CLASSES) if k > 0 and (labels == k).any()},
                **{f"non_disks_rejected_at_{rate:.0%}_disks_accepted":
                   round(rejected_at_acceptance(scores, labels, rate), 4) for rate in ACCEPTANCES},
                **({"bulge_edge_on_disks_accepted":
                    round(float((scores[edge_on_disks] < threshold).mean()), 4)}
                   if edge_on_disks.any() else {}),
            })
    return rows
