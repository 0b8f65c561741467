"""The public response and request schemas of the gateway (what users and scripts see)."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from gateway.coordinates import parse_dec, parse_ra
from gateway.settings import Copies

ColorMode = Literal["rgb", "gray"]
# Where a cutout comes from: "auto" takes SDSS, Legacy Surveys, Pan-STARRS1, DSS2 in turn.
Survey = Literal["auto", "sdss", "legacy", "panstarrs", "dss"]


class Galaxy(BaseModel):
    """A catalog galaxy, as the catalog service describes it."""

    model_config = ConfigDict(extra="ignore")

    pgc: int | None = None
    names: list[str] = Field(default_factory=list)
    ra: float = Field(description="Right ascension, degrees (J2000).")
    dec: float = Field(description="Declination, degrees (J2000).")
    major_axis_arcmin: float | None = None
    minor_axis_arcmin: float | None = None
    position_angle_deg: float | None = None
    hubble_type: str | None = None
    axial_ratio: float | None = None
    axial_ratio_inclination_deg: float | None = Field(
        None, description="Inclination from the catalog's axial ratio, for comparison."
    )
    source: str | None = Field(default=None, description="openngc, user_table or hyperleda")
    separation_arcmin: float | None = Field(
        None, description="Distance from the queried position (coordinate queries only)."
    )


class Inclination(BaseModel):
    median: float = Field(description="The answer: median over the flavors (their answers after "
                          "the real-image correction), degrees.")
    mean: float
    stdev: float = Field(description="The flavors' standard deviation: their disagreement only.")
    min: float | None = None
    max: float | None = None
    sigma: float = Field(
        description="1-sigma error of the median, degrees, calibrated so that about 68% of true "
        "values lie within it on held-out data. Use this, not stdev, as the uncertainty."
    )
    interval: tuple[float, float] = Field(
        description="68% interval [median - sigma, median + sigma] clipped to 0-90, degrees."
    )
    calibrated: bool = Field(
        description="False when sigma is the wide fallback (no calibration for these flavors) "
        "or some flavors failed."
    )
    axial_ratio_deg: float | None = Field(
        None,
        description="A classical second opinion: the inclination from the axial ratio of the "
        "measured image's central isophote (q0 = 0.2), degrees; null when no region stands "
        "out.",
    )
    axial_ratio_departs: bool = Field(
        False,
        description="The second opinion lies 10° or more from the median: a doubtful answer "
        "(on real labelled sets such answers err 1.4-3.4 times as much); look at the galaxy.",
    )
    unit: Literal["deg"] = "deg"


class FlavorValue(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    version: int
    inclination_deg: float
    clipped: bool = False


class FailedFlavor(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    reason: str


class Alarm(BaseModel):
    raised: bool = Field(description="The flavors disagree: a human should look at this galaxy.")
    spread_deg: float
    threshold_deg: float


class Rejection(BaseModel):
    """Whether the image is a measurable disk galaxy at all, from the rejection classifiers."""

    model_config = ConfigDict(extra="ignore")

    likelihood: float = Field(
        description="Probability (0-1) that the image is not a measurable disk galaxy."
    )
    verdict: Literal["accept", "reject"] = Field(
        description="'reject': the inclination beside it is probably meaningless."
    )
    threshold: float = Field(description="Likelihood at or above which the verdict is 'reject'.")
    classes: dict[str, float] = Field(
        default_factory=dict, description="Probability of each class the classifiers know."
    )


class Framing(BaseModel):
    """How an upload was framed before it was measured (``frame=auto``)."""

    mode: Literal["auto"] = Field(default="auto", description="The framing asked for.")
    applied: bool = Field(
        description="True when the galaxy was found off centre and a square around it was "
        "measured instead of the whole image."
    )
    square_px: list[float] = Field(
        description="The square measured, [left, top, side] in the image's pixels (it may run "
        "past the image's edges, where the sky level fills it).",
        min_length=3,
        max_length=3,
    )
    galaxy_px: list[float] | None = Field(
        default=None,
        description="Where the galaxy was found, [x, y, diameter] in the image's pixels; null "
        "when no source stood out from the sky.",
    )
    offset: float | None = Field(
        default=None, description="Its centre's distance from the middle, in frame sides."
    )
    extent: float | None = Field(
        default=None, description="Its field of 1.5 diameters, in frame sides."
    )
    reason: str | None = Field(default=None, description="Why it was (or was not) reframed.")


class ImageProvenance(BaseModel):
    source: Literal["sdss", "legacy", "panstarrs", "dss", "upload"] = Field(
        description="The survey the cutout came from, or upload."
    )
    url: str | None = Field(default=None, description="Where the cutout came from.")
    sha256: str | None = Field(
        default=None, description="sha256 of the image bytes the network saw."
    )
    filename: str | None = None
    scale_arcsec: float | None = Field(default=None, description="Cutout scale, arcsec per pixel.")
    pixels: int | None = Field(default=None, description="Side of the cutout, pixels.")
    fov_arcmin: float | None = Field(default=None, description="Side of the cutout, arcmin.")
    format: str | None = None
    width: int | None = None
    height: int | None = None
    cutout: str | None = Field(default=None, description="Gateway link to the cutout image.")
    preview: str | None = Field(
        default=None, description="Gateway link to the 128x128 network input."
    )
    framing: Framing | None = Field(
        default=None,
        description="Uploads measured with frame=auto: where the galaxy was found and what "
        "was measured; null for catalog cutouts (centred on the galaxy already) and frame=as-is.",
    )


class Options(BaseModel):
    mode: ColorMode = Field(description="Colour mode the flavors' manifests ask for.")
    copies: Copies = Field(description="Test-time copies of the image averaged by each flavor.")


class InclinationResult(BaseModel):
    query: dict[str, Any] = Field(description="The query as the gateway understood it.")
    galaxy: Galaxy | None = None
    inclination: Inclination
    flavors: list[FlavorValue]
    failed_flavors: list[FailedFlavor] = Field(default_factory=list)
    alarm: Alarm
    rejection: Rejection | None = Field(
        default=None,
        description="Absent (null) when the inference service has no rejection classifier.",
    )
    image: ImageProvenance
    model_set_version: str
    options: Options
    cached: bool = Field(description="Served from the cache rather than computed now.")


# The smallest field of view asked of SDSS: below a few arcsec a cutout shows nothing, and a
# field far smaller rounds SkyServer's scale to zero (which it refuses).
MIN_FOV_ARCMIN = 0.1

EXAMPLE_RESULT: dict[str, Any] = {
    "query": {"pgc": 2557},
    "galaxy": {
        "pgc": 2557,
        "names": ["NGC 224", "M 31", "UGC 454", "PGC 2557", "Andromeda"],
        "ra": 10.6847,
        "dec": 41.269,
        "major_axis_arcmin": 177.8,
        "minor_axis_arcmin": 69.7,
        "position_angle_deg": 35.0,
        "hubble_type": "Sb",
        "axial_ratio": 0.39,
        "axial_ratio_inclination_deg": 72.3,
        "source": "openngc",
        "separation_arcmin": None,
    },
    "inclination": {
        "median": 71.4,
        "mean": 70.9,
        "stdev": 1.6,
        "min": 68.8,
        "max": 72.5,
        "sigma": 4.6,
        "interval": [66.8, 76.0],
        "calibrated": True,
        "axial_ratio_deg": 69.5,
        "axial_ratio_departs": False,
        "unit": "deg",
    },
    "flavors": [
        {"name": "res128-30", "version": 1, "inclination_deg": 71.4, "clipped": False},
        {"name": "res128-31", "version": 1, "inclination_deg": 72.5, "clipped": False},
        {"name": "vgg3-v16", "version": 1, "inclination_deg": 68.8, "clipped": False},
    ],
    "failed_flavors": [],
    "alarm": {"raised": False, "spread_deg": 3.7, "threshold_deg": 10.0},
    "rejection": {
        "likelihood": 0.02,
        "verdict": "accept",
        "threshold": 0.606,
        "classes": {"disk": 0.98, "spheroid": 0.01, "cluster": 0.0, "nebula": 0.0,
                    "irregular": 0.01, "artefact": 0.0, "blank": 0.0},
    },
    "image": {
        "source": "sdss",
        "url": "https://skyserver.sdss.org/dr16/SkyServerWS/ImgCutout/getjpeg?ra=10.6847&dec=41.269&scale=7.8&width=2048&height=2048",
        "sha256": "9b74c9897bac770ffc029102a200c5de2a5e2f1c7b14c6a1d9b0e0e6d6f1c0a1",
        "scale_arcsec": 7.8,
        "pixels": 2048,
        "format": "JPEG",
        "cutout": "/api/cutout?pgc=2557",
        "preview": "/api/preview?pgc=2557",
    },
    "model_set_version": "3f2a9c1e0b7d",
    "options": {"mode": "rgb", "copies": "rot4"},
    "cached": False,
}


class BatchItem(BaseModel):
    """One galaxy of a batch: a PGC number, a name, or coordinates (with radius or fov); ra and
    dec in decimal degrees or sexagesimal strings (``12h30m49s``, ``12:30:49``, ``+12d23m28s``)."""

    model_config = ConfigDict(extra="forbid")

    pgc: int | None = Field(default=None, ge=1, le=99_999_999)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    ra: float | None = Field(default=None, ge=0.0, lt=360.0)
    dec: float | None = Field(default=None, ge=-90.0, le=90.0)
    radius: float | None = Field(default=None, gt=0.0, le=600.0)
    fov: float | None = Field(default=None, ge=MIN_FOV_ARCMIN, le=600.0)
    survey: Survey | None = None

    @field_validator("ra", mode="before")
    @classmethod
    def _ra_any_form(cls, value: Any) -> Any:
        return parse_ra(value) if isinstance(value, str) else value

    @field_validator("dec", mode="before")
    @classmethod
    def _dec_any_form(cls, value: Any) -> Any:
        return parse_dec(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _one_kind(self) -> "BatchItem":
        kinds = [self.pgc is not None, self.name is not None, self.ra is not None]
        if sum(kinds) != 1:
            raise ValueError("give exactly one of pgc, name, or ra+dec")
        if (self.ra is None) != (self.dec is None):
            raise ValueError("ra and dec go together")
        if self.ra is None and (self.radius is not None or self.fov is not None):
            raise ValueError("radius and fov apply to coordinates only")
        return self


class BatchLine(BaseModel):
    """One NDJSON line of a batch answer: the result, or the problem for that item."""

    index: int
    status: int
    query: dict[str, Any]
    result: InclinationResult | None = None
    problem: dict[str, Any] | None = None
