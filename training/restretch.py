"""A copy of a labelled image set with every image's display stretch changed by a gamma:
``python -m training.restretch SRC OUT --gamma 0.6`` writes OUT/index.csv (the same rows, paths
to the new PNGs) for ``python -m training evaluate --real OUT``.

A value v (0-1) becomes v ** gamma: below 1 the faint parts brighten (a harder stretch, as many
photographs are), above 1 they darken. Answers that move with the stretch show what an
estimator reads in the faint light round a galaxy: on synthetic galaxies the shipped flavors
barely move, on real photographs they do — what gave the development set's textures away was a
glow of sky pasted round each galaxy (README, "A glow of sky"). Raster images only (FITS
uploads have no display stretch to change)."""

import argparse
import csv
from collections.abc import Sequence
from pathlib import Path

from PIL import Image

from preprocessor.decoding import decode_image
from preprocessor.imaging import convert_mode
from servicekit.problems import Problem
from training.realeval import write_index


def restretch(image: Image.Image, gamma: float) -> Image.Image:
    """``image`` as the preprocessor converts it (8-bit gray for a gray image, else RGB; alpha
    composited on black) with each value v (0-1) made v ** gamma."""
    if gamma <= 0:
        raise ValueError(f"gamma must be positive, not {gamma}")
    gray = image.mode in ("1", "L", "LA", "I", "F", "I;16", "I;16B", "I;16L", "I;16N")
    converted = convert_mode(image, "gray" if gray else "rgb")
    table = [round(255.0 * (level / 255.0) ** gamma) for level in range(256)]
    return converted.point(table * (1 if gray else 3))


def read_upload(path: Path) -> Image.Image:
    """The raster image the service would decode from this file (EXIF orientation applied);
    ValueError, naming the file, for FITS (no display stretch to change) or anything the
    service cannot read."""
    try:
        decoded = decode_image(path.read_bytes())
    except Problem as error:  # the 4xx problems the service answers such a file with
        raise ValueError(f"{path}: not an image the service reads ({error.detail})") from error
    if decoded.format == "FITS":
        raise ValueError(f"{path}: FITS has no display stretch to change")
    return decoded.image


def restretch_set(source: Path, output: Path, gamma: float) -> Path:
    """Write OUT/<name>.png for every row of SOURCE/index.csv and OUT/index.csv with the same
    columns, the paths replaced; returns the new index."""
    with (source / "index.csv").open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    if not rows or "path" not in fields:
        raise ValueError(f"{source}/index.csv lists no images")
    output.mkdir(parents=True, exist_ok=True)
    written: list[dict[str, str]] = []
    for number, row in enumerate(rows):
        path = Path(row["path"])
        path = path if path.is_absolute() else source / path
        target = output / f"{number:04d}-{path.stem}.png"
        restretch(read_upload(path), gamma).save(target)
        written.append({**row, "path": target.name})  # beside the index, as read_index reads it
    return write_index(output, written, fields)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m training.restretch", description=__doc__)
    parser.add_argument("source", type=Path, help="a set with index.csv (path,name,incl,...)")
    parser.add_argument("output", type=Path)
    parser.add_argument("--gamma", type=float, required=True,
                        help="each value v (0-1) becomes v ** gamma")
    args = parser.parse_args(argv)
    print(restretch_set(args.source, args.output, args.gamma))


if __name__ == "__main__":
    main()
