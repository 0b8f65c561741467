"""How uploads' framing (``/api/file?frame=``) changes the answers, measured on synthetic
galaxies whose inclination is known: the held-out test set as rendered (framed as the flavors
were trained) and the same galaxies moved off centre in a field three times as wide, as a
galaxy sits in the corner of a wide photograph. Each set is measured as the service measures an
upload, with ``frame=as-is`` and with ``frame=auto`` (:mod:`preprocessor.framing`).

The wide field: the rendered 128x128 image pasted into a 384x384 sky whose level and noise are
those of the image's own border (per channel), its centre moved from the middle by 15-33% of
the field in a random direction (beyond the 12% off-centre framings the flavors were trained
on). Deterministic in ``seed``.
"""

import io
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from preprocessor.framing import choose
from training.dataset import load
from training.realeval import predict_in_process, read_index, real_statistics, write_index

FIELD_FACTOR = 3
OFFSETS = (0.15, 0.33)


def off_centre(image: npt.NDArray[np.uint8], rng: np.random.Generator,
               factor: int = FIELD_FACTOR) -> npt.NDArray[np.uint8]:
    """``image`` (H, W, C) pasted off centre into a field ``factor`` times as wide, filled with
    sky noise matched to the image's border."""
    height, width, channels = image.shape
    ring = np.concatenate([image[0], image[-1], image[:, 0], image[:, -1]]).astype(np.float64)
    level, noise = np.median(ring, axis=0), ring.std(axis=0)
    side = factor * max(height, width)
    field = rng.normal(level, noise, (side, side, channels))
    # the direction at random, the distance from OFFSETS, kept inside the field
    reach = (side - max(height, width)) / 2
    angle = rng.uniform(0, 2 * np.pi)
    distance = min(rng.uniform(*OFFSETS) * side, reach / max(abs(np.cos(angle)),
                                                              abs(np.sin(angle))))
    cx = side / 2 + distance * np.cos(angle)
    cy = side / 2 + distance * np.sin(angle)
    left, top = round(cx - width / 2), round(cy - height / 2)
    field[top:top + height, left:left + width] = image
    return np.asarray(np.clip(np.round(field), 0, 255), dtype=np.uint8)


def write_sets(test_dir: Path, output: Path, count: int, seed: int = 0) -> dict[str, Path]:
    """The first ``count`` test galaxies as PNG files, as rendered (``centred``) and moved off
    centre in a wide field (``off-centre``), each folder with the ``index.csv`` that
    ``training evaluate --real`` reads."""
    data = load(test_dir)
    images, labels = data["images"][:count], data["labels"][:count]
    rng = np.random.default_rng(seed)
    sets = {"centred": output / "centred", "off-centre": output / "off-centre"}
    for directory in sets.values():
        directory.mkdir(parents=True, exist_ok=True)
    rows = []
    for n, (image, label) in enumerate(zip(images, labels, strict=True)):
        name = f"galaxy-{n:04d}.png"
        for kind, directory in sets.items():
            array = image if kind == "centred" else off_centre(image, rng)
            buffer = io.BytesIO()
            Image.fromarray(np.asarray(array).squeeze()).save(buffer, format="PNG")
            (directory / name).write_bytes(buffer.getvalue())
        rows.append({"path": name, "name": f"test-{n}", "incl": f"{float(label):.3f}"})
    for directory in sets.values():
        write_index(directory, rows, ("path", "name", "incl"))
    return sets


def evaluate_framing(models_dir: Path, test_dir: Path, output: Path, count: int = 400,
                     seed: int = 0) -> list[dict[str, Any]]:
    """The median ensemble's figures on each set with each framing (one row each)."""
    rows = []
    for kind, directory in write_sets(test_dir, output, count, seed).items():
        images = read_index(directory)
        reframed = 0
        for image in images:
            with Image.open(image.path) as opened:
                reframed += choose(opened).applied
        for frame in ("as-is", "auto"):
            answers = predict_in_process(models_dir, images, isophote=False, frame=frame,
                                         classify=False)
            stats = real_statistics(answers.median, images, answers.sigma)
            rows.append({"set": kind, "frame": frame, "images": len(images),
                         "reframed": reframed if frame == "auto" else 0,
                         **{k: round(float(v), 2) for k, v in stats.items()
                            if k in ("rms_45_90", "bias_45_90", "rms_0_90", "bias_0_90",
                                     "coverage_68")}})
    return rows


def markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| synthetic test galaxies | frame | reframed | RMS 45-90° | bias 45-90° | "
             "RMS 0-90° | bias 0-90° | 68% coverage |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        coverage = r.get("coverage_68")
        lines.append(f"| {r['set']} ({r['images']}) | {r['frame']} | {r['reframed']} | "
                     f"{r['rms_45_90']:.2f} | "
                     f"{r['bias_45_90']:+.2f} | {r['rms_0_90']:.2f} | {r['bias_0_90']:+.2f} | "
                     f"{'' if coverage is None else f'{100 * coverage:.0f}%'} |")
    return "\n".join(lines)
