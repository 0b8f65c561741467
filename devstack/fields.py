"""Deterministic synthetic galaxy fields for tests, benchmarks and workloads: the surface
brightness of an inclined exponential disk on a square grid."""

import numpy as np
import numpy.typing as npt


def exponential_disk(side: int, *, scale_length: float, axis_ratio: float, angle_deg: float,
                     centre: tuple[float, float] | None = None) -> npt.NDArray[np.float64]:
    """An exponential disk seen at cos i = ``axis_ratio``, its major axis ``angle_deg`` from
    the x axis (x right, y down), centred on ``centre`` (x, y in 0-based pixels; default the
    middle of the grid); 1 at the centre, ``scale_length`` in pixels."""
    middle = (side - 1) / 2.0
    cx, cy = centre if centre is not None else (middle, middle)
    yy, xx = np.mgrid[0:side, 0:side].astype(np.float64)
    theta = np.radians(angle_deg)
    u = (xx - cx) * np.cos(theta) + (yy - cy) * np.sin(theta)
    v = -(xx - cx) * np.sin(theta) + (yy - cy) * np.cos(theta)
    disk: npt.NDArray[np.float64] = np.exp(-np.hypot(u, v / axis_ratio) / scale_length)
    return disk


def shifted_centre(side: int, shift: float) -> tuple[float, float]:
    """The middle of a ``side`` grid moved ``shift`` of the side left and up."""
    moved = (side - 1) / 2.0 - shift * side
    return moved, moved
