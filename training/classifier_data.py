"""Data sets for the rejection classifier on disk: shards of uint8 model inputs with class labels
(:mod:`training.negatives`), generated in parallel, resumable and deterministic in the seed.

``<root>/<name>/shard-00000.npz``: ``images`` uint8 (n, 128, 128, 3), ``labels`` int64 (n,)
indices into :data:`training.negatives.CLASSES`.
"""

import json
import os
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import numpy.typing as npt

from training.negatives import CLASSES, render_example

SHARD_SIZE = 250
SPEC_FILE = "dataset.json"


@dataclass(frozen=True)
class ClassifierSetSpec:
    count: int
    seed: int
    shard_size: int = SHARD_SIZE

    @property
    def shards(self) -> int:
        return (self.count + self.shard_size - 1) // self.shard_size


# Seeds differ from the inclination recipe's, so no disk of their test sets is trained on here.
SETS = {
    "train": ClassifierSetSpec(6000, 1511),
    "validation": ClassifierSetSpec(1000, 1512),
    "test": ClassifierSetSpec(1500, 1513),
}
QUICK_SETS = {
    "train": ClassifierSetSpec(120, 1501, 60),
    "validation": ClassifierSetSpec(60, 1502, 60),
    "test": ClassifierSetSpec(60, 1503, 60),
}


def _shard_path(directory: Path, shard: int) -> Path:
    return directory / f"shard-{shard:05d}.npz"


def _make_shard(job: tuple[Path, ClassifierSetSpec, int]) -> int:
    directory, spec, shard = job
    start = shard * spec.shard_size
    stop = min(start + spec.shard_size, spec.count)
    examples = [render_example(spec.seed, index) for index in range(start, stop)]
    target = _shard_path(directory, shard)
    tmp = target.with_name(target.stem + ".tmp.npz")
    np.savez(tmp, images=np.stack([e[0] for e in examples]),
             labels=np.array([e[1] for e in examples], dtype=np.int64))
    tmp.replace(target)
    return stop - start


def generate(directory: Path, spec: ClassifierSetSpec, processes: int | None = None) -> Path:
    """Write the shards of ``spec`` that are missing under ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    spec_file = directory / SPEC_FILE
    if spec_file.exists() and ClassifierSetSpec(**json.loads(spec_file.read_text())) != spec:
        raise ValueError(f"{directory} holds a different data set; choose another directory")
    spec_file.write_text(json.dumps(asdict(spec)) + "\n")
    jobs = [(directory, spec, s) for s in range(spec.shards)
            if not _shard_path(directory, s).exists()]
    processes = processes or os.cpu_count() or 1
    if processes == 1 or len(jobs) <= 1:
        for job in jobs:
            _make_shard(job)
    else:
        with get_context("spawn").Pool(processes) as pool:
            for made in pool.imap_unordered(_make_shard, jobs):
                print(f"{directory.name}: +{made}", flush=True)
    return directory


def load(directory: Path) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    spec = ClassifierSetSpec(**json.loads((Path(directory) / SPEC_FILE).read_text()))
    images, labels = [], []
    for shard in range(spec.shards):
        with np.load(_shard_path(Path(directory), shard)) as data:
            images.append(data["images"])
            labels.append(data["labels"])
    return np.concatenate(images), np.concatenate(labels)


def class_counts(labels: npt.NDArray[np.int64]) -> dict[str, int]:
    return {name: int((labels == k).sum()) for k, name in enumerate(CLASSES)}
