"""The orchestration, protocol-neutral: a query → catalog → cutout → preprocessor → inference →
an answer, through the result cache, computed once for identical concurrent queries."""

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from prometheus_client import Counter

from gateway.cache import CacheTier, ResultCache
from gateway.keys import coord_query, name_query, pgc_query, result_key, upload_query
from gateway.requestlog import RequestLog
from gateway.schemas import Galaxy, ImageProvenance, InclinationResult, Options, Survey
from gateway.settings import Copies, Frame, GatewaySettings
from gateway.singleflight import SingleFlight
from gateway.upstreams import CatalogClient, Cutout, InferenceClient, ModelSet, PreprocessorClient
from servicekit.logging import get_logger
from servicekit.problems import NotFound, Problem, Unprocessable, UpstreamProblem

log = get_logger("gateway.estimator")

CACHE_LOOKUPS = Counter(
    "incline_gateway_cache_lookups_total",
    "Result-cache lookups, by outcome (redis, memory, miss).",
    ["outcome"],
)
COMPUTATIONS = Counter(
    "incline_gateway_computations_total",
    "Answers computed through catalog, preprocessor and inference (single-flight leaders).",
)
SHARED = Counter(
    "incline_gateway_shared_computations_total",
    "Requests that waited for an identical request's computation instead of repeating it.",
)

Compute = Callable[[Options], Awaitable[dict[str, Any]]]


class UnknownGalaxy(NotFound):
    slug = "unknown-galaxy"


class Answer:
    """A result and where it came from (``tier`` is None when computed now)."""

    def __init__(self, result: InclinationResult, tier: CacheTier | None) -> None:
        self.result = result
        self.tier = tier


class Estimator:
    def __init__(
        self,
        *,
        settings: GatewaySettings,
        catalog: CatalogClient,
        preprocessor: PreprocessorClient,
        inference: InferenceClient,
        cache: ResultCache,
        request_log: RequestLog,
    ) -> None:
        self.settings = settings
        self.catalog = catalog
        self.preprocessor = preprocessor
        self.inference = inference
        self.cache = cache
        self.request_log = request_log
        self.flights: SingleFlight[dict[str, Any]] = SingleFlight()
        self._models: ModelSet | None = None
        self._models_expire = 0.0
        self._models_lock = asyncio.Lock()

    # -- the model set ---------------------------------------------------------------------

    async def model_set(self, *, refresh: bool = False) -> ModelSet:
        """The flavors and their version, reused for ``models_ttl_s``. If inference cannot be
        asked, the last known set is used so that cached answers are still served."""
        if not refresh and self._models is not None and time.monotonic() < self._models_expire:
            return self._models
        async with self._models_lock:
            if not refresh and self._models is not None and time.monotonic() < self._models_expire:
                return self._models
            try:
                models = await self.inference.models()
            except Problem:
                if self._models is None:
                    raise
                self._models_expire = time.monotonic() + 1.0  # retry soon
                return self._models
            if (
                self._models is not None
                and models.model_set_version != self._models.model_set_version
            ):
                log.info(
                    "model set changed",
                    extra={"old": self._models.model_set_version, "new": models.model_set_version},
                )
            self._models = models
            self._models_expire = time.monotonic() + self.settings.models_ttl_s
            return models

    async def options(self, copies: Copies | None) -> tuple[ModelSet, Options]:
        models = await self.model_set()
        return models, Options(mode=models.color_mode(), copies=copies or self.settings.copies)

    # -- queries ---------------------------------------------------------------------------

    async def by_pgc(
        self, pgc: int, copies: Copies | None = None, survey: Survey = "auto"
    ) -> Answer:
        async def compute(options: Options) -> dict[str, Any]:
            galaxy = await self.catalog.galaxy_by_pgc(pgc)
            return await self._from_catalog(galaxy, options, survey)

        return await self._answer(pgc_query(pgc, survey), copies, compute)

    async def by_name(
        self, name: str, copies: Copies | None = None, survey: Survey = "auto"
    ) -> Answer:
        name = name.strip()
        if not name:
            raise Unprocessable("the galaxy name is empty")

        async def compute(options: Options) -> dict[str, Any]:
            galaxy = await self.catalog.galaxy_by_name(name)
            return await self._from_catalog(galaxy, options, survey)

        return await self._answer(name_query(name, survey), copies, compute)

    async def by_coord(
        self,
        ra: float,
        dec: float,
        *,
        radius: float | None = None,
        fov: float | None = None,
        copies: Copies | None = None,
        survey: Survey = "auto",
    ) -> Answer:
        radius = radius if radius is not None else self.settings.default_radius_arcmin
        query = coord_query(ra, dec, None if fov is not None else radius, fov, survey)

        async def compute(options: Options) -> dict[str, Any]:
            if fov is not None:
                params: dict[str, str | int | float] = {"ra": ra, "dec": dec, "fov": fov}
                if survey != "auto":
                    params["survey"] = survey
                cutout = await self.catalog.cutout(_catalog_cutout_params(params))
                return await self._evaluate(
                    cutout.data, options, None, _from_survey(cutout, params)
                )
            near = await self.catalog.near(ra, dec, radius)
            if not near:
                raise UnknownGalaxy(
                    f"no catalog galaxy within {radius:g} arcmin of ra={ra:g}, dec={dec:g}; "
                    "pass fov= (arcmin) to measure the field centred there anyway",
                    ra=ra,
                    dec=dec,
                    radius_arcmin=radius,
                )
            nearest = near[0]
            galaxy = nearest.galaxy.model_copy(
                update={"separation_arcmin": nearest.separation_arcmin}
            )
            return await self._from_catalog(galaxy, options, survey)

        return await self._answer(query, copies, compute)

    async def by_upload(
        self,
        data: bytes,
        filename: str | None = None,
        copies: Copies | None = None,
        frame: Frame | None = None,
    ) -> Answer:
        if not data:
            raise Unprocessable("the uploaded file is empty")
        sha256 = hashlib.sha256(data).hexdigest()
        frame = frame or self.settings.upload_frame

        async def compute(options: Options) -> dict[str, Any]:
            await asyncio.to_thread(self.request_log.store_upload, sha256, data)
            image = ImageProvenance(source="upload", sha256=sha256, filename=filename)
            return await self._evaluate(data, options, None, image, frame)

        return await self._answer(upload_query(sha256, frame), copies, compute)

    # -- images for a person to look at --------------------------------------------------

    async def cutout(self, params: dict[str, str | int | float]) -> Cutout:
        return await self.catalog.cutout(_catalog_cutout_params(params))

    async def preview(self, image: bytes, frame: Frame = "as-is") -> bytes:
        """The 128x128 image the network sees, in the colour mode the flavors want."""
        if not image:
            raise Unprocessable("the uploaded file is empty")
        _, options = await self.options(None)
        return await self.preprocessor.preview(image, options.mode, frame)

    # -- the pipeline ----------------------------------------------------------------------

    async def _from_catalog(
        self, galaxy: Galaxy, options: Options, survey: Survey = "auto"
    ) -> dict[str, Any]:
        params: dict[str, str | int | float]
        if galaxy.pgc is not None:
            params = {"pgc": galaxy.pgc}
        elif galaxy.names:
            params = {"name": galaxy.names[0]}
        else:  # a user-table row with neither: its field, as the catalog would frame it
            fov = 1.5 * galaxy.major_axis_arcmin if galaxy.major_axis_arcmin else 2.0
            params = {"ra": galaxy.ra, "dec": galaxy.dec, "fov": round(fov, 4)}
        if survey != "auto":
            params["survey"] = survey
        cutout = await self.catalog.cutout(_catalog_cutout_params(params))
        return await self._evaluate(cutout.data, options, galaxy, _from_survey(cutout, params))

    async def _evaluate(
        self,
        image: bytes,
        options: Options,
        galaxy: Galaxy | None,
        provenance: ImageProvenance,
        frame: Frame = "as-is",
    ) -> dict[str, Any]:
        tensor = await self.preprocessor.preprocess(image, options.mode, options.copies, frame)
        prediction = await self.inference.predict(tensor.npy, options.mode, options.copies)
        one = prediction.galaxies[0]
        provenance = provenance.model_copy(
            update={
                "format": tensor.format,
                "width": tensor.width,
                "height": tensor.height,
                "sha256": provenance.sha256 or tensor.sha256,
                "framing": tensor.framing,
            }
        )
        return {
            "galaxy": galaxy.model_dump(mode="json") if galaxy is not None else None,
            "inclination": one.inclination.model_dump(mode="json"),
            "flavors": [f.model_dump(mode="json") for f in one.flavors],
            "failed_flavors": [f.model_dump(mode="json") for f in prediction.failed_flavors],
            "alarm": one.alarm.model_dump(mode="json"),
            "rejection": one.rejection.model_dump(mode="json") if one.rejection else None,
            "image": provenance.model_dump(mode="json"),
            "model_set_version": prediction.model_set_version,
            "options": options.model_dump(mode="json"),
        }

    async def _answer(
        self, query: dict[str, Any], copies: Copies | None, compute: Compute
    ) -> Answer:
        try:
            answer = await self._cached_or_computed(query, copies, compute)
        except Problem as problem:
            self.request_log.write(
                query, status=problem.status, cached=False, detail=problem.detail
            )
            raise
        result = answer.result
        self.request_log.write(
            query,
            status=200,
            cached=result.cached,
            summary={
                "pgc": result.galaxy.pgc if result.galaxy else None,
                "median_deg": result.inclination.median,
                "spread_deg": result.alarm.spread_deg,
                "alarm": result.alarm.raised,
                "rejection": result.rejection.verdict if result.rejection else None,
                "model_set_version": result.model_set_version,
                "image_sha256": result.image.sha256,
            },
        )
        return answer

    async def _cached_or_computed(
        self, query: dict[str, Any], copies: Copies | None, compute: Compute
    ) -> Answer:
        models, options = await self.options(copies)
        key = result_key(query, options, models.model_set_version)
        raw, tier = await self.cache.get(key)
        CACHE_LOOKUPS.labels(tier or "miss").inc()
        if raw is not None:
            hit = _from_cache(raw)
            if isinstance(hit, InclinationResult):
                return Answer(hit, tier)
            if hit is not None:
                raise UpstreamProblem(int(hit.get("status", 404)), {**hit, "cached": True})

        async def work() -> dict[str, Any]:
            COMPUTATIONS.inc()
            try:
                result = await compute(options)
            except Problem as problem:
                if problem.status == 404:
                    body = problem.to_dict()
                    await self.cache.set(
                        key, json.dumps({"problem": body}).encode(), self.settings.negative_ttl_s
                    )
                raise
            store_key = key
            if result["model_set_version"] != models.model_set_version:
                # The models changed under us: file the answer under the version that made it.
                await self.model_set(refresh=True)
                store_key = result_key(query, options, result["model_set_version"])
            entry = {"query": query, **result}
            if not result.get("failed_flavors"):
                # A degraded answer (some flavor failed) is served but not kept: once the flavor
                # is back, the next request gets the whole ensemble, not a week-old partial one.
                await self.cache.set(
                    store_key, json.dumps(entry).encode(), self.settings.cache_ttl_s
                )
            return entry

        entry, shared = await self.flights.run(key, work)
        if shared:
            SHARED.inc()
        return Answer(InclinationResult.model_validate({**entry, "cached": False}), None)


def _from_cache(raw: bytes) -> InclinationResult | dict[str, Any] | None:
    """A cached answer, a cached problem, or None for an entry this version cannot read (an
    older gateway's, say): then the answer is computed again and the entry overwritten."""
    try:
        entry = json.loads(raw)
        if isinstance(entry.get("problem"), dict):
            return dict(entry["problem"])
        return InclinationResult.model_validate({**entry, "cached": True})
    except (ValueError, AttributeError):  # pydantic's ValidationError is a ValueError
        log.warning("unreadable cache entry ignored")
        return None


def _catalog_cutout_params(params: dict[str, str | int | float]) -> dict[str, str | int | float]:
    """The gateway says ``fov``; the catalog says ``fov_arcmin``."""
    return {("fov_arcmin" if k == "fov" else k): v for k, v in params.items()}


def _from_survey(cutout: Cutout, params: dict[str, str | int | float]) -> ImageProvenance:
    """The survey the catalog names (``X-Cutout-Survey``; an older catalog's is SDSS)."""
    query = urlencode(params)
    survey = cutout.survey if cutout.survey in ("sdss", "legacy", "panstarrs", "dss") else "sdss"
    return ImageProvenance(
        source=survey,
        url=cutout.source_url,
        sha256=cutout.sha256,
        scale_arcsec=cutout.scale_arcsec,
        pixels=cutout.pixels,
        fov_arcmin=cutout.fov_arcmin,
        cutout=f"/api/cutout?{query}",
        preview=f"/api/preview?{query}",
    )


def cutout_params(
    pgc: int | None,
    name: str | None,
    ra: float | None,
    dec: float | None,
    fov: float | None,
    survey: Survey = "auto",
) -> dict[str, str | int | float]:
    """The one way of naming a cutout the query gives: pgc, name, or ra+dec+fov (+ survey)."""
    given = [pgc is not None, name is not None, ra is not None or dec is not None]
    if sum(given) != 1:
        raise Unprocessable("give exactly one of pgc, name, or ra+dec+fov")
    chosen: dict[str, str | int | float] = {} if survey == "auto" else {"survey": survey}
    if pgc is not None:
        return {"pgc": pgc, **chosen}
    if name is not None:
        return {"name": name, **chosen}
    if ra is None or dec is None or fov is None:
        raise Unprocessable("a field needs ra, dec and fov (arcmin)")
    return {"ra": ra, "dec": dec, "fov": fov, **chosen}
