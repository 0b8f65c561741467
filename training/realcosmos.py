"""Assemble a real survey test set from the 100 HST COSMOS galaxies that GalSim 2.0.7's source
distribution ships as its example real-galaxy catalogue (ACS F814W, 0.03" a pixel, I < 23.5,
redshifts 0.05-1.3), with references from that catalogue's own profile fits. For evaluation
only: never to train, never to choose a threshold; a blind set, its rule fixed before any of its
images was scored or looked at.

usage: python -m training.realcosmos OUTDIR [--pkg DIR]

``--pkg``: the download and extraction cache (default OUTDIR/_pkg): the sdist, pinned by file
name and checked against PyPI's sha256, and the three catalogue files unpacked from it.

Each galaxy's postage stamp is written as OUTDIR/<name>.fits (float32, as an upload would send
it). The kind and the reference come from the fits catalogue alone (:func:`classify`):

- where the catalogue prefers its bulge + disk fit (``use_bulgefit``), the reference is the
  axis ratio of the exponential disk; a disk when the bulge holds under half the light
  (``fit_dvc_btt`` < 0.5), a spheroid when it holds 0.8 or more;
- otherwise the single Sersic fit's axis ratio; a disk for n <= 2, a spheroid for n >= 3.5;
- anything between is ``intermediate``.

The reference inclination follows the service's convention, cos²i = (q² - 0.2²)/(1 - 0.2²)
(:func:`inference.axial_ratio.inclination_from_q`). These are profile fits to faint, distant
galaxies, not an inclination catalogue: a reference rougher than the development set's.

Writes OUTDIR/index.csv (path,name,kind,incl,q,hlr_px,sersic_n,bulge_fraction,mag,zphot; incl
empty for all but disks) for ``python -m bench.rejection --set cosmos=OUTDIR/index.csv``, and
OUTDIR/disks/index.csv (the disks, the same columns but kind) for ``python -m training evaluate
--real OUTDIR/disks`` (``--by hlr_px=0,15,1000`` for the figures by size).
"""

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from inference.axial_ratio import inclination_from_q
from training.realeval import write_index
from training.realpackages import extract, fetch_pypi, run_builder

SDIST = "GalSim-2.0.7.tar.gz"
DATA = "GalSim-2.0.7/examples/data"
CATALOGUE = f"{DATA}/real_galaxy_catalog_23.5_example.fits"
FITS_CATALOGUE = f"{DATA}/real_galaxy_catalog_23.5_example_fits.fits"
IMAGES = f"{DATA}/real_galaxy_images.fits"
COLUMNS = ("path", "name", "kind", "incl", "q", "hlr_px", "sersic_n", "bulge_fraction", "mag",
           "zphot")
DISK_BELOW_BULGE_FRACTION = 0.5
SPHEROID_FROM_BULGE_FRACTION = 0.8
DISK_MAX_SERSIC_N = 2.0
SPHEROID_MIN_SERSIC_N = 3.5
# The fits' parameter vectors (Mandelbaum et al.'s COSMOS catalogue): sersicfit is
# [intensity, half-light radius (px), n, q, boxiness, x0, y0, phi]; bulgefit is the same eight for
# the exponential disk followed by eight for the de Vaucouleurs bulge.
HLR, SERSIC_N, AXIS_RATIO = 1, 2, 3

Kind = Literal["disk", "spheroid", "intermediate"]


@dataclass(frozen=True)
class Reference:
    kind: Kind
    q: float  # the axis ratio the reference inclination comes from
    hlr_px: float  # that component's half-light radius, pixels


def classify(use_bulgefit: bool, bulge_fraction: float, sersicfit: np.ndarray,
             bulgefit: np.ndarray) -> Reference:
    """The kind of one galaxy and the component its reference comes from (module docstring)."""
    if use_bulgefit:
        kind: Kind = ("disk" if bulge_fraction < DISK_BELOW_BULGE_FRACTION else "spheroid"
                      if bulge_fraction >= SPHEROID_FROM_BULGE_FRACTION else "intermediate")
        return Reference(kind, float(bulgefit[AXIS_RATIO]), float(bulgefit[HLR]))
    n = float(sersicfit[SERSIC_N])
    kind = ("disk" if n <= DISK_MAX_SERSIC_N else "spheroid" if n >= SPHEROID_MIN_SERSIC_N
            else "intermediate")
    return Reference(kind, float(sersicfit[AXIS_RATIO]), float(sersicfit[HLR]))


def write_set(catalogue: Path, fits_catalogue: Path, images: Path, out: Path) -> Path:
    """The unpacked catalogue files → OUTDIR/<name>.fits, OUTDIR/index.csv and
    OUTDIR/disks/index.csv (absolute paths). Returns OUTDIR/index.csv."""
    from astropy.io import fits

    with fits.open(catalogue) as cat, fits.open(fits_catalogue) as fitted, \
            fits.open(images) as stamps:
        listing, fit = cat[1].data, fitted[1].data
        if not np.array_equal(listing["IDENT"], fit["IDENT"]):
            raise ValueError(f"{catalogue} and {fits_catalogue} do not list the same galaxies "
                             "in the same order")
        out.mkdir(parents=True, exist_ok=True)
        rows = []
        for number, row in enumerate(listing):
            reference = classify(bool(fit["use_bulgefit"][number]),
                                 float(fit["fit_dvc_btt"][number]), fit["sersicfit"][number],
                                 fit["bulgefit"][number])
            name = f"COSMOS-{int(row['IDENT'])}"
            target = out / f"{name}.fits"
            hdu = fits.PrimaryHDU(np.asarray(stamps[int(row["GAL_HDU"])].data, np.float32))
            hdu.header["OBJECT"] = name
            hdu.header["RA"], hdu.header["DEC"] = float(row["RA"]), float(row["DEC"])
            hdu.header["FILTER"] = str(row["BAND"])
            hdu.header["PIXSCALE"] = (float(row["PIXEL_SCALE"]), "arcsec per pixel")
            hdu.header["COMMENT"] = f"HST COSMOS stamp from {SDIST}'s {IMAGES.split('/')[-1]}"
            hdu.writeto(target, overwrite=True)
            rows.append({
                "path": str(target.resolve()), "name": name, "kind": reference.kind,
                "incl": (f"{inclination_from_q(reference.q):.2f}" if reference.kind == "disk"
                         else ""),
                "q": f"{reference.q:.4f}", "hlr_px": f"{reference.hlr_px:.2f}",
                "sersic_n": f"{float(fit['sersicfit'][number][SERSIC_N]):.2f}",
                "bulge_fraction": f"{float(fit['fit_dvc_btt'][number]):.3f}",
                "mag": f"{float(fit['mag_auto'][number]):.2f}",
                "zphot": f"{float(fit['zphot'][number]):.3f}"})
    disk_columns = [column for column in COLUMNS if column != "kind"]
    write_index(out / "disks", [{column: row[column] for column in disk_columns}
                                for row in rows if row["kind"] == "disk"], disk_columns)
    return write_index(out, rows, COLUMNS)


def build(out: Path, pkg: Path | None = None) -> Path:
    pkg = pkg if pkg is not None else out / "_pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    tree = pkg / "tree"
    needed = [name for name in (CATALOGUE, FITS_CATALOGUE, IMAGES) if not (tree / name).is_file()]
    if needed:
        extract(fetch_pypi(SDIST, pkg), needed, tree)
    index = write_set(tree / CATALOGUE, tree / FITS_CATALOGUE, tree / IMAGES, out)
    with index.open() as handle:
        kinds = [row["kind"] for row in csv.DictReader(handle)]
    print(f"{len(kinds)} galaxies in {out}: " + ", ".join(
        f"{kinds.count(kind)} {kind}" for kind in ("disk", "spheroid", "intermediate")))
    return index


def main() -> None:
    run_builder("training.realcosmos", __doc__, build)


if __name__ == "__main__":
    main()
