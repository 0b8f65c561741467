"""Test-time copies of one model input: the network sees each and the answers are pooled.

Order (fixed; the inference service treats each consecutive block of copies as one galaxy):
``none`` → [identity]; ``rot4`` → rotations by 0°, 90°, 180°, 270° counter-clockwise;
``d4`` → those four, then the same four of the left-right mirror image. Every copy is an exact
permutation of the pixels (no resampling), so inclination is unchanged.
"""

from typing import Final, Literal

import numpy as np
import numpy.typing as npt

Copies = Literal["none", "rot4", "d4"]
COPY_COUNTS: Final[dict[str, int]] = {"none": 1, "rot4": 4, "d4": 8}


def make_copies(image: npt.NDArray[np.float32], copies: Copies) -> npt.NDArray[np.float32]:
    """(H, W, C) → (N, H, W, C), N = 1, 4 or 8."""
    if image.ndim != 3:
        raise ValueError(f"expected one (H, W, C) image, got shape {image.shape}")
    if copies == "none":
        return image[np.newaxis].copy()
    bases = [image] if copies == "rot4" else [image, image[:, ::-1]]
    return np.stack([np.rot90(base, k, axes=(0, 1)) for base in bases for k in range(4)])
