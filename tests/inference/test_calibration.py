"""The calibrated uncertainty: sigma from ensemble.json, the fallback, and the answer's fields."""

import json
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from inference.axial_ratio import image_inclination
from inference.calibration import (
    CALIBRATION_FILE,
    FALLBACK_SIGMA_DEG,
    Calibration,
    corrected,
    load_calibration,
    uncertainty,
    write_calibration,
)
from inference.registry import RegistryError, load_registry
from tests.inference.conftest import app_client, post_npy, settings_for
from tests.inference.expected import flavor_degrees


def calibration(flavors: list[str], scale: float = 1.0, cos_scale: float = 1.0,
                axial: float = 0.0) -> Calibration:
    return Calibration(
        flavors=flavors,
        bin_centres_deg=[10.0, 50.0, 85.0],
        base_sigma_deg=[12.0, 4.0, 2.0],
        spread_coefficient=1.0,
        axial_ratio_coefficient=axial,
        domain_scale=scale,
        real_cos_scale=cos_scale,
        alarm_threshold_deg=7.5,
        fitted_on="a test",
    )


def test_sigma_interpolates_the_table_and_adds_the_spread_in_quadrature() -> None:
    table = calibration(["a", "b"], scale=1.5)
    assert table.sigma(50.0, 0.0) == pytest.approx(1.5 * 4.0)
    assert table.sigma(30.0, 0.0) == pytest.approx(1.5 * 8.0)  # halfway between 12 and 4
    assert table.sigma(89.0, 0.0) == pytest.approx(1.5 * 2.0)  # flat beyond the last centre
    assert table.sigma(50.0, 3.0) == pytest.approx(1.5 * 5.0)
    assert table.sigma(50.0, 3.0, axial=70.0) == pytest.approx(1.5 * 5.0)  # coefficient 0
    widened = calibration(["a", "b"], scale=1.5, axial=0.5)
    assert widened.sigma(50.0, 3.0) == pytest.approx(1.5 * 5.0)
    # departure 8 either side; none where the image has no second opinion (NaN)
    assert widened.sigma(50.0, 3.0, axial=58.0) == pytest.approx(1.5 * math.sqrt(41.0))
    assert widened.sigmas(np.array([50.0, 30.0, 30.0]), np.array([3.0, 0.0, 0.0]),
                          np.array([42.0, np.nan, 30.0])) == pytest.approx(
        [1.5 * math.sqrt(41.0), 12.0, 12.0])


def test_the_second_opinion_widens_sigma_by_its_departure_and_only_where_it_was_measured(
) -> None:
    table = calibration(["a", "b"], axial=0.5)
    plain = uncertainty(table, ["a", "b"], 50.0, 0.0)
    assert plain[0] == pytest.approx(4.0)
    far = uncertainty(table, ["a", "b"], 50.0, 0.0, axial_ratio_deg=70.0)
    assert far[0] == pytest.approx(math.hypot(4.0, 0.5 * 20.0), abs=1e-3)
    assert far[1] == pytest.approx((50.0 - far[0], 50.0 + far[0]), abs=1e-3)
    assert uncertainty(table, ["a", "b"], 50.0, 0.0, axial_ratio_deg=math.nan) == plain
    assert uncertainty(table, ["a", "b"], 50.0, 0.0, axial_ratio_deg=None) == plain
    below = uncertainty(table, ["a", "b"], 50.0, 0.0, axial_ratio_deg=38.0)
    assert below[0] == pytest.approx(math.hypot(4.0, 0.5 * 12.0), abs=1e-3)
    # the fallback (no calibration for these flavors) does not know the coefficient
    assert uncertainty(table, ["a", "z"], 50.0, 0.0, axial_ratio_deg=70.0)[0] == pytest.approx(
        FALLBACK_SIGMA_DEG)


def test_uncertainty_is_calibrated_only_for_the_fitted_flavor_set() -> None:
    table = calibration(["a", "b", "c"])
    sigma, interval, calibrated = uncertainty(table, ["c", "a", "b"], 89.0, 1.0)
    assert calibrated and sigma == pytest.approx(math.hypot(2.0, 1.0), abs=1e-3)
    assert interval[0] == pytest.approx(89.0 - sigma, abs=1e-3)
    assert interval[1] == 90.0  # clipped at 90
    partial = uncertainty(table, ["a", "b"], 89.0, 1.0)
    assert partial[0] == sigma and partial[2] is False
    stranger = uncertainty(table, ["a", "z"], 40.0, 2.0)
    assert stranger[0] == pytest.approx(math.hypot(FALLBACK_SIGMA_DEG, 2.0), abs=1e-3)
    assert stranger[2] is False
    assert uncertainty(None, ["a"], 5.0, 0.0) == (FALLBACK_SIGMA_DEG, (0.0, 15.0), False)


def test_the_real_image_correction_moves_answers_toward_edge_on_most_in_mid_range() -> None:
    degrees = np.array([0.0, 10.0, 30.0, 60.0, 80.0, 90.0])
    np.testing.assert_array_equal(calibration(["a"]).correct(degrees), degrees)
    moved = calibration(["a"], cos_scale=0.9).correct(degrees)
    arccos = np.degrees(np.arccos(0.9 * np.cos(np.radians(degrees))))
    weight = np.sin(np.radians(degrees)) ** 2
    np.testing.assert_allclose(moved, degrees + weight * (arccos - degrees))
    assert moved[0] == 0.0 and moved[-1] == pytest.approx(90.0)  # no floor, no overshoot
    assert moved[1] < 11.0  # face-on answers stay face-on
    assert np.all(np.diff(moved) > 0) and np.all(moved[1:-1] > degrees[1:-1])
    assert (moved - degrees)[3] > (moved - degrees)[4] > (moved - degrees)[1]
    # monotone over the whole range for every scale allowed, so the median of the corrected
    # answers is the corrected median; above 1 the form is not, and is refused
    fine = np.linspace(0.0, 90.0, 9001)
    for scale in (0.5, 0.7, 0.882, 0.99):
        assert np.all(np.diff(calibration(["a"], cos_scale=scale).correct(fine)) > 0)
    with pytest.raises(ValueError, match="real_cos_scale"):
        calibration(["a"], cos_scale=1.2)
    # only flavors the calibration was fitted for are corrected
    table = calibration(["a"], cos_scale=0.9)
    assert corrected(table, "a", degrees).tolist() == moved.tolist()
    assert corrected(table, "z", degrees).tolist() == degrees.tolist()
    assert corrected(None, "a", degrees).tolist() == degrees.tolist()


def test_a_bad_table_is_refused() -> None:
    with pytest.raises(ValueError, match="equally long"):
        Calibration(flavors=["a"], bin_centres_deg=[1.0, 2.0], base_sigma_deg=[1.0],
                    alarm_threshold_deg=1.0, fitted_on="x")
    with pytest.raises(ValueError, match="increase"):
        Calibration(flavors=["a"], bin_centres_deg=[2.0, 1.0], base_sigma_deg=[1.0, 1.0],
                    alarm_threshold_deg=1.0, fitted_on="x")


def test_the_registry_reads_it_and_the_model_set_version_follows_it(
    derive: Callable[..., Path],
) -> None:
    repo = derive(tiny_a=("tiny-a", None), tiny_b=("tiny-b", None))
    without = load_registry(repo)
    assert without.calibration is None
    write_calibration(repo, calibration(["tiny-a", "tiny-b"]))
    assert load_calibration(repo) == calibration(["tiny-a", "tiny-b"])
    first = load_registry(repo)
    assert first.calibration is not None
    write_calibration(repo, calibration(["tiny-a", "tiny-b"], scale=2.0))
    second = load_registry(repo)
    assert len({without.model_set_version, first.model_set_version,
                second.model_set_version}) == 3
    (repo / CALIBRATION_FILE).write_text(json.dumps({"flavors": "not a list"}))
    with pytest.raises(RegistryError, match=CALIBRATION_FILE):
        load_registry(repo)


@pytest.mark.parametrize(("cos_scale", "axial"), [(1.0, 0.0), (0.9, 0.0), (1.0, 0.6)])
async def test_every_answer_carries_sigma_interval_and_the_calibrated_alarm(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32],
    cos_scale: float, axial: float
) -> None:
    repo = derive(tiny_a=("tiny-a", None), tiny_b=("tiny-b", None), tiny_c=("tiny-c", None))
    table = calibration(["tiny-a", "tiny-b", "tiny-c"], scale=1.2, cos_scale=cos_scale,
                        axial=axial)
    write_calibration(repo, table)
    expected = {name: [(float(table.correct(np.array([degrees]))[0]), clipped)
                       for degrees, clipped in values]
                for name, values in flavor_degrees(repo, galaxies, copies=1).items()}
    async with app_client(settings_for(repo, data_dir)) as client:
        response = await post_npy(client, galaxies)
        models = (await client.get("/models")).json()
    assert models["calibration"]["domain_scale"] == 1.2
    assert models["calibration"]["real_cos_scale"] == cos_scale
    assert models["calibration"]["flavors"] == ["tiny-a", "tiny-b", "tiny-c"]
    assert response.status_code == 200
    departed = []
    for index, galaxy in enumerate(response.json()["galaxies"]):
        values = np.array([expected[n][index][0] for n in ("tiny-a", "tiny-b", "tiny-c")])
        median, stdev = float(np.median(values)), float(np.std(values, ddof=1))
        inclination = galaxy["inclination"]
        assert inclination["median"] == pytest.approx(median, abs=2e-3)
        assert [f["inclination_deg"] for f in galaxy["flavors"]] == pytest.approx(
            values.tolist(), abs=2e-3)
        second = image_inclination(galaxies[index])
        assert math.isfinite(second)  # the test galaxies stand out from their sky
        assert inclination["axial_ratio_deg"] == pytest.approx(second, abs=1e-3)
        departed.append(abs(inclination["median"] - second))
        assert inclination["axial_ratio_departs"] is (departed[-1] >= 10.0)
        want = 1.2 * math.hypot(float(np.interp(median, [10, 50, 85], [12, 4, 2])), stdev,
                                axial * departed[-1])
        assert inclination["calibrated"] is True
        assert inclination["sigma"] == pytest.approx(want, abs=2e-3)
        low, high = inclination["interval"]
        assert low == pytest.approx(max(0.0, inclination["median"] - inclination["sigma"]),
                                    abs=2e-3)
        assert high == pytest.approx(min(90.0, inclination["median"] + inclination["sigma"]),
                                     abs=2e-3)
        assert galaxy["alarm"]["threshold_deg"] == 7.5
    # the tiny flavors answer far from these galaxies' shapes: the widening is exercised
    assert max(departed) > 10.0 > min(departed)  # doubtful answers and others


async def test_the_second_opinion_is_of_each_galaxys_first_copy(
    derive: Callable[..., Path], data_dir: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    repo = derive(tiny_a=("tiny-a", None), tiny_b=("tiny-b", None))
    blank = np.full_like(galaxies[0], 0.1)
    # galaxy 0: the image first, then three blank copies; galaxy 1: a blank first
    batch = np.stack([galaxies[0], blank, blank, blank, blank, galaxies[1], galaxies[1],
                      galaxies[1]])
    async with app_client(settings_for(repo, data_dir)) as client:
        response = await post_npy(client, batch, copies_per_galaxy=4)
    assert response.status_code == 200
    first, second = (g["inclination"] for g in response.json()["galaxies"])
    assert first["axial_ratio_deg"] == pytest.approx(image_inclination(galaxies[0]), abs=1e-3)
    assert second["axial_ratio_deg"] is None  # nothing stands out in its first copy
    assert second["axial_ratio_departs"] is False
