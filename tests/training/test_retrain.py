"""Retraining on labelled images from a CSV, from scratch and fine-tuning a flavor."""

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest

from inference.manifest import Manifest
from tests.training.test_export import check_flavor
from training.ellipses import ellipse_image
from training.retrain import retrain


def write_labelled(folder: Path, count: int) -> Path:
    rng = np.random.default_rng(8)
    folder.mkdir()
    csv_path = folder / "labels.csv"
    with csv_path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["image", "inclination"])
        for index in range(count):
            inclination = float(rng.uniform(0, 90))
            name = f"galaxy-{index}.{'png' if index % 2 else 'jpg'}"
            ellipse_image(inclination, rng, side=int(rng.integers(60, 200))).save(folder / name)
            writer.writerow([name, f"{inclination:.2f}"])
    return csv_path


def test_retrain_from_scratch_and_fine_tune(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]]
) -> None:
    csv_path = write_labelled(tmp_path / "real", 24)
    models = tmp_path / "models"
    manifest = retrain(csv_path, tmp_path / "real", "real-0", models, tmp_path / "runs",
                       architecture="tiny", epochs=1)
    assert manifest.training.images == 20
    assert "real labelled images" in manifest.training.data
    check_flavor(models, manifest)

    source, _ = tiny_repository
    shutil.copytree(source / "tiny-a", models / "tiny-a")
    tuned = retrain(csv_path, tmp_path / "real", "real-1", models, tmp_path / "runs",
                    base="tiny-a", epochs=1)
    assert tuned.architecture == "tiny"
    assert tuned.output == load_output(models, "tiny-a")
    assert "fine-tuned from tiny-a" in tuned.training.data
    check_flavor(models, tuned)
    assert {"real-0", "real-1", "tiny-a"} <= set((models / "models.config").read_text().split('"'))


def load_output(models: Path, name: str) -> object:
    from inference.manifest import load_manifest

    return load_manifest(models / name).output


def test_retrain_rejects_bad_input(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "labels.csv").write_text("image,inclination\nx.png,95\n")
    with pytest.raises(ValueError, match="not in 0-90"):
        retrain(folder / "labels.csv", folder, "bad", tmp_path / "m", tmp_path / "r")
    with pytest.raises(ValueError, match="flavor name"):
        retrain(folder / "labels.csv", folder, "Bad_Name", tmp_path / "m", tmp_path / "r")
