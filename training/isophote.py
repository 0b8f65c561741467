"""The classical estimator, done properly: an isophote fit (``photutils.isophote``) on the image at
(nearly) full resolution, the axial ratio of the outer disk, and the axial-ratio formula
cos²i = (q² - q0²)/(1 - q0²) with q0 = 0.2 — the same convention as the labels.

The image is made gray (black-on-white images are inverted), the sky (median of the outer band)
subtracted, and ellipses are fitted from the inside out with sigma clipping (stars on an ellipse
are clipped). The axial ratio is the median over the outer isophotes: those between 60% and 100%
of the largest semi-major axis whose intensity is still above max(2 noise, ``level`` x peak).
It is a candidate ensemble member, measured beside the networks by ``evaluate --real``.
"""

import logging
import math
import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import ndimage
from skimage.measure import label, regionprops

from inference.axial_ratio import Q0, inclination_from_q

MAX_SIDE = 200
LEVEL = 0.05

Floats = npt.NDArray[np.float64]


def gray_sky_subtracted(path: Path, max_side: int = MAX_SIDE) -> tuple[Floats, float]:
    """(image - sky, noise) of an image file, gray, shrunk to at most ``max_side`` pixels."""
    with Image.open(path) as opened:
        image = opened.convert("L")
    factor = max(image.size) / max_side
    if factor > 1:
        size = (round(image.size[0] / factor), round(image.size[1] / factor))
        image = image.resize(size, Image.Resampling.LANCZOS)
    gray = np.asarray(image, np.float64)
    h, w = gray.shape
    band = np.ones_like(gray, bool)
    band[h // 10:h - h // 10, w // 10:w - w // 10] = False
    if np.median(gray[band]) > 127:
        gray = 255.0 - gray
    sky = float(np.median(gray[band]))
    noise = 1.4826 * float(np.median(np.abs(gray[band] - sky))) + 0.5
    return gray - sky, noise


def first_guess(image: Floats, noise: float) -> tuple[float, float, float, float, float] | None:
    """(x0, y0, semi-major axis, ellipticity, pa) of the central region above 10% of the peak."""
    h, w = image.shape
    smooth = ndimage.gaussian_filter(image, 1.0)
    box = smooth[h // 2 - h // 6:h // 2 + h // 6, w // 2 - w // 6:w // 2 + w // 6]
    cy, cx = np.unravel_index(np.argmax(box), box.shape)
    cy, cx = cy + h // 2 - h // 6, cx + w // 2 - w // 6
    labels = label(smooth > max(3 * noise, 0.1 * float(box.max())))  # type: ignore[no-untyped-call]
    if labels[cy, cx] == 0:
        return None
    region = regionprops((labels == labels[cy, cx]).astype(np.uint8))[0]  # type: ignore[no-untyped-call]
    q = region.axis_minor_length / max(region.axis_major_length, 1e-9)
    y0, x0 = region.centroid
    return (float(x0), float(y0), max(region.axis_major_length / 4, 4.0),
            float(min(max(1 - q, 0.05), 0.9)), float((math.pi / 2 - region.orientation) % math.pi))


def isophote_axis_ratio(image: Floats, noise: float, level: float = LEVEL) -> float:
    """Median axial ratio of the outer isophotes; NaN when no fit converges."""
    from photutils.isophote import Ellipse, EllipseGeometry

    guess = first_guess(image, noise)
    if guess is None:
        return math.nan
    x0, y0, sma, eps, pa = guess
    logging.getLogger("photutils").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fitted = Ellipse(image, EllipseGeometry(x0=x0, y0=y0, sma=sma, eps=eps, pa=pa)
                             ).fit_image(maxsma=0.48 * min(image.shape), step=0.15, sclip=3.0,
                                         nclip=3, maxgerr=0.8)
        except (ValueError, IndexError, RuntimeError, OverflowError, ZeroDivisionError,
                FloatingPointError):
            return math.nan
    intensity, axis, ellipticity = (np.asarray(fitted.intens), np.asarray(fitted.sma),
                                    np.asarray(fitted.eps))
    peak = float(ndimage.gaussian_filter(image, 1.0).max())
    good = np.isfinite(intensity) & (axis > 3) & (intensity > max(2 * noise, level * peak))
    if not good.any():
        return math.nan
    outer = good & (axis >= 0.6 * axis[good].max())
    return float(1.0 - np.median(ellipticity[outer]))


def isophote_inclination(path: Path) -> float:
    """Degrees from an image file (NaN when the fit fails)."""
    image, noise = gray_sky_subtracted(path)
    return inclination_from_q(isophote_axis_ratio(image, noise), Q0)
