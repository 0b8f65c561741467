"""Fitting the uncertainty: 68% coverage where the errors are what the table says they are."""

import numpy as np
import pytest

from inference.calibration import Calibration, cos_scaled
from training.calibrate import (
    cross_validated_correction,
    cross_validated_coverage,
    fit_base_sigma,
    fit_cos_scale,
    fit_domain_scale,
    inside,
    repeated_correction_figures,
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
    assert cross_validated_coverage(fitted, *wider) == pytest.approx(0.683, abs=0.06)


def test_the_real_image_correction_is_fitted_by_least_squares_and_cross_validated() -> None:
    rng = np.random.default_rng(4)
    true = rng.uniform(45.0, 90.0, 300)
    # answers too face-on, as the inverse of the correction with scale 0.9 makes them, plus noise
    grid = np.linspace(0.0, 90.0, 9001)
    raw = np.interp(true, cos_scaled(grid, 0.9), grid)
    raw = np.clip(raw + rng.normal(0.0, 2.0, true.size), 0.0, 90.0)
    assert np.mean(raw - true) < -1.5
    scale = fit_cos_scale(raw, true)
    assert scale == pytest.approx(0.9, abs=0.02)
    held_out = cross_validated_correction(raw, true)
    assert abs(np.mean(held_out - true)) < 0.6
    assert np.sqrt(np.mean((held_out - true) ** 2)) < np.sqrt(np.mean((raw - true) ** 2))
    # answers already right ask for no correction
    assert fit_cos_scale(true, true) == 1.0
    # one figure per random split; the first split is cross_validated_correction's own
    figures = repeated_correction_figures(raw, true, splits=4)
    assert figures.shape == (4, 2) and len(set(figures[:, 0])) == 4
    delta = held_out - true
    assert figures[0].tolist() == pytest.approx([np.sqrt(np.mean(delta**2)), np.mean(delta)])
