"""A training run stopped between epochs goes on where it stopped, with or without the
optimizer's checkpoint."""

import csv
import json
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import numpy.typing as npt
import pytest

from training.architectures import build
from training.ellipses import ellipse_set
from training.train import FlavorSpec, load_variables, save_variables, train_flavor

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


def test_without_its_checkpoint_a_run_goes_on_from_its_last_weights(
        tmp_path: Path, ellipses: tuple[Data, Data], capsys: pytest.CaptureFixture[str]) -> None:
    run_dir = tmp_path / "run"
    spec = _stopped_after_one_epoch(run_dir, ellipses)
    (run_dir / "checkpoint.keras").unlink()
    after_first = build("tiny", (128, 128, 3))
    load_variables(after_first, run_dir / "last.weights.npz")

    # At a learning rate of zero (tiny has no batch normalization) the second epoch changes
    # nothing: what the run ends with is what the first epoch left, not a fresh start.
    frozen = replace(spec, learning_rate=0.0)
    (images, labels), (val_images, val_labels) = ellipses
    train_flavor(frozen, images, labels, val_images, val_labels, run_dir, None, "ellipses")
    assert "continuing after epoch 1 from last.weights.npz" in capsys.readouterr().out
    assert _epochs(run_dir) == [0, 1]
    ended = build("tiny", (128, 128, 3))
    load_variables(ended, run_dir / "last.weights.npz")
    for before, after in zip(after_first.weights, ended.weights, strict=True):
        np.testing.assert_array_equal(before.numpy(), after.numpy())


def test_without_checkpoint_or_weights_a_run_starts_over(tmp_path: Path,
                                                         ellipses: tuple[Data, Data]) -> None:
    run_dir = tmp_path / "run"
    spec = _stopped_after_one_epoch(run_dir, ellipses)
    (run_dir / "checkpoint.keras").unlink()
    (run_dir / "last.weights.npz").unlink()
    _train(spec, run_dir, ellipses)
    assert _epochs(run_dir) == [0, 1]  # the first epoch trained again, then the second
    assert json.loads((run_dir / "state.json").read_text())["epochs_done"] == 2


def test_variables_carry_the_model_without_the_optimizer(tmp_path: Path,
                                                          ellipses: tuple[Data, Data]) -> None:
    (images, labels), _ = ellipses
    x = images[:8].astype(np.float32) / 255.0
    model = build("tiny", (128, 128, 3))
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    model.train_on_batch(x, np.tanh(labels[:8, None] / 45.0 - 1.0))
    assert model.optimizer.variables  # the optimizer has moments to leave out
    path = tmp_path / "last.weights.npz"
    save_variables(model, path)
    with np.load(path) as saved:
        assert set(saved.files) == {weight.path for weight in model.weights}
    fresh = build("tiny", (128, 128, 3))
    load_variables(fresh, path)
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), model.predict(x, verbose=0))
    with pytest.raises(ValueError, match="has no variable"):
        load_variables(build("vgg3", (128, 128, 3)), path)
