"""SDSS SkyServer ImgCutout ``getjpeg``: URL from parsed numbers, time-outs, one retry on 5xx."""

import asyncio
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlencode

import httpx

from catalog.problems import SkyServerBadAnswer, SkyServerDown, SkyServerSlow
from servicekit.logging import get_logger

log = get_logger("catalog.skyserver")

GETJPEG_PATH = "SkyServerWS/ImgCutout/getjpeg"
JPEG_MAGIC = b"\xff\xd8\xff"
MAX_SIDE = 2048
MIN_SIDE = 64


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

    def query(self) -> dict[str, str]:
        return {
            "ra": f"{self.ra:.6f}",
            "dec": f"{self.dec:.6f}",
            "scale": f"{self.scale_arcsec:.6f}",
            "width": str(self.pixels),
            "height": str(self.pixels),
        }


Health = Literal["ok", "degraded"]


class SkyServer:
    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        data_release: str,
        timeout_s: float,
        retry_backoff_s: float,
    ) -> None:
        self._client = client
        self.endpoint = f"{base_url.rstrip('/')}/{data_release.lower()}/{GETJPEG_PATH}"
        self._timeout_s = timeout_s
        self._retry_backoff_s = retry_backoff_s
        self._last: tuple[Health, str, float] | None = None

    def url(self, geometry: CutoutGeometry) -> str:
        return f"{self.endpoint}?{urlencode(geometry.query())}"

    def health(self) -> tuple[Health, str]:
        """From the last fetch (readiness never calls SDSS itself)."""
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
            raise SkyServerSlow(
                f"SDSS SkyServer did not answer within {self._timeout_s:g} s; try again later"
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
                    raise SkyServerBadAnswer(
                        f"SDSS SkyServer refused the cutout with HTTP {response.status_code}"
                    )
                reason = f"answered HTTP {response.status_code}"
            log.warning("skyserver failed", extra={"attempt": attempt, "reason": reason})
            if attempt == 1:
                await asyncio.sleep(self._retry_backoff_s)
        self._record("degraded", f"last cutout request failed: {reason}")
        raise SkyServerDown(f"SDSS SkyServer {reason} (tried twice); try again later")

    def _jpeg(self, response: httpx.Response) -> bytes:
        data = response.content
        if not data.startswith(JPEG_MAGIC):
            self._record("degraded", "last cutout answer was not a JPEG")
            kind = response.headers.get("content-type", "unknown")
            raise SkyServerBadAnswer(f"SDSS SkyServer answered {kind}, not a JPEG image")
        self._record("ok", "last cutout request succeeded")
        return data
