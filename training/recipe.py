"""The full recipe for the shipped flavors: which data sets (sizes, seeds) and which flavors.

Seeds: training 1, validation 2; the held-out test sets use 1001 (standard) and 2001 (hard),
never used in training. Sized to finish on the 2-core CPU machine in about an hour and a half
(see README).
"""

from dataclasses import dataclass

from training.dataset import DatasetSpec
from training.train import FlavorSpec

TRAIN = DatasetSpec(count=16_000, seed=1)
VALIDATION = DatasetSpec(count=1_000, seed=2)
TEST = DatasetSpec(count=2_000, seed=1001)
TEST_HARD = DatasetSpec(count=1_000, seed=2001, hard=True)

DATASETS = {"train": TRAIN, "validation": VALIDATION, "test": TEST, "test-hard": TEST_HARD}

FLAVORS = (
    FlavorSpec("res128-0", "res128", seed=30, bootstrap_fraction=1.0, epochs=18, patience=6),
    FlavorSpec("res128-1", "res128", seed=31, bootstrap_fraction=0.8, epochs=14, patience=6),
    FlavorSpec("vgg3-v2", "vgg3", seed=32, bootstrap_fraction=1.0, epochs=14, patience=6),
    FlavorSpec("res128-2", "res128", seed=33, bootstrap_fraction=1.0, epochs=18, patience=6),
)

QUICK_DATASETS = {
    "train": DatasetSpec(count=128, seed=1, shard_size=64),
    "validation": DatasetSpec(count=32, seed=2, shard_size=32),
    "test": DatasetSpec(count=64, seed=1001, shard_size=64),
    "test-hard": DatasetSpec(count=32, seed=2001, hard=True, shard_size=32),
}
QUICK_FLAVORS = (
    FlavorSpec("quick-0", "tiny", seed=10, epochs=2, batch_size=32),
    FlavorSpec("quick-1", "tiny", seed=11, bootstrap_fraction=0.67, epochs=2, batch_size=32),
)


@dataclass(frozen=True)
class Recipe:
    datasets: dict[str, DatasetSpec]
    flavors: tuple[FlavorSpec, ...]


FULL = Recipe(DATASETS, FLAVORS)
QUICK = Recipe(QUICK_DATASETS, QUICK_FLAVORS)
