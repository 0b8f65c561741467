"""A survey's JPEG cutout service over HTTP: the geometry of a cutout, time-outs, one retry on 5xx
or a refused connection, and the health of the last fetch. SkyServer (``catalog.skyserver``) and
the other surveys (``catalog.surveys``) differ only in their URL and footprint."""

import asyncio
import time
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from catalog.problems import (
    SurveyBadAnswer,
    SurveyDown,
    SurveySlow,
)
from servicekit.logging import get_logger
from servicekit.problems import Problem

log = get_logger("catalog.surveys")

JPEG_MAGIC = b"\xff\xd8\xff"
MAX_SIDE = 2048
MIN_SIDE = 64

SurveyName = Literal["sdss", "legacy", "panstarrs", "dss"]
SURVEYS: tuple[SurveyName, ...] = ("sdss", "legacy", "panstarrs", "dss")
Health = Literal["ok", "degraded"]


@dataclass(frozen=True, slots=True)
class CutoutGeometry:
    """A square cutout: centre (degrees), pixel scale (arcsec per pixel) and side (pixels)."""

    ra: float
    dec: float
    scale_arcsec: float
    pixels: int

    @classmethod
    def for_field(
        cls, ra: float, dec: float, fov_arcmin: float, native_scale: float
    ) -> "CutoutGeometry":
        """The native scale when the side fits in 64…2048 px, else the scale that makes it fit."""
        fov_arcsec = fov_arcmin * 60.0
        pixels = min(max(round(fov_arcsec / native_scale), MIN_SIDE), MAX_SIDE)
        scale = round(fov_arcsec / pixels, 6)
        return cls(round(ra % 360.0, 6), round(dec, 6), scale, pixels)

    @property
    def fov_arcmin(self) -> float:
        return self.pixels * self.scale_arcsec / 60.0


class JpegService:
    """One survey's cutout service. Subclasses set the names and build ``url``."""

    name: SurveyName
    survey_label: str  # the survey, in messages: "SDSS"
    service_label: str  # the service that answers: "SDSS SkyServer"
    native_scale_arcsec: float
    down: type[Problem] = SurveyDown
    slow: type[Problem] = SurveySlow
    bad_answer: type[Problem] = SurveyBadAnswer

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        endpoint: str,
        timeout_s: float,
        retry_backoff_s: float,
        dec_min: float = -90.0,
        dec_max: float = 90.0,
    ) -> None:
        self._client = client
        self.endpoint = endpoint
        self._timeout_s = timeout_s
        self._retry_backoff_s = retry_backoff_s
        self.dec_min = dec_min
        self.dec_max = dec_max
        self._last: tuple[Health, str, float] | None = None

    def covers(self, ra: float, dec: float) -> bool:
        """Whether the survey may have an image here (its declination limits); within them,
        a blank answer still says "outside the footprint"."""
        return self.dec_min <= dec <= self.dec_max

    def url(self, geometry: CutoutGeometry) -> str:
        raise NotImplementedError

    def _extra(self) -> dict[str, Any]:
        return {"survey": self.name}

    def health(self) -> tuple[Health, str]:
        """From the last fetch (readiness never calls the survey itself)."""
        if self._last is None:
            return "ok", f"{self.endpoint} not contacted yet"
        status, detail, when = self._last
        return status, f"{detail} ({time.time() - when:.0f} s ago)"

    def _record(self, status: Health, detail: str) -> None:
        self._last = (status, detail, time.time())

    async def _attempt(self, url: str) -> httpx.Response:
        try:
            async with asyncio.timeout(self._timeout_s):
                return await self._client.get(url)
        except (TimeoutError, httpx.TimeoutException) as exc:
            self._record("degraded", "last cutout request timed out")
            raise self.slow(
                f"{self.service_label} did not answer within {self._timeout_s:g} s; "
                "try again later",
                **self._extra(),
            ) from exc

    async def fetch(self, url: str) -> bytes:
        """The JPEG at ``url``; 5xx and refused connections are retried once."""
        for attempt in (1, 2):
            try:
                response = await self._attempt(url)
            except httpx.TransportError as exc:
                reason = f"cannot be reached ({type(exc).__name__})"
            else:
                if response.is_success:
                    return self._jpeg(response)
                if response.status_code < 500:
                    self._record(
                        "degraded", f"last cutout request refused: HTTP {response.status_code}"
                    )
                    raise self.bad_answer(
                        f"{self.service_label} refused the cutout with HTTP {response.status_code}",
                        **self._extra(),
                    )
                reason = f"answered HTTP {response.status_code}"
            log.warning(
                "survey failed", extra={"survey": self.name, "attempt": attempt, "reason": reason}
            )
            if attempt == 1:
                await asyncio.sleep(self._retry_backoff_s)
        self._record("degraded", f"last cutout request failed: {reason}")
        raise self.down(
            f"{self.service_label} {reason} (tried twice); try again later", **self._extra()
        )

    def _jpeg(self, response: httpx.Response) -> bytes:
        data = response.content
        if not data.startswith(JPEG_MAGIC):
            self._record("degraded", "last cutout answer was not a JPEG")
            kind = response.headers.get("content-type", "unknown")
            raise self.bad_answer(
                f"{self.service_label} answered {kind}, not a JPEG image", **self._extra()
            )
        self._record("ok", "last cutout request succeeded")
        return data
