"""Response schemas of the inference service (the JSON of docs/service-contracts.md)."""

from typing import Any, Literal

from pydantic import BaseModel, Field

from inference.calibration import Calibration
from inference.ensemble import EnsembleResult
from inference.manifest import Manifest
from inference.rejection import Rejection

EXAMPLE_PREDICTION: dict[str, Any] = {
    "model_set_version": "3f2a9c1e0b7d",
    "galaxies": [
        {
            "inclination": {
                "median": 61.2,
                "mean": 60.8,
                "stdev": 1.4,
                "min": 59.0,
                "max": 62.5,
                "sigma": 4.1,
                "interval": [57.1, 65.3],
                "calibrated": True,
                "axial_ratio_deg": 58.3,
                "axial_ratio_departs": False,
                "unit": "deg",
            },
            "flavors": [
                {"name": "res128-30", "version": 1, "inclination_deg": 61.2, "clipped": False}
            ],
            "alarm": {"raised": False, "spread_deg": 3.5, "threshold_deg": 8.0},
            "rejection": {
                "likelihood": 0.03,
                "verdict": "accept",
                "threshold": 0.606,
                "classes": {"disk": 0.97, "spheroid": 0.02, "cluster": 0.0, "nebula": 0.0,
                            "irregular": 0.01, "artefact": 0.0, "blank": 0.0},
                "classifiers": ["reject-p"],
            },
        }
    ],
    "failed_flavors": [{"name": "vgg3-v16", "reason": "deadline exceeded"}],
    "backend": "embedded",
}


class Inclination(BaseModel):
    median: float = Field(description="The answer: the median over the flavors, degrees.")
    mean: float
    stdev: float = Field(description="Sample standard deviation over the flavors (0 with one).")
    min: float
    max: float
    sigma: float = Field(
        description="1-sigma error of the median, degrees: calibrated so that about 68% of true "
        "values lie within it on held-out data (see the models' ensemble.json)."
    )
    interval: tuple[float, float] = Field(
        description="68% interval [median - sigma, median + sigma] clipped to 0-90, degrees."
    )
    calibrated: bool = Field(
        description="False when sigma comes from the wide fallback or from a partial flavor set."
    )
    axial_ratio_deg: float | None = Field(
        None,
        description="A classical second opinion: the inclination from the axial ratio of the "
        "image's central isophote (its second moments, q0 = 0.2), degrees; null when no region "
        "stands out. Sigma widens by its distance from the median times ensemble.json's "
        "axial_ratio_coefficient (0: no widening).",
    )
    axial_ratio_departs: bool = Field(
        False,
        description="The second opinion lies 10° or more from the median: a doubtful answer "
        "(on real labelled sets such answers err 1.4-3.4 times as much); look at the galaxy.",
    )
    unit: Literal["deg"] = "deg"


class FlavorInclination(BaseModel):
    name: str
    version: int
    inclination_deg: float = Field(
        description="This flavor's value: the median over the galaxy's test-time copies, clipped "
        "to the manifest's physical range, after the real-image correction of the calibration "
        "(models/ensemble.json real_cos_scale; none for a flavor it was not fitted for)."
    )
    clipped: bool = Field(description="True when the value was outside the range and clipped.")


class AlarmState(BaseModel):
    raised: bool = Field(description="The flavors disagree by more than the threshold.")
    spread_deg: float = Field(description="max - min over the flavors.")
    threshold_deg: float


class RejectionVerdict(BaseModel):
    likelihood: float = Field(
        ge=0.0, le=1.0,
        description="Probability that the image is not a measurable disk galaxy: one minus the "
        "accepted classes' probability, averaged over copies and classifiers.",
    )
    verdict: Literal["accept", "reject"] = Field(
        description="'reject' when the likelihood is at or above the threshold."
    )
    threshold: float = Field(description="Chosen on synthetic validation data (manifests).")
    classes: dict[str, float] = Field(description="Probability of each class.")
    classifiers: list[str] = Field(description="The classifier flavors that answered.")


class GalaxyPrediction(BaseModel):
    inclination: Inclination
    flavors: list[FlavorInclination]
    alarm: AlarmState
    rejection: RejectionVerdict | None = Field(
        None, description="Null when no rejection classifier is registered or none answered."
    )


class FailedFlavor(BaseModel):
    name: str
    reason: str


class PredictResponse(BaseModel):
    model_config = {"json_schema_extra": {"examples": [EXAMPLE_PREDICTION]}}

    model_set_version: str = Field(description="Changes whenever any flavor or manifest does.")
    galaxies: list[GalaxyPrediction] = Field(description="One per galaxy, in request order.")
    failed_flavors: list[FailedFlavor] = Field(
        description="Flavors left out of this answer (errors, deadline, unavailable)."
    )
    backend: Literal["embedded", "tfserving"]

    @classmethod
    def from_result(
        cls, result: EnsembleResult, rejections: list[Rejection] | None = None
    ) -> "PredictResponse":
        response = cls.model_validate(
            {
                "model_set_version": result.model_set_version,
                "backend": result.backend,
                "failed_flavors": [vars(f) for f in result.failed_flavors],
                "galaxies": [
                    {
                        "inclination": vars(g.inclination),
                        "flavors": [vars(v) for v in g.flavors],
                        "alarm": vars(g.alarm),
                    }
                    for g in result.galaxies
                ],
            }
        )
        if rejections is not None:
            for galaxy, rejection in zip(response.galaxies, rejections, strict=True):
                galaxy.rejection = RejectionVerdict.model_validate(vars(rejection))
        return response


class FlavorEntry(BaseModel):
    name: str
    version: int = Field(description="The version served; 0 when no version is usable.")
    status: Literal["available", "unavailable"]
    reason: str | None = Field(None, description="Why the flavor is unavailable.")
    manifest: Manifest | None = Field(description="Null only when the manifest cannot be read.")


class ModelsResponse(BaseModel):
    model_set_version: str
    backend: Literal["embedded", "tfserving"]
    quorum: int = Field(description="Flavors that must answer a request (of those registered).")
    flavors: list[FlavorEntry]
    calibration: Calibration | None = Field(
        None, description="The ensemble's uncertainty calibration (models/ensemble.json), if any."
    )
    classifiers: list[FlavorEntry] = Field(
        default_factory=list,
        description="The rejection classifiers (manifests with task 'classify'), served beside "
        "the inclination flavors; not counted in the quorum.",
    )
