"""Assemble the real non-disk evaluation set: photographs of ellipticals, globular clusters,
nebulae and dwarf irregulars from Debian's stellarium-data, listed in
``training/realsets/negatives.csv``. For evaluation only: never to train, never to choose a
threshold.

usage: python -m training.realneg OUTDIR [--pkg DIR]

``--pkg``: a folder where stellarium-data is (or will be) unpacked, e.g. the real development
set's ``_pkg`` (``/work/shared/realdev/build.py`` unpacks it there); without it the package is
downloaded with ``apt-get download`` into OUTDIR/_pkg. Writes OUTDIR/<name>.png (transparent
sky flattened onto black, as the development set's build does) and OUTDIR/index.csv with the
columns path,name,kind,headline.
"""

import argparse
import csv
import glob
import os
import subprocess
from pathlib import Path

from PIL import Image

SUBTREE = "usr/share/stellarium/nebulae/default"
LIST = Path(__file__).resolve().parent / "realsets" / "negatives.csv"


def unpack(pkg_dir: Path) -> Path:
    root = pkg_dir / SUBTREE
    if root.is_dir():
        return root
    pkg_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run("apt-get download stellarium-data >/dev/null 2>&1 || "
                   "(apt-get update >/dev/null && apt-get download stellarium-data >/dev/null)",
                   shell=True, cwd=pkg_dir, check=True)
    deb = sorted(glob.glob(str(pkg_dir / "stellarium-data_*.deb")))[-1]
    subprocess.run(f"dpkg-deb --fsys-tarfile '{deb}' | tar -x -C '{pkg_dir}' './{SUBTREE}'",
                   shell=True, check=True)
    os.remove(deb)
    return root


def entries() -> list[dict[str, str]]:
    with LIST.open() as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def build(out: Path, pkg: Path | None = None) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    root = unpack(pkg if pkg is not None else out / "_pkg")
    rows = []
    for entry in entries():
        image = Image.open(root / entry["file"]).convert("RGBA")
        flat = Image.new("RGBA", image.size, (0, 0, 0, 255))
        flat.alpha_composite(image)
        target = out / f"{entry['name']}.png"
        flat.convert("RGB").save(target)
        rows.append({"path": str(target), "name": entry["name"], "kind": entry["kind"],
                     "headline": entry["headline"]})
    index = out / "index.csv"
    with index.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["path", "name", "kind", "headline"])
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} images in {out}")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m training.realneg", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--pkg", type=Path, default=None)
    args = parser.parse_args()
    build(args.out, args.pkg)


if __name__ == "__main__":
    main()
