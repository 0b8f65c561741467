"""OpenNGC's isophotal axes of a named galaxy (``pyongc``): the catalogue reference the wide and
packages sets are labelled with, and the catalogue row of ``evaluate --real``."""

import math
from typing import Any

from inference.axial_ratio import Q0, inclination_from_q


def find(name: str) -> Any:
    """The OpenNGC object called ``name`` (spaces ignored: ``NGC 7814`` is ``NGC7814``), or None
    where OpenNGC does not know the name or cannot parse it."""
    from pyongc import ongc

    try:
        return ongc.get(name.replace(" ", ""))
    except Exception:  # pyongc raises on names it cannot parse (COSMOS-100027, ...)
        return None


def axes_of(found: Any) -> tuple[float, float] | None:
    """(major, minor) isophotal diameters in arcminutes of an OpenNGC object, or None (an axis
    missing)."""
    major, minor = (found.dimensions or (None, None))[:2]
    return (float(major), float(minor)) if major and minor else None


def axes_inclination(major: float, minor: float, q0: float = Q0) -> float:
    """Degrees from isophotal axes in the service's convention, cos²i = (q² - q0²)/(1 - q0²)."""
    return inclination_from_q(min(minor / major, 1.0), q0)


def inclination(name: str) -> float:
    """The catalogue inclination of ``name`` (:func:`axes_inclination` of its OpenNGC axes); NaN
    where OpenNGC does not know the name or lacks an axis."""
    found = find(name)
    axes = None if found is None else axes_of(found)
    return math.nan if axes is None else axes_inclination(*axes)
