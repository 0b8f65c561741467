"""A simple numpy factory of inclined exponential disks: thin ellipses with axis ratio
q = sqrt(cos²i (1 - q0²) + q0²). Fast (well under a millisecond each); used for the tiny test
repository. The realistic generator is ``training.synthetic`` (galsim)."""

import numpy as np
import numpy.typing as npt
from PIL import Image

from preprocessor.imaging import ColorMode, to_model_input

Q0 = 0.2


def axis_ratio(inclination_deg: npt.ArrayLike, q0: float = Q0) -> npt.NDArray[np.float64]:
    cos_i = np.cos(np.radians(np.asarray(inclination_deg, dtype=np.float64)))
    return np.sqrt(cos_i**2 * (1.0 - q0**2) + q0**2)


def ellipse_image(inclination_deg: float, rng: np.random.Generator, side: int = 96) -> Image.Image:
    """One RGB image of an inclined exponential disk at a random position angle, with noise."""
    q = float(axis_ratio(inclination_deg))
    pa = rng.uniform(0.0, np.pi)
    scale = side * rng.uniform(0.08, 0.14)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64) - (side - 1) / 2.0
    xx = xx - rng.normal(0.0, 1.5)
    yy = yy - rng.normal(0.0, 1.5)
    u = xx * np.cos(pa) + yy * np.sin(pa)
    v = -xx * np.sin(pa) + yy * np.cos(pa)
    profile = np.exp(-np.sqrt(u**2 + (v / q) ** 2) / scale)
    brightness = rng.uniform(0.6, 1.0)
    tint = rng.uniform(0.85, 1.0, size=3)
    sky = rng.uniform(0.0, 0.08)
    pixels = sky + brightness * profile[:, :, np.newaxis] * tint
    pixels = pixels + rng.normal(0.0, rng.uniform(0.01, 0.04), size=pixels.shape)
    return Image.fromarray((np.clip(pixels, 0.0, 1.0) * 255.0).round().astype(np.uint8), "RGB")


def ellipse_set(
    count: int, seed: int, mode: ColorMode = "rgb", side: int = 96
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """``count`` model inputs (N, 128, 128, C) and their inclinations in degrees, uniform 0-90°."""
    rng = np.random.default_rng(seed)
    labels = rng.uniform(0.0, 90.0, size=count).astype(np.float32)
    images = np.stack([to_model_input(ellipse_image(float(i), rng, side), mode) for i in labels])
    return images, labels
