"""OpenNGC's isophotal axes of a named galaxy (``pyongc``): the catalogue reference the wide and
packages sets are labelled with, and the catalogue row of ``evaluate --real``."""

from typing import Any


def find(name: str) -> Any:
    """The OpenNGC object called ``name`` (spaces ignored: ``NGC 7814`` is ``NGC7814``), or None
    where OpenNGC does not know the name or cannot parse it."""
    from pyongc import ongc

    try:
        return ongc.get(name.replace(" ", ""))
    except Exception:  # pyongc raises on names it cannot parse (COSMOS-100027, ...)
        return None


def axes(name: str) -> tuple[float, float] | None:
    """(major, minor) isophotal diameters in arcminutes, or None (unknown, or an axis missing)."""
    found = find(name)
    if found is None:
        return None
    major, minor = (found.dimensions or (None, None))[:2]
    return (float(major), float(minor)) if major and minor else None
