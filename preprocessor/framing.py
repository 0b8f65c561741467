"""Finding the galaxy in an upload and framing it as the flavors were trained to see it.

The flavors learned galaxies near the middle of the frame (hand-framed photographs off centre
by at most 12% of the frame) with a field from 1.5 times the galaxy's diameter (survey cutouts)
to four times it (photographs). A galaxy in a corner of a wide photograph is outside that, and
the flavors read such frames as edge-on. ``frame="auto"`` finds the dominant extended source
and, only when it lies outside the trained framings, crops a square of 1.5 diameters around it.

Detection (photutils segmentation on a gray copy at most :data:`WORK_SIZE` pixels wide): the
sky level by sigma clipping (a sky brighter than mid-gray is a negative rendering, black on
white, and the galaxy is what is darker); after a Gaussian smoothing of 6 pixels FWHM, sources
are the connected regions above the larger of 3 sigma (median absolute deviation) of the
smoothed sky and 4% of the bright end (photographs often clip the sky to black, where sigma is
0). The galaxy is the source with the largest flux, weighted towards the middle of the frame:
``flux / (1 + (d / 0.35 S)²)``, d its distance from the middle, S the frame's side — unless a
source lies within :data:`OFFSET_LIMIT` of the middle with at least a quarter of that one's
flux: whoever framed the image chose that one. Its diameter is twice the 98th percentile of its
pixels' distances from its centroid (the isophotal diameter at the detection threshold).

Reframing rule, in fractions of the square frame the image is padded to: the galaxy's centre is
more than :data:`OFFSET_LIMIT` from the middle, and its 1.5-diameter field is at most
:data:`LARGEST` of the frame (a galaxy that fills the frame is framed as well as it can be).
The crop is then a square of 1.5 diameters centred on the galaxy, never smaller than
:data:`SMALLEST` of the frame (the smallest framing trained on, so a tiny source is centred
without being blown up), filled with the sky level where it runs past the image.
"""

import warnings
from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
from astropy.stats import gaussian_fwhm_to_sigma, sigma_clipped_stats
from photutils.segmentation import SourceCatalog, detect_sources
from photutils.utils.exceptions import NoDetectionsWarning
from PIL import Image
from scipy.ndimage import gaussian_filter

from preprocessor.imaging import convert_mode

Frame = Literal["as-is", "auto"]

WORK_SIZE: Final = 256
OFFSET_LIMIT: Final = 0.12
LARGEST: Final = 0.8
SMALLEST: Final = 0.375
FIELD_PER_DIAMETER: Final = 1.5
CENTRE_SCALE: Final = 0.35
SMOOTHING_FWHM: Final = 6  # pixels of the working copy
FWHM_PER_SIGMA: Final = 1 / gaussian_fwhm_to_sigma
CENTRAL_SHARE: Final = 0.25
_SIGMAS: Final = 3.0
_BRIGHT_FRACTION: Final = 0.04
_MIN_THRESHOLD: Final = 2.0  # gray levels of 255


@dataclass(frozen=True)
class FoundGalaxy:
    """The dominant extended source, in the pixels of the full image."""

    x: float
    y: float
    diameter: float
    width: int
    height: int

    @property
    def frame_side(self) -> float:
        """The side of the square the image is padded to."""
        return float(max(self.width, self.height))

    @property
    def offset(self) -> float:
        """Distance of its centre from the middle of the image, in frame sides."""
        return float(np.hypot(self.x - self.width / 2, self.y - self.height / 2)
                     / self.frame_side)

    @property
    def extent(self) -> float:
        """Its 1.5-diameter field, in frame sides."""
        return FIELD_PER_DIAMETER * self.diameter / self.frame_side


@dataclass(frozen=True)
class Framing:
    """What ``frame="auto"`` did: the found galaxy (if any) and the square measured."""

    applied: bool
    found: FoundGalaxy | None
    # the square measured, in the pixels of the full image (may run past its edges)
    left: float
    top: float
    side: float
    reason: str

    @property
    def square(self) -> tuple[float, float, float]:
        """(left, top, side) for :func:`preprocessor.imaging.to_model_input`."""
        return self.left, self.top, self.side

    def in_upload_pixels(self, width: int, height: int, image_width: int) -> "Framing":
        """The same framing in the pixels of the upload (``width`` x ``height``) when it was
        measured on a reduced decode ``image_width`` wide (a drafted JPEG, a binned FITS)."""
        factor = width / image_width
        if factor == 1.0:
            return self
        found = self.found
        if found is not None:
            found = replace(found, x=found.x * factor, y=found.y * factor,
                            diameter=found.diameter * factor, width=width, height=height)
        return replace(self, found=found, left=self.left * factor, top=self.top * factor,
                       side=self.side * factor)


def _gray(image: Image.Image) -> tuple[npt.NDArray[np.float64], float]:
    """A gray copy at most about WORK_SIZE wide, and the factor back to full resolution."""
    gray = convert_mode(image, "gray")
    factor = int(max(gray.size) // WORK_SIZE)
    small = gray.reduce(factor) if factor >= 2 else gray
    return np.asarray(small, dtype=np.float64), max(gray.size) / max(small.size)


def find_galaxy(image: Image.Image) -> FoundGalaxy | None:
    """The dominant extended source (module docstring), or None when nothing stands out."""
    gray, factor = _gray(image)
    if gray.size < 64:
        return None
    # every other pixel each way is plenty for the sky's statistics, at a quarter of the cost
    _, sky, _ = sigma_clipped_stats(gray[::2, ::2], sigma=3.0, maxiters=5)
    # a bright sky is a negative rendering (black on white, as the Galaxy Inclination Zoo shows
    # galaxies): the galaxy is what is darker than it
    data = float(sky) - gray if sky > 127.5 else gray - float(sky)
    bright = float(np.percentile(data, 99.5))
    smooth = gaussian_filter(data, SMOOTHING_FWHM / FWHM_PER_SIGMA, mode="nearest", truncate=2.5)
    # the noise of the smoothed image: a faint disk in a noisy field stands out as one source
    # (the median absolute deviation: blank corners of a rotated frame do not inflate it)
    _, _, noise = sigma_clipped_stats(smooth[::2, ::2], sigma=3.0, maxiters=5,
                                      stdfunc="mad_std")
    threshold = max(_SIGMAS * float(noise), _BRIGHT_FRACTION * bright, _MIN_THRESHOLD)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoDetectionsWarning)  # None says it
        segments = detect_sources(smooth, threshold, n_pixels=max(10, gray.size // 2000))
    if segments is None:
        return None
    catalog = SourceCatalog(data, segments)
    height, width = gray.shape
    side = max(width, height)
    flux = np.asarray(catalog.segment_flux, dtype=np.float64)
    x = np.asarray(catalog.x_centroid, dtype=np.float64)
    y = np.asarray(catalog.y_centroid, dtype=np.float64)
    distance = np.hypot(x - (width - 1) / 2, y - (height - 1) / 2)
    flux = np.where(np.isfinite(flux), flux, -np.inf)
    score = flux / (1 + (distance / (CENTRE_SCALE * side)) ** 2)
    best = int(np.argmax(score))
    if not np.isfinite(score[best]) or score[best] <= 0:
        return None
    # the one in the middle, when there is one of some weight: whoever framed the image chose it
    central = np.flatnonzero((distance <= OFFSET_LIMIT * side)
                             & (flux >= CENTRAL_SHARE * flux[best]))
    if central.size:
        best = int(central[np.argmax(flux[central])])
    rows, cols = np.nonzero(segments.data == catalog.labels[best])
    radius = float(np.percentile(np.hypot(cols - x[best], rows - y[best]), 98)) + 0.5
    full_width, full_height = image.size
    return FoundGalaxy(
        x=(x[best] + 0.5) * factor,
        y=(y[best] + 0.5) * factor,
        diameter=2 * radius * factor,
        width=full_width,
        height=full_height,
    )


def as_framed(image: Image.Image, found: FoundGalaxy | None = None, reason: str = "as-is"
              ) -> Framing:
    """The padded square of the whole image (what ``as-is`` measures)."""
    width, height = image.size
    side = float(max(width, height))
    return Framing(False, found, (width - side) / 2, (height - side) / 2, side, reason)


def choose(image: Image.Image) -> Framing:
    """``frame="auto"``: the square to measure (module docstring for the rule)."""
    found = find_galaxy(image)
    if found is None:
        return as_framed(image, None, "no source stands out from the sky")
    if found.offset <= OFFSET_LIMIT:
        return as_framed(image, found, "the galaxy is near the middle")
    if found.extent > LARGEST:
        return as_framed(image, found, "the galaxy fills the frame")
    side = max(found.extent, SMALLEST) * found.frame_side
    return Framing(True, found, found.x - side / 2, found.y - side / 2, side,
                   "the galaxy is off centre: measured in a square of 1.5 diameters around it")

