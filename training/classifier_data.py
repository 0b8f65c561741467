"""Data sets for the rejection classifier on disk: shards of uint8 model inputs with class labels
(:mod:`training.negatives`), generated in parallel, resumable and deterministic in the seed.

``<root>/<name>/shard-00000.npz``: ``images`` uint8 (n, 128, 128, 3), ``labels`` int64 (n,)
indices into :data:`training.negatives.CLASSES`.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from training.dataset import SHARD_SIZE, SPEC_FILE, Arrays, read_shards, write_shards
from training.negatives import CLASSES, NEGATIVES, is_bulge_edge_on, is_hard, render_example


@dataclass(frozen=True)
class ClassifierSetSpec:
    count: int
    seed: int
    shard_size: int = SHARD_SIZE
    # the training.negatives version drawn with (sets written before versions were kept are 1,
    # so that a folder of older images is refused rather than mixed with new ones)
    negatives: int = 1

    @property
    def shards(self) -> int:
        return (self.count + self.shard_size - 1) // self.shard_size


def sets(negatives: int = NEGATIVES) -> dict[str, ClassifierSetSpec]:
    """The classifier's data sets drawn with ``training.negatives`` version ``negatives``.
    Seeds differ from the inclination recipe's, so no disk of their test sets is trained on."""
    return {
        "train": ClassifierSetSpec(24000, 1511, negatives=negatives),
        "validation": ClassifierSetSpec(1000, 1512, negatives=negatives),
        "test": ClassifierSetSpec(1500, 1513, negatives=negatives),
    }


SETS = sets()
QUICK_SETS = {
    "train": ClassifierSetSpec(120, 1501, 60, NEGATIVES),
    "validation": ClassifierSetSpec(60, 1502, 60, NEGATIVES),
    "test": ClassifierSetSpec(60, 1503, 60, NEGATIVES),
}


def example_arrays(spec: ClassifierSetSpec, start: int, stop: int) -> Arrays:
    """One shard of classifier examples: images and class indices."""
    examples = [render_example(spec.seed, index, spec.negatives)
                for index in range(start, stop)]
    return {"images": np.stack([e[0] for e in examples]),
            "labels": np.array([e[1] for e in examples], dtype=np.int64)}


def generate(directory: Path, spec: ClassifierSetSpec, processes: int | None = None) -> Path:
    """Write the shards of ``spec`` that are missing under ``directory``."""
    return write_shards(directory, spec, example_arrays, processes)


def read_spec(directory: Path) -> ClassifierSetSpec:
    """The spec a set on disk was generated from."""
    return ClassifierSetSpec(**json.loads((Path(directory) / SPEC_FILE).read_text()))


def load(directory: Path) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    spec = read_spec(directory)
    shards = list(read_shards(directory, spec.shards))
    images = np.concatenate([s["images"] for s in shards]).astype(np.uint8)
    labels = np.concatenate([s["labels"] for s in shards]).astype(np.int64)
    return images, labels


def class_counts(labels: npt.NDArray[np.int64]) -> dict[str, int]:
    return {name: int((labels == k).sum()) for k, name in enumerate(CLASSES)}


def hard_examples(directory: Path) -> npt.NDArray[np.bool_]:
    """Per example of the set in ``directory``: whether it is drawn in the generator's hard
    renderings if it is a disk (recomputed from the set's seed)."""
    spec = read_spec(directory)
    return np.array([is_hard(spec.seed, index) for index in range(spec.count)], dtype=np.bool_)


def bulge_edge_on_examples(directory: Path) -> npt.NDArray[np.bool_]:
    """Per example of the set in ``directory``: whether it is drawn as a bulge-dominated edge-on
    if it is a disk (v6 on; recomputed from the set's seed)."""
    spec = read_spec(directory)
    return np.array([spec.negatives >= 6 and not is_hard(spec.seed, index)
                     and is_bulge_edge_on(spec.seed, index) for index in range(spec.count)],
                    dtype=np.bool_)
