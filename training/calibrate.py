"""Fitting the ensemble's uncertainty (``inference.calibration``) on held-out data.

``base sigma`` per predicted-inclination bin: the value that puts 68% of the synthetic
validation galaxies of that bin within sqrt(base² + stdev²) of the truth (bisection), so that
the flavors' disagreement on an image widens its interval. ``domain_scale``: one factor fitted on
real labelled images so that 68% of them fall inside; its honest coverage is the k-fold
cross-validated one (fit on k-1 folds, count on the held-out fold:
:func:`cross_validated_real_fit`). ``real_cos_scale``: the real-image correction of every
answer (:func:`inference.calibration.cos_scaled`), one least-squares parameter fitted on the
same real images, reported with its k-fold cross-validated RMS and bias.
``axial_ratio_coefficient``: how much the distance between the median and the image's
axial-ratio inclination (the classical second opinion, :mod:`inference.axial_ratio`) widens
sigma, fitted on the same real images by the Gaussian likelihood of their errors with the
domain scale refitted for each value (:func:`fit_axial_ratio_coefficient`).
"""

import itertools
import math

import numpy as np
import numpy.typing as npt

from inference.calibration import Calibration, cos_scaled

TARGET = 0.6827
BIN_EDGES = (0.0, 20.0, 35.0, 50.0, 65.0, 78.0, 90.0)
MIN_PER_BIN = 20

Floats = npt.NDArray[np.float64]


def _solve(errors: Floats, stdev: Floats, spread_coefficient: float) -> float:
    """The base b with mean(|err| ≤ hypot(b, c·stdev)) = TARGET."""
    low, high = 0.0, 90.0
    for _ in range(60):
        mid = 0.5 * (low + high)
        inside = np.mean(errors <= np.hypot(mid, spread_coefficient * stdev))
        low, high = (mid, high) if inside < TARGET else (low, mid)
    return high


def fit_base_sigma(median: Floats, stdev: Floats, true: Floats, spread_coefficient: float = 1.0
                   ) -> tuple[list[float], list[float]]:
    """(bin centres, base sigma) over the predicted inclination; a thin bin borrows from its
    neighbours (it is widened until it holds MIN_PER_BIN galaxies)."""
    errors = np.abs(median - true)
    centres, bases = [], []
    for low, high in itertools.pairwise(BIN_EDGES):
        pad = 0.0
        while True:
            chosen = (median >= low - pad) & (median <= high + pad)
            if chosen.sum() >= MIN_PER_BIN or pad > 90:
                break
            pad += 5.0
        if not chosen.any():
            continue
        centres.append(round(0.5 * (low + high), 2))
        bases.append(round(_solve(errors[chosen], stdev[chosen], spread_coefficient), 3))
    return centres, bases


def sigmas(calibration: Calibration, median: Floats, stdev: Floats,
           axial: Floats | None = None, domain_scale: float | None = None) -> Floats:
    """Each image's sigma as served (``axial``: the second opinions, NaN or None where there
    are none), under ``domain_scale`` when given."""
    scaled = (calibration if domain_scale is None
              else calibration.model_copy(update={"domain_scale": domain_scale}))
    return scaled.sigmas(median, stdev, np.full(len(median), np.nan) if axial is None else axial)


def inside(calibration: Calibration, median: Floats, stdev: Floats, true: Floats,
           domain_scale: float | None = None, axial: Floats | None = None
           ) -> npt.NDArray[np.bool_]:
    """Whether each true value lies inside the 68% interval (clipped to 0-90 as served)."""
    sigma = sigmas(calibration, median, stdev, axial, domain_scale)
    return (np.maximum(0.0, median - sigma) <= true) & (true <= np.minimum(90.0, median + sigma))


def fit_domain_scale(calibration: Calibration, median: Floats, stdev: Floats, true: Floats,
                     axial: Floats | None = None) -> float:
    """The factor on sigma that puts TARGET of these (real) galaxies inside."""
    low, high = 0.5, 10.0
    for _ in range(50):
        mid = 0.5 * (low + high)
        covered = float(np.mean(inside(calibration, median, stdev, true, mid, axial)))
        low, high = (mid, high) if covered < TARGET else (low, mid)
    return round(high, 3)


AXIAL_RATIO_GRID = np.round(np.arange(0.0, 1.5001, 0.05), 2)


def fit_axial_ratio_coefficient(calibration: Calibration, median: Floats, stdev: Floats,
                                true: Floats, axial: Floats) -> float:
    """The ``axial_ratio_coefficient`` (on :data:`AXIAL_RATIO_GRID`; ``axial``: the second
    opinions, NaN where none) under which these galaxies' errors are likeliest as Gaussians of
    the served sigma, the domain scale refitted
    for each value (the fitted coefficient then says how much wider a galaxy's interval must
    be where the classical second opinion departs from the median; 0 where it says nothing)."""
    errors = median - true
    best, best_cost = 0.0, math.inf
    for coefficient in AXIAL_RATIO_GRID:
        trial = calibration.model_copy(update={"axial_ratio_coefficient": float(coefficient),
                                               "domain_scale": 1.0})
        scale = fit_domain_scale(trial, median, stdev, true, axial)
        sigma = sigmas(trial, median, stdev, axial, scale)
        cost = float(np.sum(np.log(sigma) + errors**2 / (2 * sigma**2)))
        if cost < best_cost - 1e-9:
            best, best_cost = float(coefficient), cost
    return best


MIN_REAL_IMAGES = 5
COS_SCALE_GRID = (0.5, 1.0)  # the correction's form is smooth and monotone only for s <= 1


def fit_cos_scale(raw: Floats, true: Floats) -> float:
    """The real-image correction's scale (:func:`inference.calibration.cos_scaled`) that
    minimises the squared error of the corrected answers against ``true``, to 0.001 on
    :data:`COS_SCALE_GRID` (1: none); pairs with a NaN are left out. ValueError with fewer than
    :data:`MIN_REAL_IMAGES` pairs, or when the best scale is the grid's lower end (the answers
    need more than this correction can give)."""
    keep = np.isfinite(raw) & np.isfinite(true)
    if keep.sum() < MIN_REAL_IMAGES:
        raise ValueError(f"{int(keep.sum())} numerically labelled images: the real-image "
                         f"correction needs at least {MIN_REAL_IMAGES}")
    low, high = COS_SCALE_GRID
    grid = np.round(np.arange(low, high + 0.0005, 0.001), 3)
    errors = [np.mean((cos_scaled(raw[keep], float(s)) - true[keep]) ** 2) for s in grid]
    best = float(grid[int(np.argmin(errors))])
    if best == low:
        raise ValueError(f"the real-image correction's fit ran to the end of its range ({low}): "
                         "these answers are too far from their references for it")
    return best


def folds_of(count: int, folds: int = 5, seed: int = 0) -> list[npt.NDArray[np.int64]]:
    """The held-out indices of each fold (the same split for every cross-validation here)."""
    order = np.random.default_rng(seed).permutation(count)
    return [order[fold::folds] for fold in range(folds)]


def over_flavors(stack: Floats) -> tuple[Floats, Floats]:
    """(median, sample stdev) over the flavors (rows) of each image's answers, as
    ``inference.ensemble`` combines them (stdev 0 with one flavor)."""
    stdev = stack.std(axis=0, ddof=1) if len(stack) > 1 else np.zeros(stack.shape[1])
    return np.median(stack, axis=0), stdev


def served(flavors: Floats, scale: float) -> tuple[Floats, Floats]:
    """:func:`over_flavors` of the flavors' answers after the correction."""
    return over_flavors(cos_scaled(flavors, scale))


def cross_validated_real_fit(calibration: Calibration, flavors: Floats, true: Floats,
                             folds: int = 5, seed: int = 0, cos_scale: float | None = None,
                             axial: Floats | None = None, fit_coefficient: bool = False
                             ) -> tuple[Floats, Floats]:
    """(answers, covered) of each image when both the correction and the domain scale (never
    below 1, as shipped) are fitted on the other folds: the held-out answer as served, and
    whether its 68% interval holds ``true``. ``flavors``: the flavors' uncorrected answers,
    one row each. With ``cos_scale`` the correction is that one, not fitted: only the domain
    scale is. ``axial``: each image's axial-ratio inclination (NaN where none), whose
    departure widens sigma by the calibration's ``axial_ratio_coefficient`` (without it, no
    widening); with ``fit_coefficient`` that coefficient is fitted on the other folds too."""
    answers, covered = np.empty(len(true)), np.zeros(len(true), bool)
    seconds = np.full(len(true), np.nan) if axial is None else axial
    for held in folds_of(len(true), folds, seed):
        rest = np.setdiff1d(np.arange(len(true)), held)
        scale = (fit_cos_scale(np.median(flavors[:, rest], axis=0), true[rest])
                 if cos_scale is None else cos_scale)
        median, stdev = served(flavors[:, rest], scale)
        trial = calibration
        if fit_coefficient:
            coefficient = fit_axial_ratio_coefficient(calibration, median, stdev, true[rest],
                                                      seconds[rest])
            trial = calibration.model_copy(update={"axial_ratio_coefficient": coefficient})
        domain = max(1.0, fit_domain_scale(trial, median, stdev, true[rest], seconds[rest]))
        answers[held], held_stdev = served(flavors[:, held], scale)
        covered[held] = inside(trial, answers[held], held_stdev, true[held], domain,
                               seconds[held])
    return answers, covered


def repeated_real_fit(calibration: Calibration, flavors: Floats, true: Floats,
                      splits: int = 20, low_deg: float = 45.0, cos_scale: float | None = None,
                      axial: Floats | None = None, fit_coefficient: bool = False
                      ) -> npt.NDArray[np.float64]:
    """(RMS, bias over ``true`` >= ``low_deg``, coverage) of :func:`cross_validated_real_fit`
    for each of ``splits`` random 5-fold splits (seeds 0, 1, ...): one split of a small set is
    one draw."""
    chosen = true >= low_deg
    out = []
    for seed in range(splits):
        answers, covered = cross_validated_real_fit(calibration, flavors, true, seed=seed,
                                                    cos_scale=cos_scale, axial=axial,
                                                    fit_coefficient=fit_coefficient)
        delta = (answers - true)[chosen]
        out.append((float(np.sqrt(np.mean(delta**2))), float(np.mean(delta)),
                    float(np.mean(covered))))
    return np.asarray(out)


def face_on_range(labels: list[float | None]) -> Floats:
    """Real labels as floats; ``face_on`` (None) becomes NaN (left out of coverage and RMS)."""
    return np.asarray([math.nan if v is None else v for v in labels], np.float64)
