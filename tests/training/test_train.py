"""A training run stopped between epochs goes on from its checkpoint, or starts over without one."""

import csv
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from training.ellipses import ellipse_set
from training.train import FlavorSpec, train_flavor

Data = tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]


@pytest.fixture(scope="module")
def ellipses() -> tuple[Data, Data]:
    images, labels = ellipse_set(40, seed=4)
    as_bytes = (images * 255.0).round().astype(np.uint8)
    return (as_bytes[:32], labels[:32]), (as_bytes[32:], labels[32:])


def _train(spec: FlavorSpec, run_dir: Path, data: tuple[Data, Data]) -> None:
    (images, labels), (val_images, val_labels) = data
    train_flavor(spec, images, labels, val_images, val_labels, run_dir, None, "ellipses",
                 log=False)


def _stopped_after_one_epoch(run_dir: Path, data: tuple[Data, Data]) -> FlavorSpec:
    """A two-epoch run as a machine leaves it when it stops during the second epoch: the first
    epoch's files, the state still 'training'."""
    spec = FlavorSpec("tiny-run", "tiny", seed=3, epochs=2, batch_size=16, augment=0.0)
    _train(replace(spec, epochs=1), run_dir, data)
    state = json.loads((run_dir / "state.json").read_text())
    assert state["epochs_done"] == 1
    (run_dir / "state.json").write_text(json.dumps({**state, "status": "training"}))
    return spec


def _epochs(run_dir: Path) -> list[int]:
    with (run_dir / "metrics.csv").open() as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


def test_a_stopped_run_goes_on_from_its_checkpoint(tmp_path: Path,
                                                   ellipses: tuple[Data, Data]) -> None:
    run_dir = tmp_path / "run"
    spec = _stopped_after_one_epoch(run_dir, ellipses)
    assert (run_dir / "checkpoint.keras").exists()
    _train(spec, run_dir, ellipses)
    assert _epochs(run_dir) == [0, 1]
    state = json.loads((run_dir / "state.json").read_text())
    assert (state["epochs_done"], state["status"]) == (2, "done")


def test_without_its_checkpoint_a_run_starts_over(tmp_path: Path,
                                                         ellipses: tuple[Data, Data]) -> None:
    run_dir = tmp_path / "run"
    spec = _stopped_after_one_epoch(run_dir, ellipses)
    (run_dir / "checkpoint.keras").unlink()
    _train(spec, run_dir, ellipses)
    assert _epochs(run_dir) == [0, 1]  # the first epoch trained again, then the second
    assert json.loads((run_dir / "state.json").read_text())["epochs_done"] == 2

