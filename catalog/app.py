"""The catalog service: embedded catalog lookups and SDSS cutouts."""

import asyncio
import contextlib
import importlib
import time
from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI

from catalog import index, openngc, user_table
from catalog.cutouts import CutoutService
from catalog.lookup import GalaxyFinder
from catalog.resolver import SesameResolver
from catalog.routes import cutouts, galaxies
from catalog.settings import CatalogSettings
from catalog.skyserver import SkyServer
from catalog.store import CutoutStore
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
        if settings.online_resolver
        else None
    )
    app.state.finder = GalaxyFinder(
        catalog, resolver=resolver, match_radius_arcmin=settings.online_match_radius_arcmin
    )
    # Sexagesimal coordinates need astropy.coordinates (~1 s to import): load it in the background.
    warm_up = asyncio.create_task(asyncio.to_thread(importlib.import_module, "astropy.coordinates"))
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
    )
    app.state.cutouts = CutoutService(
        skyserver,
        CutoutStore(settings.cutout_dir),
        native_scale_arcsec=settings.native_scale_arcsec,
        fov_factor=settings.fov_factor,
        default_fov_arcmin=settings.default_fov_arcmin,
        max_fov_arcmin=settings.max_fov_arcmin,
        blank_threshold=settings.blank_threshold,
    )
    try:
        yield
    finally:
        await client.aclose()
        with contextlib.suppress(Exception):  # an import error shows on first use instead
            await warm_up


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


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    settings = settings or CatalogSettings()
    app = create_service_app(
        service="catalog",
        title="Incline catalog",
        description=(
            "Finds a galaxy by PGC, name or position in an embedded catalog (OpenNGC plus an "
            "optional HyperLEDA-style user table) and fetches its SDSS cutout."
        ),
        version="0.1.0",
        settings=settings,
        lifespan=lifespan,
        readiness={"catalog": catalog_ready, "skyserver": skyserver_ready},
    )
    app.include_router(galaxies.router)
    app.include_router(cutouts.router)
    return app
