import itertools
import math

import pytest

from catalog.galaxy import axial_ratio_inclination, hubble_type_from_t
from tests.catalog.factories import galaxy


@pytest.mark.parametrize("q", [0.25, 0.39, 0.5, 0.8, 0.95])
def test_inclination_satisfies_the_oblate_disk_formula(q: float) -> None:
    inclination = axial_ratio_inclination(q)
    assert inclination is not None
    cos2 = math.cos(math.radians(inclination)) ** 2
    assert cos2 == pytest.approx((q * q - 0.04) / (1 - 0.04))


def test_inclination_limits() -> None:
    assert axial_ratio_inclination(1.0) == pytest.approx(0.0)
    assert axial_ratio_inclination(0.2) == 90.0
    assert axial_ratio_inclination(0.1) == 90.0
    assert axial_ratio_inclination(None) is None
    assert axial_ratio_inclination(0.0) is None
    assert axial_ratio_inclination(float("nan")) is None


def test_inclination_grows_as_the_disk_looks_thinner() -> None:
    values = [axial_ratio_inclination(q / 20) for q in range(5, 21)]
    assert all(a is not None and b is not None and a > b for a, b in itertools.pairwise(values))


def test_galaxy_axial_ratio_from_axes() -> None:
    record = galaxy(1, "X 1", 10.0, 10.0, major_axis_arcmin=4.0, minor_axis_arcmin=1.0)
    assert record.axial_ratio == 0.25
    assert record.axial_ratio_inclination_deg == pytest.approx(axial_ratio_inclination(0.25))
    assert galaxy(2, "X 2", 0.0, 0.0, minor_axis_arcmin=None).axial_ratio is None


@pytest.mark.parametrize(
    ("t", "hubble"), [(-5, "E"), (-2.2, "S0"), (3, "Sb"), (4.4, "Sbc"), (10, "Im")]
)
def test_numerical_type_to_hubble_type(t: float, hubble: str) -> None:
    assert hubble_type_from_t(t) == hubble


def test_numerical_type_out_of_range() -> None:
    assert hubble_type_from_t(42) is None
    assert hubble_type_from_t(float("nan")) is None
