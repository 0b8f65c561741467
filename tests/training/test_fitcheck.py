from pathlib import Path

import numpy as np
import pytest

from inference.manifest import Manifest
from training.dataset import DatasetSpec, galaxy_arrays
from training.evaluate import predict_flavor
from training.fitcheck import fit_check, main

TRAINED = DatasetSpec(count=128, seed=1, shard_size=4)
HELD_OUT = DatasetSpec(count=64, seed=1001, shard_size=4)


def test_the_training_images_are_the_flavors_own_and_the_figures_their_errors(
        tiny_repository: tuple[Path, list[Manifest]]) -> None:
    models_dir, manifests = tiny_repository
    names = [m.name for m in manifests]
    results = fit_check(models_dir, names, TRAINED, HELD_OUT, count=6, processes=1)

    # The figures are the flavors' errors on the first galaxies of the training set itself.
    own = galaxy_arrays(TRAINED, 0, 6)
    true = own["labels"].astype(np.float64)
    answers = np.stack([predict_flavor(models_dir, m, own["images"]) for m in manifests])
    trained = results["trained on"]
    assert set(trained) == {*names, "median"}
    delta = np.median(answers, axis=0) - true
    assert trained["median"]["rms_0_90"] == pytest.approx(np.sqrt(np.mean(delta**2)))
    first = answers[0] - true
    assert trained[names[0]]["bias_0_90"] == pytest.approx(np.mean(first))
    assert results["held out"]["median"]["n"] == 6

    # The S/N bins share out the held-out galaxies.
    assert sum(stats["n"] for stats in results["held-out S/N"].values()) == 6


def test_an_unknown_flavor_is_named(tiny_repository: tuple[Path, list[Manifest]]) -> None:
    models_dir, _ = tiny_repository
    with pytest.raises(ValueError, match="has no flavor res128-99"):
        fit_check(models_dir, ["res128-99"], TRAINED, HELD_OUT, count=2, processes=1)


def test_the_command_prints_the_table(tiny_repository: tuple[Path, list[Manifest]],
                                      capsys: pytest.CaptureFixture[str]) -> None:
    models_dir, manifests = tiny_repository
    main(["--quick", "--models", str(models_dir), "--trained", "train", "--held-out", "test",
          "--count", "4", "--processes", "1"])
    out = capsys.readouterr().out
    assert "4 galaxies of train (trained on) and of test (held out)" in out
    assert f"| trained on | {manifests[0].name} | 4 |" in out
    assert "| held out | median | 4 |" in out
