"""Sky positions as astronomers write them: decimal degrees, or any form astropy's ``Angle``
(SkyCoord's parser) reads — ``12h30m49.4s``, ``187.7d``, ``+12d23m28s`` — and bare sexagesimal
``12:30:49.4`` / ``12 30 49.4``, read as hours for a right ascension and degrees for a
declination, the astronomers' convention."""

import math
import warnings

import astropy.units as u
from astropy.coordinates import Angle
from astropy.units import UnitBase, UnitsError
from astropy.utils.exceptions import AstropyWarning

RA_FORMS = "decimal degrees, 12h30m49.4s or 12:30:49.4 (hours)"
DEC_FORMS = "decimal degrees, +12d23m28s or +12:23:28"


def _degrees(value: object, default_unit: UnitBase, what: str, forms: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a {what}: give {forms}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        try:
            number = float(text)
        except ValueError:
            try:
                with warnings.catch_warnings():
                    # 12:60:00 is read as 13:00:00 with a warning: a typo, refused.
                    warnings.simplefilter("error", AstropyWarning)
                    try:
                        angle = Angle(text)
                    except UnitsError:  # no unit in the text: the convention for this coordinate
                        angle = Angle(text, unit=default_unit)
            except (ValueError, TypeError, AstropyWarning) as exc:
                raise ValueError(f"cannot read {text!r} as a {what}: give {forms}") from exc
            number = float(angle.to_value(u.deg))
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a {what}: give {forms}")
    return number


def parse_ra(value: object) -> float:
    """Right ascension in degrees (not range-checked: the schema says 0 ≤ ra < 360)."""
    return _degrees(value, u.hourangle, "right ascension", RA_FORMS)


def parse_dec(value: object) -> float:
    """Declination in degrees (not range-checked: the schema says -90 ≤ dec ≤ 90)."""
    return _degrees(value, u.deg, "declination", DEC_FORMS)


def check_position(ra: float, dec: float) -> None:
    if not 0.0 <= ra < 360.0:
        raise ValueError(f"the right ascension must be in [0, 360) degrees, not {ra:g}")
    if not -90.0 <= dec <= 90.0:
        raise ValueError(f"the declination must be in [-90, 90] degrees, not {dec:g}")
