"""The COSMOS set (training.realcosmos): the kind and reference of a galaxy from its profile fits,
and the set written from catalogue files laid out as GalSim's, all offline."""

import csv
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from inference.axial_ratio import inclination_from_q
from preprocessor.decoding import decode_image
from training.realcosmos import build, classify, write_set
from training.realpackages import run_builder


def fit_vector(hlr: float, n: float, q: float) -> np.ndarray:
    return np.array([0.05, hlr, n, q, 0.0, 40.0, 30.0, 0.3])


def bulge_disk(disk_q: float, bulge_q: float = 0.9) -> np.ndarray:
    return np.concatenate([fit_vector(20.0, 1.0, disk_q), fit_vector(6.0, 4.0, bulge_q)])


def test_the_bulge_disk_fit_decides_by_its_bulge_fraction_and_refers_to_the_disk() -> None:
    sersic = fit_vector(12.0, 3.0, 0.7)
    assert classify(True, 0.2, sersic, bulge_disk(0.35)).kind == "disk"
    reference = classify(True, 0.49, sersic, bulge_disk(0.35))
    assert (reference.kind, reference.q, reference.hlr_px) == ("disk", 0.35, 20.0)
    assert classify(True, 0.5, sersic, bulge_disk(0.35)).kind == "intermediate"
    assert classify(True, 0.8, sersic, bulge_disk(0.35)).kind == "spheroid"


def test_the_sersic_fit_decides_by_its_index_when_the_catalogue_prefers_it() -> None:
    disk = classify(False, 0.9, fit_vector(15.0, 2.0, 0.3), bulge_disk(0.8))
    assert (disk.kind, disk.q, disk.hlr_px) == ("disk", 0.3, 15.0)
    assert classify(False, 0.0, fit_vector(15.0, 2.5, 0.3), bulge_disk(0.8)).kind == "intermediate"
    assert classify(False, 0.0, fit_vector(15.0, 3.5, 0.9), bulge_disk(0.8)).kind == "spheroid"


def catalogue_files(directory: Path, ident_order: tuple[int, ...] = (11, 12, 13)
                    ) -> tuple[Path, Path, Path]:
    """Three galaxies as GalSim's example catalogue lays them out: a listing, the fits, and one
    image HDU per galaxy (a disk, a spheroid, an intermediate)."""
    directory.mkdir(parents=True, exist_ok=True)
    idents = np.array([11, 12, 13])
    listing = fits.BinTableHDU.from_columns([
        fits.Column("IDENT", "J", array=np.array(ident_order)),
        fits.Column("RA", "D", array=[150.1, 150.2, 150.3]),
        fits.Column("DEC", "D", array=[2.1, 2.2, 2.3]),
        fits.Column("BAND", "5A", array=["F814W"] * 3),
        fits.Column("GAL_HDU", "J", array=[0, 1, 2]),
        fits.Column("PIXEL_SCALE", "E", array=[0.03] * 3)])
    sersic = np.stack([fit_vector(18.0, 1.0, 0.4), fit_vector(9.0, 4.5, 0.8),
                       fit_vector(12.0, 2.7, 0.5)])
    bulge = np.stack([bulge_disk(0.4)] * 3)
    fitted = fits.BinTableHDU.from_columns([
        fits.Column("IDENT", "J", array=idents),
        fits.Column("sersicfit", "8D", array=sersic),
        fits.Column("bulgefit", "16D", array=bulge),
        fits.Column("use_bulgefit", "J", array=[0, 0, 0]),
        fits.Column("fit_dvc_btt", "D", array=[0.1, 0.9, 0.4]),
        fits.Column("mag_auto", "D", array=[21.0, 20.5, 22.0]),
        fits.Column("zphot", "D", array=[0.4, 0.6, 0.8])])
    rng = np.random.default_rng(3)
    stamps = fits.HDUList([fits.PrimaryHDU(rng.normal(size=(40, 60)).astype(np.float32)),
                           fits.ImageHDU(rng.normal(size=(30, 30)).astype(np.float32)),
                           fits.ImageHDU(rng.normal(size=(50, 44)).astype(np.float32))])
    paths = directory / "listing.fits", directory / "fits.fits", directory / "images.fits"
    fits.HDUList([fits.PrimaryHDU(), listing]).writeto(paths[0])
    fits.HDUList([fits.PrimaryHDU(), fitted]).writeto(paths[1])
    stamps.writeto(paths[2])
    return paths


def test_the_set_is_written_as_fits_uploads_with_an_index_and_a_disks_index(
        tmp_path: Path) -> None:
    listing, fitted, images = catalogue_files(tmp_path / "cat")
    index = write_set(listing, fitted, images, tmp_path / "out")
    with index.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["name"], r["kind"]) for r in rows] == [
        ("COSMOS-11", "disk"), ("COSMOS-12", "spheroid"), ("COSMOS-13", "intermediate")]
    assert float(rows[0]["incl"]) == pytest.approx(inclination_from_q(0.4), abs=0.01)
    assert rows[1]["incl"] == rows[2]["incl"] == ""
    with fits.open(rows[2]["path"]) as written:
        assert written[0].data.shape == (50, 44) and written[0].header["BITPIX"] == -32
        assert written[0].header["OBJECT"] == "COSMOS-13"
        assert written[0].header["PIXSCALE"] == pytest.approx(0.03)
    decoded = decode_image(Path(rows[0]["path"]).read_bytes())
    assert (decoded.format, decoded.width, decoded.height) == ("FITS", 60, 40)
    with (tmp_path / "out" / "disks" / "index.csv").open() as handle:
        disks = list(csv.DictReader(handle))
    assert disks == [{k: v for k, v in rows[0].items() if k != "kind"}]
    assert disks[0]["name"] == "COSMOS-11" and disks[0]["hlr_px"] == "18.00"


def test_catalogues_that_list_galaxies_in_another_order_are_refused(tmp_path: Path) -> None:
    listing, fitted, images = catalogue_files(tmp_path / "cat", ident_order=(12, 11, 13))
    with pytest.raises(ValueError, match="same order"):
        write_set(listing, fitted, images, tmp_path / "out")


def test_the_command_builds_from_the_unpacked_files_without_downloading(tmp_path: Path) -> None:
    from training import realcosmos

    listing, fitted, images = catalogue_files(tmp_path / "cat")
    tree = tmp_path / "pkg" / "tree"
    for source, member in ((listing, realcosmos.CATALOGUE), (fitted, realcosmos.FITS_CATALOGUE),
                           (images, realcosmos.IMAGES)):
        (tree / member).parent.mkdir(parents=True, exist_ok=True)
        (tree / member).write_bytes(source.read_bytes())
    index = run_builder("training.realcosmos", None, build,
                        [str(tmp_path / "out"), "--pkg", str(tmp_path / "pkg")])
    assert index == tmp_path / "out" / "index.csv"
    assert len(index.read_text().splitlines()) == 4
