"""The protocol-neutral galaxy record and the catalog answers derived from it."""

import math
from dataclasses import dataclass
from typing import Literal

Source = Literal["openngc", "user_table", "hyperleda"]

# Intrinsic axial ratio of an edge-on disk (Hubble 1926; q0 = 0.2 is the common choice).
INTRINSIC_AXIAL_RATIO = 0.2

# de Vaucouleurs numerical type T → Hubble type, as HyperLEDA's ``t`` column uses it.
_T_TYPES = {
    -6: "cE", -5: "E", -4: "E-S0", -3: "S0-", -2: "S0", -1: "S0+", 0: "S0/a", 1: "Sa", 2: "Sab",
    3: "Sb", 4: "Sbc", 5: "Sc", 6: "Scd", 7: "Sd", 8: "Sdm", 9: "Sm", 10: "Im",
}  # fmt: skip


def hubble_type_from_t(t: float) -> str | None:
    """``t`` rounded to the nearest integer class; None outside -6 … 10."""
    if not math.isfinite(t):
        return None
    return _T_TYPES.get(round(t))


def leda_axes(log_d25: float | None, log_r25: float | None) -> tuple[float | None, float | None]:
    """(major, minor) in arcmin from HyperLEDA's log D25 (0.1 arcmin) and log R25 (major/minor);
    no minor axis without a major one, nor without an axis ratio."""
    major = 0.1 * 10.0**log_d25 if log_d25 is not None else None
    minor = major / 10.0**log_r25 if major is not None and log_r25 is not None else None
    return major, minor


def axial_ratio_inclination(
    axial_ratio: float | None, q0: float = INTRINSIC_AXIAL_RATIO
) -> float | None:
    """Inclination in degrees from b/a for an oblate disk of intrinsic ratio q0.

    cos²i = (q² - q0²) / (1 - q0²); q ≤ q0 gives 90°, q ≥ 1 gives 0°.
    """
    if axial_ratio is None or not math.isfinite(axial_ratio) or axial_ratio <= 0:
        return None
    q = min(axial_ratio, 1.0)
    if q <= q0:
        return 90.0
    cos2 = (q * q - q0 * q0) / (1.0 - q0 * q0)
    return math.degrees(math.acos(math.sqrt(cos2)))


@dataclass(frozen=True, slots=True)
class Galaxy:
    pgc: int
    names: tuple[str, ...]
    ra: float  # degrees, J2000
    dec: float  # degrees, J2000
    major_axis_arcmin: float | None
    minor_axis_arcmin: float | None
    position_angle_deg: float | None
    hubble_type: str | None
    source: Source

    @property
    def axial_ratio(self) -> float | None:
        major, minor = self.major_axis_arcmin, self.minor_axis_arcmin
        if major is None or minor is None or major <= 0 or minor <= 0:
            return None
        return min(minor / major, 1.0)

    @property
    def axial_ratio_inclination_deg(self) -> float | None:
        return axial_ratio_inclination(self.axial_ratio)


@dataclass(frozen=True, slots=True)
class Neighbour:
    galaxy: Galaxy
    separation_arcmin: float
