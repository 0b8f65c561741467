"""Cutouts of the sky: plan the field for a survey, serve it from the store, else fetch it.

``survey=auto`` tries the surveys in ``auto`` order (SDSS, Legacy Surveys, Pan-STARRS1, DSS2 by
default): one whose declination limits exclude the position is skipped without asking, and a
blank answer (outside its footprint) falls through to the next. A survey that fails (down, slow,
garbage) is not skipped: its problem is the answer, as with one survey asked by name.
"""

import asyncio
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from catalog.galaxy import Galaxy
from catalog.jpegservice import CutoutGeometry, JpegService, SurveyName
from catalog.problems import OutsideFootprint, SkyServerBadAnswer
from catalog.store import CutoutStore, cutout_key
from servicekit.problems import Problem

SurveyChoice = Literal["auto", "sdss", "legacy", "panstarrs", "dss"]


@dataclass(frozen=True, slots=True)
class Cutout:
    data: bytes
    geometry: CutoutGeometry
    source_url: str
    sha256: str  # of the JPEG bytes
    cache_hit: bool
    survey: SurveyName = "sdss"


def is_blank(
    data: bytes,
    threshold: int,
    label: str = "SDSS SkyServer",
    bad_answer: type[Problem] = SkyServerBadAnswer,
) -> bool:
    """True when no pixel is brighter than ``threshold``: a survey's all-black "no data" image."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("L", (max(image.width // 8, 1), max(image.height // 8, 1)))
            extrema = image.convert("L").getextrema()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise bad_answer(f"{label} sent an unreadable JPEG: {exc}") from exc
    high = extrema[1]
    assert isinstance(high, int | float)  # a one-band image has a (low, high) pair
    return high <= threshold


class CutoutService:
    def __init__(
        self,
        skyserver: JpegService,
        store: CutoutStore,
        *,
        native_scale_arcsec: float,
        fov_factor: float,
        default_fov_arcmin: float,
        max_fov_arcmin: float,
        blank_threshold: int,
        others: Sequence[JpegService] = (),
        auto: Sequence[SurveyName] = ("sdss", "legacy", "panstarrs", "dss"),
    ) -> None:
        self.skyserver = skyserver
        self.surveys: dict[SurveyName, JpegService] = {skyserver.name: skyserver}
        self.surveys.update({survey.name: survey for survey in others})
        self.auto: tuple[SurveyName, ...] = tuple(n for n in auto if n in self.surveys)
        self.store = store
        # The store is keyed by survey: <root>/<survey>/<k[:2]>/<k>.jpg
        self._stores: Mapping[SurveyName, CutoutStore] = {
            name: CutoutStore(store.root / name) for name in self.surveys
        }
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

    def plan(
        self, ra: float, dec: float, fov_arcmin: float, survey: SurveyName = "sdss"
    ) -> CutoutGeometry:
        native = (
            self.native_scale_arcsec
            if survey == "sdss"
            else self.surveys[survey].native_scale_arcsec
        )
        return CutoutGeometry.for_field(ra, dec, fov_arcmin, native)

    async def cutout(
        self, ra: float, dec: float, fov_arcmin: float, choice: SurveyChoice
    ) -> Cutout:
        """The cutout from the survey chosen, or from the first of ``auto`` that has one."""
        if choice != "auto":
            survey = self.surveys.get(choice)
            if survey is None:
                raise OutsideFootprint(
                    f"the {choice} survey is not configured in this catalog service",
                    survey=choice,
                )
            if not survey.covers(ra, dec):
                raise self._outside(ra, dec, [choice])
            return await self.get(self.plan(ra, dec, fov_arcmin, choice), choice)
        tried: list[SurveyName] = []
        for name in self.auto:
            tried.append(name)
            if not self.surveys[name].covers(ra, dec):
                continue
            try:
                return await self.get(self.plan(ra, dec, fov_arcmin, name), name)
            except OutsideFootprint:
                continue
        raise self._outside(ra, dec, tried)

    async def get(self, geometry: CutoutGeometry, survey: SurveyName = "sdss") -> Cutout:
        service = self.surveys[survey]
        store = self._stores[survey]
        url = service.url(geometry)
        key = cutout_key(url)
        cached = await asyncio.to_thread(store.read, key)
        if cached is not None:
            return Cutout(cached, geometry, url, hashlib.sha256(cached).hexdigest(), True, survey)
        if await asyncio.to_thread(store.is_outside, key):
            raise self._outside(geometry.ra, geometry.dec, [survey])
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch_and_store(service, store, geometry, url, key))
            self._in_flight[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        data = await asyncio.shield(task)
        return Cutout(data, geometry, url, hashlib.sha256(data).hexdigest(), False, survey)

    def _finished(self, key: str, task: "asyncio.Task[bytes]") -> None:
        self._in_flight.pop(key, None)
        if not task.cancelled():
            task.exception()  # retrieved here too, in case every waiter went away

    async def _fetch_and_store(
        self,
        service: JpegService,
        store: CutoutStore,
        geometry: CutoutGeometry,
        url: str,
        key: str,
    ) -> bytes:
        data = await service.fetch(url)
        blank = await asyncio.to_thread(
            is_blank, data, self.blank_threshold, service.service_label, service.bad_answer
        )
        if blank:
            await asyncio.to_thread(store.mark_outside, key)
            raise self._outside(geometry.ra, geometry.dec, [service.name])
        await asyncio.to_thread(store.write, key, data)
        return data

    def _outside(self, ra: float, dec: float, surveys: Sequence[SurveyName]) -> OutsideFootprint:
        labels = [self.surveys[s].survey_label if s in self.surveys else s for s in surveys]
        if len(labels) == 1:
            where = f"outside the {labels[0]} survey footprint: it has no image there"
        else:
            where = f"outside the footprint of every survey tried ({', '.join(labels)})"
        return OutsideFootprint(
            f"ra={ra:.5f}, dec={dec:.5f} is {where}",
            ra=ra,
            dec=dec,
            surveys=list(surveys),
        )
