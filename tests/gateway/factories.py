"""Deterministic synthetic inputs for the gateway tests: galaxy-like images in several formats."""

import copy
import io
from typing import Any

import numpy as np
from PIL import Image

from devstack.fields import exponential_disk, shifted_centre
from gateway.schemas import EXAMPLE_RESULT


def galaxy_array(
    side: int = 256,
    axis_ratio: float = 0.4,
    angle_deg: float = 30.0,
    seed: int = 0,
    shift: float = 0.0,
    scale: float = 0.1,
) -> np.ndarray:
    """An exponential disk seen at cos(i) = axis_ratio (scale length ``scale`` of the side),
    moved ``shift`` of the side left and up from the middle, with a little sky noise."""
    rng = np.random.default_rng(seed)
    disk = exponential_disk(side, scale_length=side * scale, axis_ratio=axis_ratio,
                            angle_deg=angle_deg, centre=shifted_centre(side, shift))
    sky = rng.normal(0.03, 0.01, size=(side, side))
    gray = np.clip(disk + sky, 0, 1)
    rgb = np.stack([gray * 0.9, gray, gray * 0.8], axis=-1)
    return (rgb * 255).round().astype(np.uint8)


def galaxy_image_bytes(fmt: str = "PNG", **kwargs: float | int) -> bytes:
    image = Image.fromarray(galaxy_array(**kwargs))  # type: ignore[arg-type]
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def truncated_png() -> bytes:
    """A PNG cut off after its header: the format is known, the content is unreadable."""
    data = galaxy_image_bytes("PNG", side=64)
    return data[: len(data) // 3]


def example_result(**changes: Any) -> dict[str, Any]:
    """The documented example answer (gateway.schemas.EXAMPLE_RESULT), a copy with changes."""
    result = copy.deepcopy(EXAMPLE_RESULT)
    result.update(changes)
    return result


def older_result(**changes: Any) -> dict[str, Any]:
    """The example answer as a gateway before the calibrated uncertainty, the axial-ratio second
    opinion and the rejection verdict gave it: no sigma, interval, calibrated flag, second
    opinion or rejection (clients must still read such answers, e.g. from old tables)."""
    result = example_result(**changes)
    for key in ("sigma", "interval", "calibrated", "axial_ratio_deg", "axial_ratio_departs"):
        result["inclination"].pop(key, None)
    if "rejection" not in changes:
        result.pop("rejection", None)
    return result
