"""The ensemble's uncertainty: a 1-sigma error and a 68% interval around the median, calibrated on
held-out data, and the alarm threshold set by the same calibration.

``models/ensemble.json`` (written by ``python -m training evaluate``) holds the calibration of one
set of flavors:

    sigma = domain_scale · sqrt(base(median)² + (spread_coefficient · stdev)²)

``base`` is a table over the predicted inclination (the error of an inclination depends on it:
face-on galaxies are poorly constrained), chosen so that 68% of the held-out synthetic
galaxies in each bin have |error| ≤ sigma; ``stdev`` is the flavors' disagreement on this image;
``domain_scale`` widens it for real images (fitted on the real development set and reported
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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

CALIBRATION_FILE = "ensemble.json"
FALLBACK_SIGMA_DEG = 10.0


class Calibration(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flavors: list[str] = Field(description="The flavor set the calibration was fitted for.")
    bin_centres_deg: list[float] = Field(
        description="Predicted inclinations at which base sigma is tabulated (interpolated)."
    )
    base_sigma_deg: list[float]
    spread_coefficient: float = 1.0
    domain_scale: float = Field(1.0, description="Widening for real images (fitted on real data).")
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

    def sigma(self, median: float, stdev: float) -> float:
        base = float(np.interp(median, self.bin_centres_deg, self.base_sigma_deg))
        return self.domain_scale * math.hypot(base, self.spread_coefficient * stdev)


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


def uncertainty(
    calibration: Calibration | None, answered: list[str], median: float, stdev: float
) -> tuple[float, tuple[float, float], bool]:
    """(sigma, 68% interval, calibrated) for one galaxy answered by the flavors ``answered``."""
    known = calibration is not None and set(answered) <= set(calibration.flavors)
    if calibration is not None and known:
        sigma = calibration.sigma(median, stdev)
    else:
        sigma = math.hypot(FALLBACK_SIGMA_DEG, stdev)
    calibrated = calibration is not None and sorted(answered) == sorted(calibration.flavors)
    low, high = max(0.0, median - sigma), min(90.0, median + sigma)
    return round(sigma, 4), (round(low, 4), round(high, 4)), calibrated
