"""Clients of the three services the gateway orchestrates, coded against
docs/service-contracts.md. Each wraps one pooled httpx client; failures come back as Problems
(``servicekit.http.call_upstream``): 4xx passed on, down → 503, slow → 504."""

from collections import Counter
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from gateway.schemas import (
    Alarm,
    ColorMode,
    FailedFlavor,
    FlavorValue,
    Framing,
    Galaxy,
    Inclination,
    Rejection,
)
from gateway.settings import Copies, Frame
from servicekit.http import call_upstream
from servicekit.npy import NPY_MEDIA_TYPE
from servicekit.problems import UpstreamUnavailable

COPIES_PER_IMAGE: dict[Copies, int] = {"none": 1, "rot4": 4, "d4": 8}


M = TypeVar("M", bound=BaseModel)


def _parse(model: type[M], name: str, data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise UpstreamUnavailable(f"the {name} service answered something unexpected") from exc


def _json(response: httpx.Response, name: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise UpstreamUnavailable(f"the {name} service answered something unexpected") from exc


class NearResult(BaseModel):
    model_config = ConfigDict(extra="ignore")

    galaxy: Galaxy
    separation_arcmin: float


class NearAnswer(BaseModel):
    model_config = ConfigDict(extra="ignore")

    results: list[NearResult]


@dataclass(frozen=True)
class Cutout:
    data: bytes
    media_type: str
    source_url: str | None
    sha256: str | None
    cache: str | None
    scale_arcsec: float | None
    pixels: int | None
    survey: str | None = None
    fov_arcmin: float | None = None


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class CatalogClient:
    name = "catalog"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def galaxy_by_pgc(self, pgc: int) -> Galaxy:
        response = await call_upstream(self.http, self.name, "GET", f"/galaxies/pgc/{pgc}")
        return _parse(Galaxy, self.name, _json(response, self.name))

    async def galaxy_by_name(self, name: str) -> Galaxy:
        response = await call_upstream(
            self.http, self.name, "GET", f"/galaxies/name/{quote(name, safe='')}"
        )
        return _parse(Galaxy, self.name, _json(response, self.name))

    async def near(self, ra: float, dec: float, radius_arcmin: float) -> list[NearResult]:
        response = await call_upstream(
            self.http,
            self.name,
            "GET",
            "/galaxies/near",
            params={"ra": ra, "dec": dec, "radius": radius_arcmin},
        )
        return _parse(NearAnswer, self.name, _json(response, self.name)).results

    async def cutout(self, params: dict[str, str | int | float]) -> Cutout:
        response = await call_upstream(self.http, self.name, "GET", "/cutouts", params=params)
        headers = response.headers
        pixels = _float(headers.get("X-Cutout-Pixels"))
        return Cutout(
            data=response.content,
            media_type=headers.get("content-type", "image/jpeg"),
            source_url=headers.get("X-Cutout-Source-URL"),
            sha256=headers.get("X-Cutout-SHA256"),
            cache=headers.get("X-Cutout-Cache"),
            scale_arcsec=_float(headers.get("X-Cutout-Scale-Arcsec")),
            pixels=int(pixels) if pixels is not None else None,
            survey=headers.get("X-Cutout-Survey"),
            fov_arcmin=_float(headers.get("X-Cutout-Fov-Arcmin")),
        )

    async def ready(self) -> None:
        await call_upstream(self.http, self.name, "GET", "/healthz", timeout=1.0)


@dataclass(frozen=True)
class Tensor:
    npy: bytes
    shape: str | None
    format: str | None
    width: int | None
    height: int | None
    sha256: str | None
    framing: Framing | None = None


def _numbers(value: str | None, count: int) -> list[float] | None:
    parts = (value or "").split(",")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    return numbers if len(numbers) == count else None


def framing_from_headers(headers: httpx.Headers) -> Framing | None:
    """The preprocessor's X-Framing-* headers (frame=auto), or None when absent or garbled."""
    applied = headers.get("X-Framing-Applied")
    square = _numbers(headers.get("X-Framing-Square"), 3)
    if applied not in ("true", "false") or square is None:
        return None
    galaxy = _numbers(headers.get("X-Framing-Galaxy"), 3)
    return Framing(
        mode="auto",
        applied=applied == "true",
        square_px=square,
        galaxy_px=galaxy,
        offset=_float(headers.get("X-Framing-Offset")),
        extent=_float(headers.get("X-Framing-Extent")),
        reason=headers.get("X-Framing-Reason"),
    )


class PreprocessorClient:
    name = "preprocessor"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def preprocess(
        self, image: bytes, mode: ColorMode, copies: Copies, frame: Frame = "as-is"
    ) -> Tensor:
        response = await call_upstream(
            self.http,
            self.name,
            "POST",
            "/preprocess",
            params={"mode": mode, "copies": copies, "frame": frame},
            content=image,
            headers={"Content-Type": "application/octet-stream"},
        )
        headers = response.headers
        width, height = _float(headers.get("X-Image-Width")), _float(headers.get("X-Image-Height"))
        return Tensor(
            npy=response.content,
            shape=headers.get("X-Tensor-Shape"),
            format=headers.get("X-Image-Format"),
            width=int(width) if width is not None else None,
            height=int(height) if height is not None else None,
            sha256=headers.get("X-Image-SHA256"),
            framing=framing_from_headers(headers) if frame == "auto" else None,
        )

    async def preview(self, image: bytes, mode: ColorMode, frame: Frame = "as-is") -> bytes:
        response = await call_upstream(
            self.http,
            self.name,
            "POST",
            "/preview",
            params={"mode": mode, "frame": frame},
            content=image,
            headers={"Content-Type": "application/octet-stream"},
        )
        return response.content

    async def ready(self) -> None:
        await call_upstream(self.http, self.name, "GET", "/healthz", timeout=1.0)


class FlavorManifest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    color_modes: list[ColorMode]


class FlavorStatus(BaseModel):
    model_config = ConfigDict(extra="ignore")

    name: str
    version: int
    status: str
    manifest: FlavorManifest | None = None


class ModelSet(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model_set_version: str
    backend: str | None = None
    flavors: list[FlavorStatus]

    def color_mode(self) -> ColorMode:
        """The mode every available flavor accepts, preferring the commonest native one."""
        manifests = [
            f.manifest for f in self.flavors if f.status == "available" and f.manifest is not None
        ]
        if not manifests:
            manifests = [f.manifest for f in self.flavors if f.manifest is not None]
        if not manifests or not all(m.color_modes for m in manifests):
            return "rgb"
        native = Counter(m.color_modes[0] for m in manifests)
        accepted_by_all = set.intersection(*(set(m.color_modes) for m in manifests))
        for mode, _ in native.most_common():
            if mode in accepted_by_all:
                return mode
        return native.most_common(1)[0][0]


class GalaxyPrediction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    inclination: Inclination
    flavors: list[FlavorValue]
    alarm: Alarm
    rejection: Rejection | None = None


class Prediction(BaseModel):
    model_config = ConfigDict(extra="ignore")

    model_set_version: str
    galaxies: list[GalaxyPrediction]
    failed_flavors: list[FailedFlavor] = []
    backend: str | None = None


class InferenceClient:
    name = "inference"

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.http = client

    async def models(self) -> ModelSet:
        response = await call_upstream(self.http, self.name, "GET", "/models")
        return _parse(ModelSet, self.name, _json(response, self.name))

    async def predict(self, npy: bytes, mode: ColorMode, copies: Copies) -> Prediction:
        response = await call_upstream(
            self.http,
            self.name,
            "POST",
            "/predict",
            params={"mode": mode, "copies_per_galaxy": COPIES_PER_IMAGE[copies]},
            content=npy,
            headers={"Content-Type": NPY_MEDIA_TYPE},
        )
        prediction = _parse(Prediction, self.name, _json(response, self.name))
        if len(prediction.galaxies) != 1:
            raise UpstreamUnavailable(
                "the inference service answered for the wrong number of images"
            )
        return prediction

    async def ready(self) -> None:
        await call_upstream(self.http, self.name, "GET", "/healthz", timeout=1.0)
