"""The gateway app: public API, web page, result cache; clients opened in the lifespan."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from pydantic.json_schema import models_json_schema
from starlette.middleware import Middleware

from gateway.cache import ResultCache
from gateway.estimator import Estimator
from gateway.openapi import PROBLEM_SCHEMA
from gateway.requestlog import RequestLog, Retention
from gateway.routes import batch, images, inclination, page
from gateway.schemas import BatchItem, BatchLine
from gateway.settings import GatewaySettings
from gateway.uploads import UploadLimitMiddleware
from gateway.upstreams import CatalogClient, InferenceClient, PreprocessorClient
from servicekit.app import CheckStatus, ReadinessCheck, create_service_app
from servicekit.http import pooled_client
from servicekit.problems import Problem

DESCRIPTION = """Inclination of disk galaxies (0° face-on … 90° edge-on) from their images.

A galaxy comes as a PGC number, a name, sky coordinates, or an uploaded image. Several CNN
flavors each estimate the inclination; the **median** is the answer, the spread between
flavors is the uncertainty, and the **alarm** flags a galaxy whose flavors disagree.

Errors are `application/problem+json` (RFC 9457) with a `detail` a person can act on.
Answers are cached (key: the normalised query, the options and the model-set version);
`cached` says when one came from the cache, and the `X-Cache` header says from where.
"""


def _estimator(app: FastAPI) -> Estimator:
    estimator = app.state.estimator
    assert isinstance(estimator, Estimator)
    return estimator


def _upstream_check(name: str) -> ReadinessCheck:
    async def check(app: FastAPI) -> tuple[CheckStatus, str]:
        client = getattr(_estimator(app), name)
        try:
            await client.ready()
        except Problem as problem:
            return "down", problem.detail
        return "ok", "answers"

    return check


async def _cache_check(app: FastAPI) -> tuple[CheckStatus, str]:
    return await _estimator(app).cache.check()


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        connect = settings.connect_timeout_s
        catalog_http = pooled_client(
            settings.catalog_url, timeout_s=settings.catalog_timeout_s, connect_timeout_s=connect
        )
        preprocessor_http = pooled_client(
            settings.preprocessor_url,
            timeout_s=settings.preprocessor_timeout_s,
            connect_timeout_s=connect,
        )
        inference_http = pooled_client(
            settings.inference_url,
            timeout_s=settings.inference_timeout_s,
            connect_timeout_s=connect,
        )
        cache = ResultCache(
            settings.redis_url,
            timeout_s=settings.redis_timeout_s,
            retry_s=settings.redis_retry_s,
            memory_entries=settings.memory_cache_size,
        )
        await cache.start()
        app.state.estimator = Estimator(
            settings=settings,
            catalog=CatalogClient(catalog_http),
            preprocessor=PreprocessorClient(preprocessor_http),
            inference=InferenceClient(inference_http),
            cache=cache,
            request_log=RequestLog(settings.data_dir, Retention.from_settings(settings)),
        )
        try:
            yield
        finally:
            await cache.close()
            for client in (catalog_http, preprocessor_http, inference_http):
                await client.aclose()

    app = create_service_app(
        service="gateway",
        title="Incline",
        description=DESCRIPTION,
        version="0.1.0",
        settings=settings,
        lifespan=lifespan,
        readiness={
            "redis": _cache_check,
            "catalog": _upstream_check("catalog"),
            "preprocessor": _upstream_check("preprocessor"),
            "inference": _upstream_check("inference"),
        },
    )
    # Inside the request-context middleware (so a refusal still carries its request id).
    app.user_middleware.append(Middleware(
        UploadLimitMiddleware, limit=max(settings.max_upload_bytes, settings.max_batch_bytes)
    ))
    app.include_router(inclination.router)
    app.include_router(batch.router)
    app.include_router(images.router)
    app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=page.STATIC_DIR), name="static")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        _, defs = models_json_schema(
            [(BatchItem, "validation"), (BatchLine, "serialization")],
            ref_template="#/components/schemas/{model}",
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for name, definition in defs.get("$defs", {}).items():
            components.setdefault(name, definition)
        components["Problem"] = PROBLEM_SCHEMA
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app
