"""Retraining on labelled images from a CSV, from scratch and fine-tuning a flavor."""

import csv
import shutil
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from inference.manifest import Manifest
from tests.training.test_export import check_flavor
from training.ellipses import ellipse_image
from training.retrain import mixed, read_labelled, replay_set, retrain


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


def galaxy_fits(path: Path, inclination: float, seed: int) -> None:
    """A single-band FITS stamp of a synthetic ellipse (what a COSMOS index lists)."""
    from astropy.io import fits

    rng = np.random.default_rng(seed)
    pixels = np.asarray(ellipse_image(inclination, rng, side=64).convert("L"), np.float32)
    fits.PrimaryHDU(pixels / 255.0 + rng.normal(0, 0.01, pixels.shape).astype(np.float32)
                    ).writeto(path)


def write_index(folder: Path, count: int) -> Path:
    """An ``evaluate --real`` index (path,name,incl) with a face_on row and a FITS image."""
    rng = np.random.default_rng(9)
    folder.mkdir()
    lines = ["path,name,incl,hubble"]
    for index in range(count):
        inclination = float(rng.uniform(0, 90))
        if index == 0:
            galaxy_fits(folder / "g0.fits", inclination, 0)
            lines.append(f"g0.fits,G0,{inclination:.1f},Sb")
        else:
            ellipse_image(inclination, rng, side=80).save(folder / f"g{index}.png")
            lines.append(f"g{index}.png,G{index},{inclination:.1f},Sc")
    ellipse_image(10.0, rng, side=80).save(folder / "round.png")
    lines.append("round.png,ROUND,face_on,Sc")
    (folder / "index.csv").write_text("\n".join(lines) + "\n")
    return folder / "index.csv"


def test_read_labelled_takes_an_evaluate_index_with_fits_and_skips_face_on(tmp_path: Path) -> None:
    index = write_index(tmp_path / "real", 5)
    images, labels = read_labelled(index, None, "rgb")
    assert images.shape == (5, 128, 128, 3) and images.dtype == np.uint8
    assert len(labels) == 5 and np.all((labels >= 0) & (labels <= 90))
    assert images[0].max() > 0  # the FITS stamp went through the service's FITS stretch
    gray, _ = read_labelled(index, None, "gray")
    assert gray.shape == (5, 128, 128, 1)


def test_read_labelled_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    ellipse_image(40.0, np.random.default_rng(0), side=64).save(folder / "a.png")
    (folder / "cols.csv").write_text("file,angle\na.png,40\n")
    with pytest.raises(ValueError, match="missing columns"):
        read_labelled(folder / "cols.csv", None, "rgb")
    (folder / "word.csv").write_text("path,incl\na.png,steep\n")
    with pytest.raises(ValueError, match=r"word\.csv:2: inclination 'steep' is not a number"):
        read_labelled(folder / "word.csv", None, "rgb")


def test_mixed_repeats_the_labelled_images_to_their_share() -> None:
    real = (np.ones((10, 4, 4, 3), np.uint8), np.full(10, 70.0, np.float32))
    replay = (np.zeros((160, 4, 4, 3), np.uint8), np.full(160, 30.0, np.float32))
    images, labels, repeats = mixed(real, replay, 0.2)
    assert repeats == 4  # 40 of 200: a fifth of the epoch
    assert len(images) == len(labels) == 200 and int((labels == 70.0).sum()) == 40
    assert images[labels == 70.0].min() == 1 and images[labels == 30.0].max() == 0
    assert mixed(real, None, 0.2)[2] == 1
    with pytest.raises(ValueError, match="real_share"):
        mixed(real, replay, 1.0)
    with pytest.raises(ValueError, match="do not match"):
        mixed(real, (np.zeros((4, 4, 4, 1), np.uint8), np.zeros(4, np.float32)), 0.2)


def test_replay_set_draws_the_training_mix_in_its_shares(tmp_path: Path) -> None:
    from training.recipe import QUICK_DATASETS

    images, labels = replay_set(tmp_path / "data", QUICK_DATASETS, 40, processes=1)
    assert images.shape == (40, 128, 128, 3) and images.dtype == np.uint8
    assert labels.shape == (40,) and np.all((labels >= 0) & (labels <= 90))
    # 128 : 16 : 16 of the quick mix -> 32 + 4 + 4
    drawn = replay_set(tmp_path / "data", QUICK_DATASETS, 40, processes=1)
    assert np.array_equal(drawn[1], labels)  # seeded: the same draw again
    start = 0
    for name, share in (("train", 32), ("train-early", 4), ("train-bulge-edge-on", 4)):
        assert np.isin(labels[start:start + share], load_labels(tmp_path / "data" / name)).all()
        start += share
    with pytest.raises(ValueError, match="replay: 1000 images asked"):
        replay_set(tmp_path / "data", QUICK_DATASETS, 1000)


def load_labels(directory: Path) -> npt.NDArray[np.generic]:
    from training.dataset import load

    return load(directory)["labels"]


def test_fine_tune_with_replay_from_two_indexes(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]]
) -> None:
    first = write_index(tmp_path / "one", 6)
    second_folder = tmp_path / "two"
    second = write_labelled(second_folder, 6)
    source, _ = tiny_repository
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(source / "tiny-a", models / "tiny-a")
    tuned = retrain([first, second], None, "real-2", models, tmp_path / "runs", base="tiny-a",
                    epochs=1, replay=lambda: random_replay(48, 3), real_share=0.25,
                    learning_rate=1e-4)
    assert tuned.training.images == 48 + 10 * 2  # 12 labelled, 2 held out, each twice
    assert "each repeated 2x into 48 synthetic training images" in tuned.training.data
    assert "fine-tuned from tiny-a" in tuned.training.data
    assert tuned.training.model_dump()["learning_rate"] == 1e-4
    assert "one/index.csv + two/labels.csv" in tuned.training.data
    check_flavor(models, tuned)


def random_replay(count: int, channels: int) -> tuple[npt.NDArray[np.uint8],
                                                      npt.NDArray[np.float32]]:
    rng = np.random.default_rng(1)
    return (rng.integers(0, 255, (count, 128, 128, channels), dtype=np.uint8),
            rng.uniform(0, 90, count).astype(np.float32))


def test_a_gray_flavor_fine_tunes_on_rgb_replay_made_gray(tmp_path: Path) -> None:
    from training.quick import make_tiny_repository

    models = tmp_path / "models"
    make_tiny_repository(models, ("tiny-g",), "gray", 3)
    index = write_index(tmp_path / "real", 5)
    tuned = retrain(index, None, "real-g", models, tmp_path / "runs", base="tiny-g", epochs=1,
                    replay=lambda: random_replay(16, 3))
    assert tuned.color_modes == ["gray"] and tuned.input.shape[-1] == 1
    assert tuned.training.images == 16 + 4
    check_flavor(models, tuned)


def test_mixed_makes_rgb_replay_gray_for_gray_images() -> None:
    real = (np.ones((2, 4, 4, 1), np.uint8), np.full(2, 70.0, np.float32))
    colour = np.zeros((8, 4, 4, 3), np.uint8)
    colour[..., 0] = 100  # pure red: ITU-R 601 luma 29.9
    images, _, _ = mixed(real, (colour, np.zeros(8, np.float32)), 0.2)
    assert images.shape == (10, 4, 4, 1) and int(images[0, 0, 0, 0]) == 30


def test_retrain_needs_numbers_and_something_to_train_on(tmp_path: Path) -> None:
    folder = tmp_path / "face-on"
    folder.mkdir()
    for index in range(3):
        ellipse_image(10.0, np.random.default_rng(index), side=64).save(folder / f"f{index}.png")
    (folder / "index.csv").write_text(
        "path,name,incl\n" + "".join(f"f{i}.png,F{i},face_on\n" for i in range(3)))
    with pytest.raises(ValueError, match="need at least 2 labelled images, found 0"):
        retrain(folder / "index.csv", None, "none", tmp_path / "m", tmp_path / "r")
    with pytest.raises(ValueError, match=r"validation_fraction 1\.0"):
        retrain(folder / "index.csv", None, "none", tmp_path / "m", tmp_path / "r",
                validation_fraction=1.0)
    with pytest.raises(ValueError, match=r"real_share 0\.0"):
        retrain(folder / "index.csv", None, "none", tmp_path / "m", tmp_path / "r",
                replay=lambda: random_replay(4, 3), real_share=0.0)
    (folder / "missing.csv").write_text("path,incl\nnot-there.png,40\n")
    with pytest.raises(ValueError, match=r"missing\.csv:2: not-there\.png"):
        read_labelled(folder / "missing.csv", None, "rgb")


def test_two_images_train_on_one_whatever_the_validation_fraction(tmp_path: Path) -> None:
    csv_path = write_labelled(tmp_path / "two", 2)
    manifest = retrain(csv_path, None, "two", tmp_path / "models", tmp_path / "runs",
                       architecture="tiny", epochs=1, validation_fraction=0.9)
    assert manifest.training.images == 1


def test_the_command_fine_tunes_with_replay_from_the_quick_recipe(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]], capsys: pytest.CaptureFixture[str]
) -> None:
    from training.__main__ import main

    index = write_index(tmp_path / "real", 6)
    source, _ = tiny_repository
    models = tmp_path / "models"
    models.mkdir()
    shutil.copytree(source / "tiny-a", models / "tiny-a")
    main(["retrain", "--csv", str(index), "--name", "real-3", "--base", "tiny-a", "--epochs", "1",
          "--replay", "20", "--real-share", "0.2", "--quick", "--datasets", str(tmp_path / "data"),
          "--processes", "1", "--models", str(models), "--runs", str(tmp_path / "runs")])
    printed = capsys.readouterr().out
    assert '"name": "real-3"' in printed
    assert "repeated 1x into 20 synthetic training images" in printed
    assert (tmp_path / "data" / "quick" / "train-bulge-edge-on").is_dir()
    from inference.manifest import load_manifest

    assert load_manifest(models / "real-3").training.images == 20 + 5  # 6 labelled, 1 held out
