"""Assemble the real non-disk evaluation set: photographs of ellipticals, globular clusters,
nebulae and dwarf irregulars from Debian's stellarium-data, listed in
``training/realsets/negatives.csv``. For evaluation only: never to train, never to choose a
threshold.

usage: python -m training.realneg OUTDIR [--pkg DIR] [--wide [--exclude INDEX ...] | --unlisted]

``--pkg``: a folder where stellarium-data is (or will be) unpacked, e.g. the real development
set's ``_pkg`` (``/work/shared/realdev/build.py`` unpacks it there); without it the package is
downloaded with ``apt-get download`` into OUTDIR/_pkg. Writes OUTDIR/<name>.png (transparent
sky flattened onto black, as the development set's build does) and OUTDIR/index.csv with the
columns path,name,kind,headline.

``--wide``: instead of the list, every texture of the package whose catalogue name OpenNGC
(``pyongc``) knows, kind by OpenNGC's type alone (:func:`wide_kind`): ellipticals (Hubble type
E, not E-S0), dwarf irregulars (I...), spirals (S..., not S0 or S?), globular clusters,
planetary nebulae and nebulae (H II regions, emission, reflection, supernova remnants, clusters
with nebulosity); everything else (open clusters, pairs, lenticulars, unknown) is left out, and
so is every name in the list above and in each ``--exclude`` index (the development set). A
selection by rule, fixed before any of its images is scored or looked at, so that the figures on
it are blind. Columns path,name,kind,hubble,headline (0). Also OUTDIR/wide-spirals/index.csv
(path,name,incl,hubble), a set for ``python -m training evaluate --real OUTDIR/wide-spirals``: the
spirals whose OpenNGC entry has both axes, incl from that isophotal axis ratio with q0 = 0.2
(:func:`axial_ratio_inclination`) — a catalogue reference, rougher than the development set's
labels —, and OUTDIR/wide-literature/index.csv (path,name,incl,hubble,method,reference): those of
the spirals that ``training/realsets/inclinations.csv`` has a published inclination for
(:func:`literature_spirals`, :mod:`training.references`: kinematic first, see ``method``).

``--unlisted``: the non-disks among the textures named in catalogues OpenNGC does not cover, kind
by catalogue (:data:`UNLISTED`): Sharpless H II regions, RCW and LBN emission nebulae, named
nebulae and supernova remnants, planetary nebulae of Abell's catalogue and two named ones,
Barnard and LDN dark nebulae, and five Local Group dwarfs catalogued as UGC galaxies (the
Pegasus dwarf irregular, four dwarf spheroidals). Left out: galaxy clusters, the Magellanic
Clouds' tiles, interacting UGC pairs, anything not named below, and every file of the list
above. A selection by rule, fixed before any of its images was scored or looked at: the first
blind non-disks since the wide set was looked at. Columns as for ``--wide`` (hubble empty).
"""

import argparse
import csv
import os
import re
import shlex
import subprocess
from pathlib import Path

from PIL import Image

from training.openngc import axes_inclination, find
from training.realeval import write_index
from training.references import TABLE, galaxy_key, load, relabel

SUBTREE = "usr/share/stellarium/nebulae/default"
LIST = Path(__file__).resolve().parent / "realsets" / "negatives.csv"


def unpack(pkg_dir: Path) -> Path:
    root = pkg_dir / SUBTREE
    if root.is_dir():
        return root
    pkg_dir.mkdir(parents=True, exist_ok=True)
    deb = fetch_debian("stellarium-data", pkg_dir)
    subprocess.run(f"dpkg-deb --fsys-tarfile '{deb}' | tar -x -C '{pkg_dir}' './{SUBTREE}'",
                   shell=True, check=True)
    os.remove(deb)
    return root


def fetch_debian(package: str, pkg_dir: Path) -> Path:
    """A Debian package's .deb in ``pkg_dir`` (``apt-get download``, after an ``apt-get update``
    when the lists are stale); one already there is reused."""
    if not sorted(pkg_dir.glob(f"{package}_*.deb")):
        name = shlex.quote(package)
        subprocess.run(f"apt-get download {name} >/dev/null 2>&1 || "
                       f"(apt-get update >/dev/null && apt-get download {name} >/dev/null)",
                       shell=True, cwd=pkg_dir, check=True)
    return sorted(pkg_dir.glob(f"{package}_*.deb"))[-1]


def entries() -> list[dict[str, str]]:
    with LIST.open() as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


NEBULAE = {"HII Ionized region", "Nebula", "Reflection Nebula", "Supernova remnant",
           "Star cluster + Nebula"}
PREFIXES = {"m": "M", "n": "NGC", "ic": "IC", "p": "PGC "}
SPIRALS = "wide-spirals"  # OUTDIR/wide-spirals/index.csv: a set for `training evaluate --real`
LITERATURE = "wide-literature"  # the same spirals with published inclinations


def catalogue_name(file: str) -> str | None:
    """``n4697-dss.png`` → ``NGC4697``, ``p143.png`` → ``PGC 143``; None for other names."""
    match = re.match(r"^(m|n|ic|p)(\d+)(?![\d])", file)
    return None if match is None else PREFIXES[match.group(1)] + match.group(2)


def wide_kind(object_type: str, hubble: str) -> str | None:
    """The evaluation kind of an OpenNGC object, or None when it is left out."""
    if object_type == "Galaxy":
        if hubble.startswith("E") and not hubble.startswith("E-S0"):
            return "elliptical"
        if hubble.startswith("I"):
            return "dwarf_irregular"
        if hubble.startswith("S") and not hubble.startswith("S0") and hubble != "S?":
            return "spiral"
        return None
    if object_type == "Globular Cluster":
        return "globular"
    if object_type == "Planetary Nebula":
        return "planetary"
    return "nebula" if object_type in NEBULAE else None


def wide_entries(root: Path, exclude: set[str],
                 exclude_files: frozenset[str] | set[str] = frozenset()
                 ) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen = {name.replace(" ", "").upper() for name in exclude}
    for file in sorted(os.listdir(root)):
        name = catalogue_name(file) if file.endswith(".png") else None
        if name is None or file in exclude_files:
            continue
        key = name.replace(" ", "").upper()
        if key in seen:
            continue
        found = find(name)
        if found is None:
            continue
        hubble = str(getattr(found, "hubble", "") or "")
        kind = wide_kind(str(found.type), hubble)
        if kind is None:
            continue
        seen.add(key)
        major, minor = (found.dimensions or (None, None, None))[:2]
        rows.append({"file": file, "name": name.replace(" ", ""), "kind": kind,
                     "hubble": hubble, "headline": "0",
                     "incl": axial_ratio_inclination(major, minor) if kind == "spiral" else ""})
    return rows


# Catalogue prefix (or exact file stem) → kind, for the textures OpenNGC does not name.
UNLISTED: tuple[tuple[str, str], ...] = (
    (r"^sh2-", "nebula"),  # Sharpless: H II regions
    (r"^rcw\d", "nebula"),  # RCW: H-alpha emission regions
    (r"^lbn\d", "nebula"),  # Lynds bright nebulae
    (r"^vdb\d", "nebula"),  # van den Bergh reflection nebulae
    (r"^rho-", "nebula"),  # the rho Ophiuchi cloud complex
    (r"^(GammaCygni|etaCarinae|velasnr|cassiopeia_a|barnard_loop|red_rectangle|calabash)",
     "nebula"),
    (r"^abell\d", "planetary"),  # Abell's (1966) catalogue of planetary nebulae
    (r"^(Medusa|Jones-Emberson1)", "planetary"),  # Abell 21; Jones-Emberson 1
    (r"^barnard\d", "dark_nebula"),
    (r"^(ldn\d|darkshark)", "dark_nebula"),  # Lynds dark nebulae (LDN 1235)
    (r"^u12613\.", "dwarf_irregular"),  # the Pegasus dwarf irregular (DDO 216)
    (r"^(u10822|u9749|u5470|u6253)\.", "dwarf_spheroidal"),  # Draco, Ursa Minor, Leo I, Leo II
)


def unlisted_kind(file: str) -> str | None:
    """The kind of a texture named in a catalogue OpenNGC does not cover; None to leave out."""
    for pattern, kind in UNLISTED:
        if re.match(pattern, file):
            return kind
    return None


def unlisted_entries(root: Path, exclude_files: frozenset[str] | set[str] = frozenset()
                     ) -> list[dict[str, str]]:
    rows = []
    for file in sorted(os.listdir(root)):
        kind = unlisted_kind(file) if file.endswith(".png") else None
        if kind is None or file in exclude_files or catalogue_name(file) is not None:
            continue
        rows.append({"file": file, "name": file.removesuffix(".png"), "kind": kind,
                     "hubble": "", "headline": "0"})
    return rows


def axial_ratio_inclination(major: float | None, minor: float | None, q0: float = 0.2) -> str:
    """The inclination (degrees, one decimal) of the catalogue's isophotal axis ratio in the
    service's convention, cos²i = (q² - q0²)/(1 - q0²); empty without both axes."""
    if not major or not minor:
        return ""
    return f"{axes_inclination(float(major), float(minor), q0):.1f}"


def literature_spirals(spirals: list[dict[str, str]], excluded: set[str],
                       table_path: Path = TABLE) -> list[dict[str, str]]:
    """The wide set's spirals that :mod:`training.references` has a published inclination for,
    as index rows (path,name,incl,hubble,method,reference). Left out: a galaxy among ``excluded``
    (keys of the development set's galaxies: NGC5906's texture is NGC 5907), and a second texture
    of a galaxy already listed (M102 is M101 to OpenNGC)."""
    rows = [{"path": s["path"], "name": s["name"], "incl": "", "hubble": s["hubble"]}
            for s in spirals]
    return relabel(rows, excluded, load(table_path))


def build(out: Path, pkg: Path | None = None, wide: bool = False,
          exclude: tuple[Path, ...] = (), unlisted: bool = False) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    root = unpack(pkg if pkg is not None else out / "_pkg")
    rows = []
    listed = entries()
    if wide:
        names = {entry["name"] for entry in listed}
        for index in exclude:
            with index.open() as handle:
                names |= {row["name"] for row in csv.DictReader(handle)}
        listed = wide_entries(root, names, {entry["file"] for entry in listed})
    elif unlisted:
        listed = unlisted_entries(root, {entry["file"] for entry in listed})
    for entry in listed:
        image = Image.open(root / entry["file"]).convert("RGBA")
        flat = Image.new("RGBA", image.size, (0, 0, 0, 255))
        flat.alpha_composite(image)
        target = out / f"{entry['name']}.png"
        flat.convert("RGB").save(target)
        rows.append({"path": str(target), "name": entry["name"], "kind": entry["kind"],
                     "headline": entry["headline"], "hubble": entry.get("hubble", "")})
    index = write_index(out, rows, ("path", "name", "kind", "headline", "hubble"))
    if wide:  # the spirals with a catalogue inclination, for `python -m training evaluate --real`
        spirals = [{"path": r["path"], "name": r["name"], "incl": e["incl"],
                    "hubble": r["hubble"]}
                   for r, e in zip(rows, listed, strict=True) if e.get("incl")]
        write_index(out / SPIRALS, spirals, ("path", "name", "incl", "hubble"))
        print(f"{len(spirals)} spirals with an OpenNGC axis ratio in {out / SPIRALS}")
        published = literature_spirals(
            [r for r in rows if r["kind"] == "spiral"], {galaxy_key(name) for name in names})
        write_index(out / LITERATURE, published,
                    ("path", "name", "incl", "hubble", "method", "reference"))
        print(f"{len(published)} spirals with a published inclination in {out / LITERATURE}")
    print(f"{len(rows)} images in {out}")
    return index


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m training.realneg", description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--pkg", type=Path, default=None)
    parser.add_argument("--wide", action="store_true",
                        help="every texture OpenNGC can type, by rule (see above)")
    parser.add_argument("--exclude", type=Path, action="append", default=[], metavar="INDEX",
                        help="an index.csv whose names are left out (with --wide)")
    parser.add_argument("--unlisted", action="store_true",
                        help="the non-disks named in catalogues OpenNGC does not cover (above)")
    args = parser.parse_args()
    if args.wide and args.unlisted:
        parser.error("--wide and --unlisted are two different sets: give one")
    build(args.out, args.pkg, args.wide, tuple(args.exclude), args.unlisted)


if __name__ == "__main__":
    main()
