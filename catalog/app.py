"""The catalog service: embedded catalog lookups (online ones behind) and survey cutouts."""

import asyncio
import contextlib
import importlib
import time
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from catalog import hyperleda, index, openngc, user_table
from catalog.breaker import CircuitBreaker
from catalog.cutouts import CutoutService
from catalog.hyperleda import VizierPGC
from catalog.lookup import GalaxyFinder
from catalog.online import OnlineCatalog
from catalog.onlinestore import OnlineStore
from catalog.resolver import SesameResolver
from catalog.routes import cutouts, galaxies
from catalog.settings import CatalogSettings
from catalog.skyserver import SkyServer
from catalog.store import CutoutStore
from catalog.surveys import DSS_SCALE_ARCSEC, PANSTARRS_SCALE_ARCSEC, Hips2Fits, LegacySurvey
from servicekit.app import CheckStatus, create_service_app
from servicekit.logging import get_logger

log = get_logger("catalog")


def load_catalog(settings: CatalogSettings) -> tuple[index.Catalog, list[tuple[int, str]]]:
    """OpenNGC plus the user table; the user table's rejected rows come back for readiness."""
    start = time.perf_counter()
    table = user_table.load(settings.user_table) if settings.user_table else None
    catalog = index.build(openngc.load(), table)
    rejected = table.rejected if table else []
    for line, reason in rejected[:20]:
        log.warning("user table row rejected", extra={"line": line, "reason": reason})
    log.info(
        "catalog loaded",
        extra={
            "galaxies": len(catalog),
            "by_source": catalog.count_by_source(),
            "user_table": str(settings.user_table) if settings.user_table else None,
            "rejected_rows": len(rejected),
            "seconds": round(time.perf_counter() - start, 3),
        },
    )
    return catalog, rejected


@contextlib.asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: CatalogSettings = app.state.settings
    try:
        catalog, rejected = await asyncio.to_thread(load_catalog, settings)
    except user_table.UserTableError as exc:
        log.error("catalog not loaded: %s", exc)
        raise
    app.state.rejected_rows = rejected
    resolver = (
        SesameResolver(settings.online_resolver_timeout_s, settings.sesame_url)
        if settings.online_resolver or settings.online_lookups
        else None
    )
    online = open_online_catalog(settings) if settings.online_lookups else None
    app.state.finder = GalaxyFinder(
        catalog,
        resolver=resolver,
        match_radius_arcmin=settings.online_match_radius_arcmin,
        online=online,
    )
    # Sexagesimal coordinates need astropy.coordinates (~1 s to import): load it in the background.
    # With online lookups, astroquery too (the first lookup would wait for it otherwise).
    warm_up = asyncio.create_task(
        asyncio.to_thread(hyperleda.warm_up)
        if online is not None
        else asyncio.to_thread(importlib.import_module, "astropy.coordinates")
    )
    client = httpx.AsyncClient(
        timeout=httpx.Timeout(
            settings.skyserver_timeout_s, connect=settings.skyserver_connect_timeout_s
        ),
        limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        headers={"User-Agent": "incline-catalog/0.1"},
        follow_redirects=True,
    )
    skyserver = SkyServer(
        client,
        base_url=settings.skyserver_url,
        data_release=settings.data_release,
        timeout_s=settings.skyserver_timeout_s,
        retry_backoff_s=settings.skyserver_retry_backoff_s,
        native_scale_arcsec=settings.native_scale_arcsec,
    )
    app.state.cutouts = CutoutService(
        skyserver,
        CutoutStore(settings.cutout_dir),
        native_scale_arcsec=settings.native_scale_arcsec,
        fov_factor=settings.fov_factor,
        default_fov_arcmin=settings.default_fov_arcmin,
        max_fov_arcmin=settings.max_fov_arcmin,
        blank_threshold=settings.blank_threshold,
        others=other_surveys(client, settings),
        auto=settings.auto_surveys,
    )
    try:
        yield
    finally:
        await client.aclose()
        if online is not None:
            online.store.close()
        with contextlib.suppress(Exception):  # an import error shows on first use instead
            await warm_up


def open_online_catalog(settings: CatalogSettings) -> OnlineCatalog:
    log.info(
        "online lookups on",
        extra={"vizier": settings.vizier_url, "store": str(settings.online_store_path)},
    )
    return OnlineCatalog(
        VizierPGC(settings.vizier_url, settings.vizier_catalog, settings.online_timeout_s),
        OnlineStore(settings.online_store_path, settings.online_negative_ttl_s),
        timeout_s=settings.online_timeout_s,
        retry_backoff_s=settings.online_retry_backoff_s,
        breaker=CircuitBreaker(settings.online_breaker_reset_s),
    )


def other_surveys(
    client: httpx.AsyncClient, settings: CatalogSettings
) -> list[LegacySurvey | Hips2Fits]:
    timing = {
        "timeout_s": settings.survey_timeout_s,
        "retry_backoff_s": settings.survey_retry_backoff_s,
    }
    return [
        LegacySurvey(client, base_url=settings.legacy_url, layer=settings.legacy_layer, **timing),
        Hips2Fits(
            client,
            name="panstarrs",
            label="Pan-STARRS1",
            hips=settings.panstarrs_hips,
            native_scale_arcsec=PANSTARRS_SCALE_ARCSEC,
            base_url=settings.hips2fits_url,
            dec_min=settings.panstarrs_dec_min,
            **timing,
        ),
        Hips2Fits(
            client,
            name="dss",
            label="DSS2",
            hips=settings.dss_hips,
            native_scale_arcsec=DSS_SCALE_ARCSEC,
            base_url=settings.hips2fits_url,
            **timing,
        ),
    ]


async def catalog_ready(app: FastAPI) -> tuple[CheckStatus, str]:
    finder: GalaxyFinder | None = getattr(app.state, "finder", None)
    if finder is None:
        return "down", "catalog not loaded"
    counts = ", ".join(f"{n} {source}" for source, n in finder.catalog.count_by_source().items())
    rejected = len(getattr(app.state, "rejected_rows", []))
    if rejected:
        return (
            "degraded",
            f"{len(finder.catalog)} galaxies ({counts}); {rejected} user-table rows rejected",
        )
    return "ok", f"{len(finder.catalog)} galaxies ({counts})"


async def skyserver_ready(app: FastAPI) -> tuple[CheckStatus, str]:
    """Lookups work without SDSS: its trouble makes the service degraded, never down."""
    service: CutoutService | None = getattr(app.state, "cutouts", None)
    if service is None:
        return "degraded", "cutout client not started"
    return service.skyserver.health()


async def surveys_ready(app: FastAPI) -> tuple[CheckStatus, str]:
    """The other surveys, from their last fetch; degraded at worst, like SkyServer."""
    service: CutoutService | None = getattr(app.state, "cutouts", None)
    if service is None:
        return "degraded", "cutout client not started"
    states = {name: s.health() for name, s in service.surveys.items() if name != "sdss"}
    worst: CheckStatus = "degraded" if any(h[0] != "ok" for h in states.values()) else "ok"
    return worst, "; ".join(f"{name}: {h[1]}" for name, h in states.items())


async def online_ready(app: FastAPI) -> tuple[CheckStatus, str]:
    """Online lookups: off, or the breaker's state; never down (the embedded catalog answers)."""
    finder: GalaxyFinder | None = getattr(app.state, "finder", None)
    if finder is None or finder.online is None:
        return "ok", "online lookups off (CATALOG_ONLINE_LOOKUPS=false)"
    status, detail = await asyncio.to_thread(finder.online.health)
    return ("ok" if status == "ok" else "degraded"), detail


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    settings = settings or CatalogSettings()
    app = create_service_app(
        service="catalog",
        title="Incline catalog",
        description=(
            "Finds a galaxy by PGC, name or position in an embedded catalog (OpenNGC plus an "
            "optional HyperLEDA-style user table), then, with online lookups on, in HyperLEDA "
            "(VizieR VII/237, answers stored locally); fetches its cutout from SDSS, DESI Legacy "
            "Surveys, Pan-STARRS1 or DSS2."
        ),
        version="0.1.0",
        settings=settings,
        lifespan=lifespan,
        readiness={
            "catalog": catalog_ready,
            "skyserver": skyserver_ready,
            "surveys": surveys_ready,
            "online": online_ready,
        },
    )
    app.include_router(galaxies.router)
    app.include_router(cutouts.router)
    return app
