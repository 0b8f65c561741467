"""The independent synthetic test set (training.independent): its label, determinism, the
geometry of its line-of-sight renderer, the dust layer, and the index it writes."""

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from training.independent import Galaxy, build, label_inclination, make, render, sky_to_galaxy
from training.realeval import read_index


def moments(image: npt.NDArray[np.float64]) -> tuple[float, float]:
    """(axis ratio, position angle in degrees of the major axis in (column, row)) of an
    image's intensity-weighted second moments."""
    rows, cols = np.mgrid[0:image.shape[0], 0:image.shape[1]]
    total = image.sum()
    mc, mr = (image * cols).sum() / total, (image * rows).sum() / total
    cc = (image * (cols - mc) ** 2).sum() / total
    rr = (image * (rows - mr) ** 2).sum() / total
    cr = (image * (cols - mc) * (rows - mr)).sum() / total
    eig = np.linalg.eigvalsh(np.array([[cc, cr], [cr, rr]]))
    return math.sqrt(eig[0] / eig[1]), math.degrees(0.5 * math.atan2(2 * cr, cc - rr)) % 180


def test_label_is_the_axial_ratio_convention() -> None:
    for incl in (0.0, 20.0, 45.0, 70.0, 89.0, 90.0):
        assert label_inclination(incl, 0.2) == pytest.approx(incl, abs=1e-6)
    assert label_inclination(85.0, 0.1) == 90.0  # thinner than q0: its q falls below 0.2
    assert label_inclination(0.0, 0.25) == 0.0
    assert label_inclination(90.0, 0.25) == pytest.approx(81.2, abs=0.1)  # a thick disk
    assert label_inclination(60.0, 0.25) < 60.0 < label_inclination(60.0, 0.1)


def test_an_image_depends_on_seed_and_index_alone() -> None:
    first = np.asarray(make(7001, 3)[1])
    assert np.array_equal(first, np.asarray(make(7001, 3)[1]))
    assert not np.array_equal(first, np.asarray(make(7001, 4)[1]))
    assert make(7001, 3)[0] == make(7001, 3)[0]


def test_face_on_is_round_and_edge_on_lies_along_the_position_angle() -> None:
    face_on = render(Galaxy(incl=0.0, pa=30.0, side=64), (1,))[0]
    ratio, _ = moments(face_on)
    assert ratio > 0.97
    edge_on = render(Galaxy(incl=85.0, pa=30.0, side=64, thickness=0.12), (1,))[0]
    ratio, angle = moments(edge_on)
    assert ratio < 0.3
    assert angle == pytest.approx(30.0, abs=2.0)
    inclined = render(Galaxy(incl=60.0, pa=120.0, side=64), (1,))[0]
    ratio, angle = moments(inclined)
    assert 0.4 < ratio < 0.7
    assert angle == pytest.approx(120.0, abs=2.0)


def test_dust_darkens_the_midplane_of_an_edge_on_disk() -> None:
    def profile(tau: float) -> npt.NDArray[np.float64]:
        image = render(Galaxy(incl=90.0, side=96, thickness=0.15, dust_tau=tau), (1,))[0]
        return np.asarray(image[:, 44:52].mean(axis=1))  # across the disk, which lies along rows

    clear, dusty = profile(0.0), profile(2.0)
    midplane = slice(47, 49)  # the disk's centre is at row 48.0, between rows 47 and 48
    assert clear[midplane].mean() > max(clear[45], clear[50])
    assert dusty[midplane].mean() < min(dusty[45], dusty[50])
    assert dusty.sum() < 0.8 * clear.sum()


def test_the_near_side_of_an_inclined_dusty_galaxy_is_the_darker() -> None:
    incl = 70.0
    def one(value: float) -> npt.NDArray[np.float32]:
        return np.array([value], dtype=np.float32)

    _, _, z = sky_to_galaxy(one(0.0), one(1.0), one(math.tan(math.radians(incl))), incl)
    assert float(z[0]) == pytest.approx(0.0, abs=1e-5)  # the plane at sky y > 0 is in front

    def halves(tau: float) -> tuple[float, float]:
        image = render(Galaxy(incl=incl, side=64, bulge_fraction=0.4, sersic=3.0,
                              bulge_re=0.4, dust_tau=tau), (1,))[0]
        band = image[:, 28:36]  # the minor axis (pa 0: sky y runs down the rows)
        return float(band[20:32].sum()), float(band[32:44].sum())  # far (y < 0), near (y > 0)

    far, near = halves(0.0)
    assert near == pytest.approx(far, rel=1e-6)
    far, near = halves(2.0)
    assert near < 0.8 * far


def test_build_writes_an_index_that_evaluate_reads(tmp_path: Path) -> None:
    index = build(tmp_path / "set", count=4, seed=11)
    images = read_index(index.parent)
    assert len(images) == 4
    for image in images:
        assert image.path.is_absolute() and image.path.is_file()
        assert image.incl is not None and 0.0 <= image.incl <= 90.0
    header = index.read_text().splitlines()[0]
    assert header == "path,name,incl,rendering,bulge_fraction,thickness"
