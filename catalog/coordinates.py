"""Sky positions as users write them: decimal degrees, or anything astropy's Angle parses.

``ra``: a plain number is degrees; ``00h42m44.3s`` or ``00:42:44.3`` or ``00 42 44.3`` is hours
(the astronomers' convention for right ascension) unless the text says degrees (``10d41m05s``,
``10.68°``). ``dec``: a number or sexagesimal text in degrees (``+41d16m09s``, ``41:16:09``).
Values out of range are errors, never wrapped.
"""

import math
import re

MAX_COORDINATE_LENGTH = 64
_DEGREE_MARKS = re.compile(r"[d°]|deg", re.IGNORECASE)


class InvalidCoordinate(ValueError):
    """Text that is not a right ascension or declination, or one out of range."""


def _plain_number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):
        raise InvalidCoordinate(f"{text!r} is not a finite number")
    return value


def _angle_degrees(text: str, *, default_unit: str, what: str) -> float:
    # astropy.coordinates costs ~1 s to import; only text that is not a plain number needs it.
    from astropy import units as u
    from astropy.coordinates import Angle

    says_degrees = default_unit == "deg" or _DEGREE_MARKS.search(text) is not None
    try:
        angle = Angle(text, unit=u.deg if says_degrees else u.hourangle)
        return float(angle.to_value(u.deg))
    except Exception as exc:  # astropy raises ValueError, UnitsError, IllegalSecondError...
        raise InvalidCoordinate(f"{what} {text!r} cannot be read as an angle: {exc}") from exc


def parse_ra(text: str) -> float:
    """Right ascension in degrees, [0, 360)."""
    text = text.strip()
    if not text or len(text) > MAX_COORDINATE_LENGTH:
        raise InvalidCoordinate(f"ra must be 1 to {MAX_COORDINATE_LENGTH} characters")
    value = _plain_number(text)
    if value is None:
        value = _angle_degrees(text, default_unit="hourangle", what="ra")
    if not 0.0 <= value < 360.0:
        raise InvalidCoordinate(f"ra must be in [0, 360) degrees (or 0h … 24h), got {value:g}")
    return value


def parse_dec(text: str) -> float:
    """Declination in degrees, [-90, 90]."""
    text = text.strip()
    if not text or len(text) > MAX_COORDINATE_LENGTH:
        raise InvalidCoordinate(f"dec must be 1 to {MAX_COORDINATE_LENGTH} characters")
    value = _plain_number(text)
    if value is None:
        value = _angle_degrees(text, default_unit="deg", what="dec")
    if not -90.0 <= value <= 90.0:
        raise InvalidCoordinate(f"dec must be in [-90, 90] degrees, got {value:g}")
    return value
