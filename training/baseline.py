"""The classical baseline: inclination from the axial ratio of the galaxy's isophote.

The ellipse comes from the image moments of the central connected region above a threshold
(scikit-image ``regionprops``); then cos²i = (q² - q0²) / (1 - q0²) with a fixed intrinsic
thickness q0 = 0.2, or HyperLEDA's type-dependent one (Paturel et al. 1997):
log r0 = 0.43 + 0.053·T for T ≤ 7, 0.38 beyond, q0 = 10^(-log r0).
"""

import math

import numpy as np
import numpy.typing as npt
from scipy import ndimage
from skimage.measure import label, regionprops

Q0 = 0.2


def axis_ratio(image: npt.NDArray[np.generic]) -> float:
    """Minor/major axis ratio of the central bright region of a (H, W[, C]) image in [0, 255]
    or [0, 1]. Black-on-white images are detected (bright border) and inverted. NaN if no
    region stands out."""
    gray = np.asarray(image, dtype=np.float64)
    if gray.ndim == 3:
        gray = gray.mean(axis=2)
    if gray.max() <= 1.0:
        gray = gray * 255.0
    h, w = gray.shape
    # Sky from an outer band, leaving out blank (pure black/white) corners of rotated fields.
    band = np.ones_like(gray, dtype=bool)
    band[h // 10:h - h // 10, w // 10:w - w // 10] = False
    blank = (gray <= 3.0) | (gray >= 252.0)
    ring = gray[band & ~blank]
    if ring.size < 20:
        ring = gray[band]
    if np.median(ring) > 127.0:  # black on white
        gray = 255.0 - gray
        ring = 255.0 - ring
    gray = np.where(blank, np.median(ring), gray) if blank[band].mean() > 0.2 else gray
    border = ring
    smooth = ndimage.gaussian_filter(gray, 1.0)
    sky = float(np.median(border))
    noise = 1.4826 * float(np.median(np.abs(border - sky))) + 1e-9
    centre = smooth[h // 2 - h // 8:h // 2 + h // 8, w // 2 - w // 8:w // 2 + w // 8]
    peak = float(centre.max())
    level = sky + max(3.0 * noise, 0.08 * (peak - sky))
    labels = label(smooth > level)  # type: ignore[no-untyped-call]
    cy, cx = np.unravel_index(np.argmax(centre), centre.shape)
    target = labels[cy + h // 2 - h // 8, cx + w // 2 - w // 8]
    if target == 0:
        return math.nan
    region = regionprops((labels == target).astype(np.uint8))[0]  # type: ignore[no-untyped-call]
    if region.axis_major_length <= 0:
        return math.nan
    return float(region.axis_minor_length / region.axis_major_length)


def hyperleda_q0(t_type: float) -> float:
    log_r0 = 0.43 + 0.053 * t_type if t_type <= 7 else 0.38
    return float(10 ** (-log_r0))


def inclination_from_q(q: float, q0: float = Q0) -> float:
    """Degrees from the axial ratio; q ≤ q0 is edge-on (90°), NaN stays NaN."""
    if math.isnan(q):
        return math.nan
    cos2 = (q * q - q0 * q0) / (1.0 - q0 * q0)
    return float(math.degrees(math.acos(math.sqrt(min(max(cos2, 0.0), 1.0)))))


def type_from_bulge_fraction(bulge_fraction: float) -> float:
    """A morphological T type for a synthetic galaxy from its bulge-to-total ratio (B/T 0.6 →
    S0/a, T≈0; B/T 0 → Sd, T≈7), for the type-dependent baseline."""
    return float(np.clip(7.0 - 11.7 * bulge_fraction, 0.0, 7.0))
