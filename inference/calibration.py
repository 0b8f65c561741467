"""The ensemble's uncertainty: a 1-sigma error and a 68% interval around the median, calibrated on
held-out data, and the alarm threshold set by the same calibration.

``models/ensemble.json`` (written by ``python -m training evaluate``) holds the calibration of one
set of flavors:

    sigma = domain_scale · sqrt(base(median)² + (spread_coefficient · stdev)²)

``median`` is the median of the flavors' answers after the real-image correction: each flavor's
answer i becomes i + sin²i · (arccos(real_cos_scale · cos i) - i) (:meth:`Calibration.correct`),
one parameter fitted on real labelled images (``python -m training evaluate --real DIR
--fit-domain``). The networks learnt from synthetic galaxies and answer real ones too face-on; a
scale below 1 moves every answer toward edge-on, most in the middle of the range and not at all
at 0° or 90° (the sin²i weight keeps face-on answers reachable: arccos alone would put a floor of
arccos(scale) under every answer). 1 leaves the answers as the networks give them; above 1 the
form is neither smooth nor monotone, and is refused.

``base`` is a table over the predicted inclination (the error of an inclination depends on it:
face-on galaxies are poorly constrained), chosen so that 68% of the held-out synthetic
galaxies in each bin have |error| ≤ sigma; ``stdev`` is the flavors' disagreement on this image;
``domain_scale`` widens it for real images (fitted on real labelled photographs and reported
with cross-validated coverage). The interval is [median - sigma, median + sigma] clipped to
0-90°.

When only some of the calibrated flavors answer (others failed), the same formula is used and
the answer says ``calibrated: false``; without a calibration file, or with flavors it does not
know, sigma falls back to a deliberately wide ``sqrt(FALLBACK_SIGMA_DEG² + stdev²)``, also
``calibrated: false``.
"""

import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CALIBRATION_FILE = "ensemble.json"
FALLBACK_SIGMA_DEG = 10.0


def cos_scaled(degrees: npt.NDArray[np.float64], scale: float) -> npt.NDArray[np.float64]:
    """The real-image correction of inclinations i in degrees: i + sin²i · (arccos(scale · cos i)
    - i), kept in 0-90 (0° stays 0°, 90° stays 90°)."""
    i = np.asarray(degrees, np.float64)
    if scale == 1.0:
        return i
    moved = np.degrees(np.arccos(np.clip(scale * np.cos(np.radians(i)), 0.0, 1.0)))
    return np.clip(i + np.sin(np.radians(i)) ** 2 * (moved - i), 0.0, 90.0)


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flavors: list[str] = Field(description="The flavor set the calibration was fitted for.")
    bin_centres_deg: list[float] = Field(
        description="Predicted inclinations at which base sigma is tabulated (interpolated)."
    )
    base_sigma_deg: list[float]
    spread_coefficient: float = 1.0
    axial_ratio_coefficient: float = Field(
        0.0, ge=0.0,
        description="Widening by the classical second opinion: sigma grows with the distance "
                    "between the median and the image's axial-ratio inclination "
                    "(inference.axial_ratio) times this; fitted on real labelled images; 0 = "
                    "none.")
    domain_scale: float = Field(1.0, description="Widening for real images (fitted on real data).")
    real_cos_scale: float = Field(
        1.0, gt=0.0, le=1.0,
        description="Real-image correction: each flavor's answer i becomes i + sin²i · "
                    "(arccos(real_cos_scale · cos i) - i); fitted on real labelled images; "
                    "1 = none.")
    alarm_threshold_deg: float = Field(
        description="The flavors' spread (max - min) above which a human should look."
    )
    fitted_on: str = Field(description="What the calibration was fitted on, in words.")
    coverage: dict[str, float] = Field(
        default_factory=dict,
        description="Fraction of true values inside the 68% interval, by held-out data set.",
    )

    @model_validator(mode="after")
    def _table(self) -> "Calibration":
        if len(self.bin_centres_deg) != len(self.base_sigma_deg) or not self.bin_centres_deg:
            raise ValueError("bin_centres_deg and base_sigma_deg must be equally long, not empty")
        if list(self.bin_centres_deg) != sorted(self.bin_centres_deg):
            raise ValueError("bin_centres_deg must increase")
        return self

    def correct(self, degrees: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """The real-image correction of answers in degrees (0-90 stay in 0-90)."""
        return cos_scaled(degrees, self.real_cos_scale)

    def sigmas(self, median: npt.NDArray[np.float64], stdev: npt.NDArray[np.float64],
               axial: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """domain_scale · sqrt(base(median)² + (spread_coefficient · stdev)² +
        (axial_ratio_coefficient · departure)²), element by element; ``axial``: each image's
        axial-ratio inclination (:mod:`inference.axial_ratio`), NaN where it has none, and
        departure = |median - axial| (0 where NaN)."""
        base = np.interp(median, self.bin_centres_deg, self.base_sigma_deg)
        departure = np.where(np.isfinite(axial), np.abs(median - axial), 0.0)
        return self.domain_scale * np.sqrt(base**2 + (self.spread_coefficient * stdev) ** 2
                                           + (self.axial_ratio_coefficient * departure) ** 2)

    def sigma(self, median: float, stdev: float, axial: float | None = None) -> float:
        """:meth:`sigmas` of one galaxy (``axial`` None: no second opinion)."""
        return float(self.sigmas(np.array([median]), np.array([stdev]),
                                 np.array([math.nan if axial is None else axial]))[0])


class CalibrationError(Exception):
    """ensemble.json exists but cannot be used."""


def load_calibration(models_dir: Path) -> Calibration | None:
    path = Path(models_dir) / CALIBRATION_FILE
    if not path.is_file():
        return None
    try:
        return Calibration.model_validate_json(path.read_text())
    except (ValidationError, ValueError) as exc:
        raise CalibrationError(f"{path} is invalid: {exc}") from exc


def write_calibration(models_dir: Path, calibration: Calibration) -> None:
    target = Path(models_dir) / CALIBRATION_FILE
    tmp = target.with_suffix(".tmp")
    tmp.write_text(calibration.model_dump_json(indent=2) + "\n")
    tmp.replace(target)


def corrected(calibration: Calibration | None, flavor: str, degrees: npt.NDArray[np.float64]
              ) -> npt.NDArray[np.float64]:
    """One flavor's answers after the real-image correction of the calibration that knows it
    (a flavor the calibration was not fitted for is left as it answers)."""
    if calibration is None or flavor not in calibration.flavors:
        return np.asarray(degrees, np.float64)
    return calibration.correct(degrees)


def uncertainty(
    calibration: Calibration | None, answered: list[str], median: float, stdev: float,
    axial_ratio_deg: float | None = None,
) -> tuple[float, tuple[float, float], bool]:
    """(sigma, 68% interval, calibrated) for one galaxy answered by the flavors ``answered``,
    whose image's axial-ratio inclination is ``axial_ratio_deg`` (None: not measured)."""
    known = calibration is not None and set(answered) <= set(calibration.flavors)
    if calibration is not None and known:
        sigma = calibration.sigma(median, stdev, axial_ratio_deg)
    else:
        sigma = math.hypot(FALLBACK_SIGMA_DEG, stdev)
    calibrated = calibration is not None and sorted(answered) == sorted(calibration.flavors)
    low, high = max(0.0, median - sigma), min(90.0, median + sigma)
    return round(sigma, 4), (round(low, 4), round(high, 4)), calibrated
