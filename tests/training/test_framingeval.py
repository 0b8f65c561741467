"""The synthetic framing evaluation: test galaxies moved off centre in a wide field, measured
with frame=as-is and frame=auto through the service's own upload path."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from inference.manifest import Manifest
from training.__main__ import main
from training.dataset import load
from training.framingeval import FIELD_FACTOR, OFFSETS, off_centre


def test_off_centre_moves_the_image_into_a_matching_sky() -> None:
    rng = np.random.default_rng(1)
    image = np.full((128, 128, 3), 30, np.uint8)
    image[54:74, 54:74] = 250  # a bright square in the middle of the image
    field = off_centre(image, rng)
    assert field.shape == (384, 384, 3) and field.dtype == np.uint8
    rows, cols = np.nonzero(field[:, :, 0] == 250)
    cy, cx = rows.mean(), cols.mean()
    offset = np.hypot(cx - 191.5, cy - 191.5) / 384
    assert OFFSETS[0] - 0.01 <= offset <= OFFSETS[1] + 0.01
    sky = np.concatenate([field[:20, :20].ravel(), field[-20:, -20:].ravel()])
    assert abs(float(np.median(sky)) - 30) <= 1
    again = off_centre(image, np.random.default_rng(1))
    np.testing.assert_array_equal(field, again)


def test_the_command_writes_both_sets_and_scores_both_framings(
    tmp_path: Path, tiny_repository: tuple[Path, list[Manifest]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    models_dir, _ = tiny_repository
    datasets, output = tmp_path / "datasets", tmp_path / "sets"
    main(["framing", "--quick", "--datasets", str(datasets), "--models", str(models_dir),
          "--output", str(output), "--count", "4", "--processes", "1"])
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()
            if line.startswith("{")]
    assert [(r["set"], r["frame"]) for r in rows] == [
        ("centred", "as-is"), ("centred", "auto"), ("off-centre", "as-is"), ("off-centre", "auto")]
    assert all(r["images"] == 4 and np.isfinite(r["rms_0_90"]) for r in rows)
    assert all(0 <= r["reframed"] <= 4 for r in rows)
    assert [r["reframed"] for r in rows if r["frame"] == "as-is"] == [0, 0]
    assert rows[3]["reframed"] >= 1  # a galaxy moved a sixth of the field off centre or more
    labels = load(datasets / "quick" / "test")["labels"][:4]
    for kind in ("centred", "off-centre"):
        with (output / kind / "index.csv").open() as handle:
            written = [float(r["incl"]) for r in csv.DictReader(handle)]
        assert written == pytest.approx(labels.tolist(), abs=1e-3)
    with Image.open(output / "off-centre" / "galaxy-0000.png") as wide:
        assert wide.size == (FIELD_FACTOR * 128, FIELD_FACTOR * 128)
    with Image.open(output / "centred" / "galaxy-0000.png") as centred:
        assert centred.size == (128, 128)
