"""Fitting the uncertainty: 68% coverage where the errors are what the table says they are."""

import numpy as np
import pytest

from inference.calibration import Calibration, cos_scaled
from training.calibrate import (
    cross_validated_real_fit,
    fit_axial_ratio_coefficient,
    fit_base_sigma,
    fit_cos_scale,
    fit_domain_scale,
    folds_of,
    inside,
    repeated_real_fit,
    served,
)


def simulated(n: int, seed: int, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Truths uniform in 0-90; errors Gaussian, larger towards face-on (as for a real
    estimator), plus a per-image flavor disagreement that also widens the error."""
    rng = np.random.default_rng(seed)
    true = rng.uniform(0.0, 90.0, n)
    stdev = rng.uniform(0.0, 3.0, n)
    sigma = np.hypot(np.where(true < 40, 9.0, 3.0), stdev) * scale
    median = np.clip(true + rng.normal(0.0, 1.0, n) * sigma, 0.0, 90.0)
    return median, stdev, true


def table(median: np.ndarray, stdev: np.ndarray, true: np.ndarray) -> Calibration:
    centres, bases = fit_base_sigma(median, stdev, true)
    return Calibration(flavors=["a"], bin_centres_deg=centres, base_sigma_deg=bases,
                       alarm_threshold_deg=5.0, fitted_on="simulation")


def test_base_sigma_covers_68_percent_of_held_out_errors_and_follows_the_inclination() -> None:
    fitted = table(*simulated(4000, 1))
    median, stdev, true = simulated(4000, 2)
    assert np.mean(inside(fitted, median, stdev, true)) == pytest.approx(0.683, abs=0.03)
    assert fitted.sigma(10.0, 0.0) > 2 * fitted.sigma(70.0, 0.0)  # face-on is harder
    face_on = true < 35
    assert np.mean(inside(fitted, median[face_on], stdev[face_on], true[face_on])) > 0.6


def test_the_domain_scale_widens_sigma_for_images_with_larger_errors() -> None:
    fitted = table(*simulated(4000, 1))
    wider = simulated(600, 3, scale=2.0)
    assert np.mean(inside(fitted, *wider)) < 0.5  # synthetic calibration: too narrow here
    scale = fit_domain_scale(fitted, *wider)
    assert scale == pytest.approx(2.0, rel=0.2)
    assert np.mean(inside(fitted, *wider, domain_scale=scale)) == pytest.approx(0.683, abs=0.03)


def too_face_on(true: np.ndarray, scale: float, rng: np.random.Generator, noise: float
                ) -> np.ndarray:
    """Answers as the inverse of the correction with ``scale`` makes them, plus noise."""
    grid = np.linspace(0.0, 90.0, 9001)
    raw = np.interp(true, cos_scaled(grid, scale), grid)
    answers: np.ndarray = np.clip(raw + rng.normal(0.0, noise, true.size), 0.0, 90.0)
    return answers


def test_the_real_image_correction_is_fitted_by_least_squares() -> None:
    rng = np.random.default_rng(4)
    true = rng.uniform(45.0, 90.0, 300)
    raw = too_face_on(true, 0.9, rng, 2.0)
    assert np.mean(raw - true) < -1.5
    assert fit_cos_scale(raw, true) == pytest.approx(0.9, abs=0.02)
    # answers already right ask for no correction; NaN pairs are left out
    assert fit_cos_scale(true, true) == 1.0
    with_nan = np.append(raw, np.nan), np.append(true, 60.0)
    assert fit_cos_scale(*with_nan) == fit_cos_scale(raw, true)
    with pytest.raises(ValueError, match="at least 5"):
        fit_cos_scale(raw[:4], true[:4])
    with pytest.raises(ValueError, match="end of its range"):
        fit_cos_scale(true * 0.3, true)  # far too face-on for any allowed scale


def real_set(seed: int) -> tuple[Calibration, np.ndarray, np.ndarray]:
    """A synthetic calibration table, 60 real references at 45-90° and three flavors' answers
    on them, too face-on as the correction with 0.85 would put right."""
    rng = np.random.default_rng(seed)
    calibration = table(*simulated(3000, seed - 4))
    real = rng.uniform(45.0, 90.0, 60)
    return calibration, real, np.stack([too_face_on(real, 0.85, rng, 3.0) for _ in range(3)])


def test_the_real_fit_is_cross_validated_with_both_parameters_fitted_without_the_fold() -> None:
    calibration, real, flavors = real_set(5)
    answers, covered = cross_validated_real_fit(calibration, flavors, real)
    assert abs(np.mean(answers - real)) < 1.0 < abs(np.mean(np.median(flavors, axis=0) - real))
    assert 0.5 < np.mean(covered) <= 1.0
    # the held-out answers are what the service would answer with the scale of the other folds
    held = folds_of(60)[0]
    rest = np.setdiff1d(np.arange(60), held)
    scale = fit_cos_scale(np.median(flavors[:, rest], axis=0), real[rest])
    np.testing.assert_allclose(answers[held], served(flavors[:, held], scale)[0])
    # one row (RMS, bias, coverage) per random split; the first split is the one above
    figures = repeated_real_fit(calibration, flavors, real, splits=3)
    assert figures.shape == (3, 3) and len(set(figures[:, 0])) == 3
    delta = answers - real
    assert figures[0].tolist() == pytest.approx(
        [np.sqrt(np.mean(delta**2)), np.mean(delta), np.mean(covered)])


def test_a_fixed_correction_is_kept_in_every_fold_and_only_the_domain_scale_fitted() -> None:
    calibration, real, flavors = real_set(6)
    answers, _ = cross_validated_real_fit(calibration, flavors, real, cos_scale=0.95)
    # every held-out answer is corrected with the given scale, not one fitted on the other folds
    np.testing.assert_allclose(answers, served(flavors, 0.95)[0])
    assert abs(np.mean(answers - real)) > 1.0  # 0.95 corrects less than the 0.85 they need
    fixed = repeated_real_fit(calibration, flavors, real, splits=2, cos_scale=0.95)
    fitted = repeated_real_fit(calibration, flavors, real, splits=2)
    assert fixed[0, 1] < fitted[0, 1] - 1.0  # the bias: left by the fixed scale, fitted away


def second_opinion_set(n: int, seed: int, coefficient: float
                       ) -> tuple[Calibration, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A synthetic calibration and n real-like images whose errors widen by ``coefficient``
    times the departure of a classical second opinion (median, stdev, true, second opinion)."""
    rng = np.random.default_rng(seed)
    calibration = table(*simulated(3000, seed + 100))
    true = rng.uniform(45.0, 90.0, n)
    stdev = rng.uniform(0.0, 2.0, n)
    departure = rng.exponential(6.0, n)
    spread = calibration.sigmas(true, stdev, np.full(n, np.nan))
    median = true + rng.normal(0.0, 1.0, n) * np.hypot(spread, coefficient * departure)
    axial = median + rng.choice([-1.0, 1.0], n) * departure
    return calibration, median, stdev, true, axial


@pytest.mark.parametrize("coefficient", [0.0, 0.6])
def test_the_second_opinion_coefficient_is_what_the_errors_say(coefficient: float) -> None:
    calibration, median, stdev, true, axial = second_opinion_set(600, 3, coefficient)
    fitted = fit_axial_ratio_coefficient(calibration, median, stdev, true, axial)
    assert fitted == pytest.approx(coefficient, abs=0.15)
    widened = calibration.model_copy(update={"axial_ratio_coefficient": fitted})
    scale = fit_domain_scale(widened, median, stdev, true, axial)
    far = np.abs(median - axial) > 10.0
    covered = inside(widened, median, stdev, true, scale, axial)
    # the far ones are covered about as often as the rest: the interval is wider where needed
    assert np.mean(covered[far]) == pytest.approx(np.mean(covered[~far]), abs=0.12)
    if coefficient:
        plain = inside(calibration, median, stdev, true,
                       fit_domain_scale(calibration, median, stdev, true))
        assert np.mean(plain[far]) < np.mean(covered[far]) - 0.1


def test_the_cross_validated_fit_fits_the_coefficient_without_the_fold() -> None:
    rng = np.random.default_rng(7)
    calibration = table(*simulated(3000, 8))
    real = rng.uniform(45.0, 90.0, 60)
    # a third of the galaxies misread by all flavors alike (as a tidal stream or a bright
    # bulge misleads them), where the classical second opinion departs from them
    misread = np.where(np.arange(60) % 3 == 0, rng.choice([-12.0, 12.0], 60), 0.0)
    flavors = np.stack([np.clip(too_face_on(real, 0.9, rng, 1.0) + misread, 0.0, 90.0)
                        for _ in range(3)])
    median = np.median(flavors, axis=0)
    axial = median - misread + rng.normal(0.0, 2.0, 60)
    _, covered = cross_validated_real_fit(calibration, flavors, real, axial=axial,
                                          fit_coefficient=True)
    assert 0.5 < np.mean(covered) <= 1.0
    # the first fold by hand: correction, coefficient and domain scale from the other folds
    held = folds_of(60)[0]
    rest = np.setdiff1d(np.arange(60), held)
    scale = fit_cos_scale(np.median(flavors[:, rest], axis=0), real[rest])
    median_rest, stdev_rest = served(flavors[:, rest], scale)
    coefficient = fit_axial_ratio_coefficient(calibration, median_rest, stdev_rest, real[rest],
                                              axial[rest])
    assert coefficient > 0.0  # the second opinion departs where the errors are
    trial = calibration.model_copy(update={"axial_ratio_coefficient": coefficient})
    domain = max(1.0, fit_domain_scale(trial, median_rest, stdev_rest, real[rest],
                                       axial[rest]))
    answers, stdev = served(flavors[:, held], scale)
    np.testing.assert_array_equal(covered[held], inside(
        trial, answers, stdev, real[held], domain, axial[held]))
    figures = repeated_real_fit(calibration, flavors, real, splits=2, axial=axial,
                                fit_coefficient=True)
    assert figures.shape == (2, 3)
    assert figures[0, 2] == pytest.approx(np.mean(covered))
