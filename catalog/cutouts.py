"""Cutouts of the sky: plan the field, serve it from the store, else fetch it from SkyServer."""

import asyncio
import hashlib
import io
from dataclasses import dataclass

from PIL import Image

from catalog.galaxy import Galaxy
from catalog.problems import OutsideFootprint, SkyServerBadAnswer
from catalog.skyserver import CutoutGeometry, SkyServer
from catalog.store import CutoutStore, cutout_key


@dataclass(frozen=True, slots=True)
class Cutout:
    data: bytes
    geometry: CutoutGeometry
    source_url: str
    sha256: str  # of the JPEG bytes
    cache_hit: bool


def is_blank(data: bytes, threshold: int) -> bool:
    """True when no pixel is brighter than ``threshold``: SkyServer's all-black "no data" image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("L", (max(image.width // 8, 1), max(image.height // 8, 1)))
            extrema = image.convert("L").getextrema()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise SkyServerBadAnswer(f"SDSS SkyServer sent an unreadable JPEG: {exc}") from exc
    high = extrema[1]
    assert isinstance(high, int | float)  # a one-band image has a (low, high) pair
    return high <= threshold


class CutoutService:
    def __init__(
        self,
        skyserver: SkyServer,
        store: CutoutStore,
        *,
        native_scale_arcsec: float,
        fov_factor: float,
        default_fov_arcmin: float,
        max_fov_arcmin: float,
        blank_threshold: int,
    ) -> None:
        self.skyserver = skyserver
        self.store = store
        self.native_scale_arcsec = native_scale_arcsec
        self.fov_factor = fov_factor
        self.default_fov_arcmin = default_fov_arcmin
        self.max_fov_arcmin = max_fov_arcmin
        self.blank_threshold = blank_threshold
        # One fetch per key at a time: concurrent requests for the same cutout share it.
        self._in_flight: dict[str, asyncio.Task[bytes]] = {}

    def field_of(self, galaxy: Galaxy) -> float:
        """Field of view in arcmin: fov_factor x the major axis (capped), or the default."""
        if galaxy.major_axis_arcmin is None:
            return self.default_fov_arcmin
        return min(self.fov_factor * galaxy.major_axis_arcmin, self.max_fov_arcmin)

    def plan(self, ra: float, dec: float, fov_arcmin: float) -> CutoutGeometry:
        return CutoutGeometry.for_field(ra, dec, fov_arcmin, self.native_scale_arcsec)

    async def get(self, geometry: CutoutGeometry) -> Cutout:
        url = self.skyserver.url(geometry)
        key = cutout_key(url)
        cached = await asyncio.to_thread(self.store.read, key)
        if cached is not None:
            return Cutout(cached, geometry, url, hashlib.sha256(cached).hexdigest(), True)
        if await asyncio.to_thread(self.store.is_outside, key):
            raise self._outside(geometry)
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch_and_store(geometry, url, key))
            self._in_flight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        data = await asyncio.shield(task)
        return Cutout(data, geometry, url, hashlib.sha256(data).hexdigest(), False)

    def _finished(self, key: str, task: "asyncio.Task[bytes]") -> None:
        self._in_flight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every waiter went away

    async def _fetch_and_store(self, geometry: CutoutGeometry, url: str, key: str) -> bytes:
        data = await self.skyserver.fetch(url)
        if await asyncio.to_thread(is_blank, data, self.blank_threshold):
            await asyncio.to_thread(self.store.mark_outside, key)
            raise self._outside(geometry)
        await asyncio.to_thread(self.store.write, key, data)
        return data

    def _outside(self, geometry: CutoutGeometry) -> OutsideFootprint:
        return OutsideFootprint(
            f"ra={geometry.ra:.5f}, dec={geometry.dec:.5f} is outside the SDSS survey footprint: "
            "SkyServer has no image there",
            ra=geometry.ra,
            dec=geometry.dec,
        )
