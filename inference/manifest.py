"""The flavor manifest: everything the services know about a model, written by training/ beside
each flavor (``models/<flavor>/manifest.json``) and read by the inference service.

Nothing about a model is hard-coded in service code; it is all here.
"""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ColorMode = Literal["rgb", "gray"]
Task = Literal["inclination", "classify"]


class InputSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signature: str = "serving_default"
    key: str = Field("image", description="Input tensor name in the serving signature.")
    shape: tuple[int, int, int] = Field(
        (128, 128, 3), description="(height, width, channels) of one image."
    )
    dtype: Literal["float32"] = "float32"
    scaling: Literal["unit"] = Field(
        "unit",
        description="'unit': pixel values in [0, 1], 0 black, as preprocessor.imaging produces.",
    )


class OutputSpec(BaseModel):
    """Degrees = offset_deg + scale_deg * raw, then clipped to [min_deg, max_deg]."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field("inclination", description="Output tensor name in the serving signature.")
    activation: Literal["tanh", "linear", "sigmoid", "softmax"] = "tanh"
    scale_deg: float = 45.0
    offset_deg: float = 45.0
    min_deg: float = 0.0
    max_deg: float = 90.0

    def to_degrees(self, raw: float) -> float:
        return self.offset_deg + self.scale_deg * raw


class TrainingInfo(BaseModel):
    model_config = ConfigDict(extra="allow")

    data: str = Field(description="What the flavor was trained on, in words (synthetic or real).")
    images: int = 0
    bootstrap_fraction: float = 1.0
    seed: int = 0
    epochs: int = 0


class ClassifierSpec(BaseModel):
    """What a ``task: classify`` flavor's output means: one probability per class, in order, and
    the rejection threshold chosen on synthetic validation data."""

    model_config = ConfigDict(extra="forbid")

    classes: list[str] = Field(min_length=2, description="Output order of the probabilities.")
    accept: list[str] = Field(
        default=["disk"], min_length=1,
        description="Classes that are measurable disk galaxies; the rejection likelihood is one "
        "minus the sum of their probabilities.",
    )
    threshold: float = Field(
        ge=0.0, le=1.0, description="Reject when the likelihood is at or above this value."
    )
    threshold_rule: str = Field("", description="How the threshold was chosen, in words.")

    @model_validator(mode="after")
    def _accept_in_classes(self) -> "ClassifierSpec":
        unknown = [c for c in self.accept if c not in self.classes]
        if unknown:
            raise ValueError(f"accept names classes not in classes: {unknown}")
        return self


class Manifest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task: Task = Field(
        "inclination",
        description="'inclination': a flavor of the inclination ensemble (the default, for "
        "manifests written before there were classifiers); 'classify': a rejection classifier.",
    )
    name: str
    version: int
    architecture: str
    color_modes: list[ColorMode] = Field(
        description="Colour modes of the input the flavor accepts; the first is its native one."
    )
    input: InputSpec
    output: OutputSpec
    training: TrainingInfo
    metrics: dict[str, float] = Field(
        default_factory=dict, description="Held-out test-set figures, with the set named in keys."
    )
    alarm_threshold_deg: float = Field(
        10.0, description="Spread (max - min over flavors) above which the alarm is raised."
    )

    classifier: ClassifierSpec | None = Field(
        None, description="Only for task 'classify': the classes and the rejection threshold."
    )

    @model_validator(mode="after")
    def _classifier_matches_task(self) -> "Manifest":
        if (self.task == "classify") != (self.classifier is not None):
            raise ValueError("a 'classify' manifest needs 'classifier'; others must not have it")
        return self

    @property
    def color_mode(self) -> ColorMode:
        return self.color_modes[0]


MANIFEST_FILE = "manifest.json"


def load_manifest(flavor_dir: Path) -> Manifest:
    return Manifest.model_validate_json((flavor_dir / MANIFEST_FILE).read_text())


def write_manifest(flavor_dir: Path, manifest: Manifest) -> None:
    tmp = flavor_dir / (MANIFEST_FILE + ".tmp")
    tmp.write_text(manifest.model_dump_json(indent=2) + "\n")
    tmp.replace(flavor_dir / MANIFEST_FILE)
