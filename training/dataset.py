"""Synthetic data sets on disk: shards of uint8 model inputs with their labels and parameters,
generated in parallel (one process per core), resumable (finished shards are kept) and
deterministic in the seed whatever the number of processes.

``<root>/<name>/shard-00000.npz``: ``images`` uint8 (n, 128, 128, 3), ``labels`` float32 (n,)
degrees (the reported convention, ``Galaxy.label``), and one array per
:class:`training.synthetic.Galaxy` field.
"""

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from training.synthetic import GENERATOR, galaxy_fields, render

SHARD_SIZE = 250
SPEC_FILE = "dataset.json"


@dataclass(frozen=True)
class DatasetSpec:
    count: int
    seed: int
    hard: bool = False
    shard_size: int = SHARD_SIZE
    generator: int = GENERATOR
    early_types: bool = False  # every galaxy bulge-dominated (standard S/N and crowding)
    bulge_edge_ons: bool = False  # every galaxy a bulge-dominated edge-on (70-90°, B/T to 0.85)
    pedestals: bool = False  # sometimes a faint glow of sky around the galaxy (sky_pedestal)
    pedestal_chance: float | None = None  # ... this often whatever the rendering (None: by it)
    clumpy: bool = False  # every galaxy a clumpy late type (light largely in star-forming clumps)

    def __post_init__(self) -> None:
        if self.pedestal_chance is not None and not self.pedestals:
            raise ValueError("pedestal_chance is for a set drawn with pedestals=True")
        if self.clumpy and (self.hard or self.early_types or self.bulge_edge_ons):
            raise ValueError("clumpy late types are neither hard, early types nor bulge edge-ons")

    @property
    def shards(self) -> int:
        return (self.count + self.shard_size - 1) // self.shard_size

    @property
    def kind(self) -> str:
        """What the set holds beyond the standard mix, in words ('' for the standard mix)."""
        kind = ""
        if self.hard:
            kind = "hard: low S/N, bulge-dominated, crowded"
        elif self.bulge_edge_ons:
            kind = "bulge-dominated edge-ons: 70-90°, B/T 0.45-0.85"
        elif self.early_types:
            kind = "early types: B/T 0.3-0.7"
        elif self.clumpy:
            kind = "clumpy late types: 20-50% of the disk's light in clumps, B/T < 0.08"
        if self.pedestals:
            which = ("with sky pedestals" if self.pedestal_chance is None
                     else f"with sky pedestals on {self.pedestal_chance:.0%}")
            kind = f"{kind}, {which}" if kind else which
        return kind


def shard_path(directory: Path, shard: int) -> Path:
    return directory / f"shard-{shard:05d}.npz"


Arrays = dict[str, npt.NDArray[np.generic]]


class ShardedSpec(Protocol):
    """What :func:`write_shards` needs of a data-set spec (a frozen dataclass)."""

    @property
    def count(self) -> int: ...

    @property
    def shard_size(self) -> int: ...

    @property
    def shards(self) -> int: ...


ShardMaker = Callable[[Any, int, int], Arrays]


def _write_shard(job: tuple[Path, ShardedSpec, int, ShardMaker]) -> int:
    directory, spec, shard, make = job
    start = shard * spec.shard_size
    stop = min(start + spec.shard_size, spec.count)
    target = shard_path(directory, shard)
    tmp = target.with_name(target.stem + ".tmp.npz")
    np.savez(tmp, **make(spec, start, stop))  # type: ignore[arg-type]
    tmp.replace(target)
    return stop - start


def write_shards(directory: Path, spec: ShardedSpec, make: ShardMaker,
                 processes: int | None = None, progress: bool = True) -> Path:
    """Write the shards of ``spec`` missing under ``directory``: ``make(spec, start, stop)``
    (a module-level function, so that worker processes can run it) gives one shard's arrays.
    Each shard is written atomically; a folder holding another spec is refused."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    spec_file = directory / SPEC_FILE
    if spec_file.exists() and type(spec)(**json.loads(spec_file.read_text())) != spec:
        raise ValueError(f"{directory} holds a different data set; choose another directory")
    spec_file.write_text(json.dumps(asdict(spec)) + "\n")  # type: ignore[call-overload]
    todo = [s for s in range(spec.shards) if not shard_path(directory, s).exists()]
    done = spec.count - sum(
        min(spec.shard_size, spec.count - s * spec.shard_size) for s in todo
    )
    processes = processes or os.cpu_count() or 1
    with tqdm(total=spec.count, initial=done, unit="img", desc=directory.name,
              disable=not progress, mininterval=5.0) as bar:
        jobs: list[tuple[Path, ShardedSpec, int, ShardMaker]] = [
            (directory, spec, s, make) for s in todo
        ]
        if processes == 1 or len(jobs) <= 1:
            for job in jobs:
                bar.update(_write_shard(job))
        else:
            with get_context("spawn").Pool(processes) as pool:
                for made in pool.imap_unordered(_write_shard, jobs):
                    bar.update(made)
    return directory


def read_shards(directory: Path, shards: int) -> Iterator[Arrays]:
    for shard in range(shards):
        with np.load(shard_path(Path(directory), shard)) as data:
            yield {key: data[key] for key in data.files}


def galaxy_arrays(spec: DatasetSpec, start: int, stop: int) -> Arrays:
    """One shard of synthetic galaxies: images, labels and every Galaxy field."""
    images, params = [], []
    for index in range(start, stop):
        image, galaxy = render(spec.seed, index, spec.hard, spec.early_types,
                               spec.bulge_edge_ons, spec.pedestals, spec.pedestal_chance,
                               spec.clumpy)
        images.append(image)
        params.append(asdict(galaxy))
    arrays: Arrays = {
        "images": np.stack(images),
        "labels": np.array([p["label"] for p in params], dtype=np.float32),
    }
    for field in galaxy_fields():
        arrays[field] = np.array([p[field] for p in params])
    return arrays


def generate(directory: Path, spec: DatasetSpec, processes: int | None = None,
             progress: bool = True) -> Path:
    """Write the shards of ``spec`` that are missing under ``directory``."""
    return write_shards(directory, spec, galaxy_arrays, processes, progress)


def read_spec(directory: Path) -> DatasetSpec:
    return DatasetSpec(**json.loads((Path(directory) / SPEC_FILE).read_text()))


def iter_shards(directory: Path) -> Iterator[Arrays]:
    return read_shards(directory, read_spec(directory).shards)


def load(directory: Path) -> dict[str, npt.NDArray[np.generic]]:
    """The whole data set in memory (uint8 images: 10k images ≈ 0.5 GB)."""
    shards = list(iter_shards(directory))
    return {key: np.concatenate([s[key] for s in shards]) for key in shards[0]}


def join(first: Arrays, second: Arrays) -> Arrays:
    """Two loaded sets as one, over the arrays both have (a set generated before a Galaxy field
    was added lacks it)."""
    return {key: np.concatenate([first[key], second[key]]) for key in first if key in second}
