"""The app factory every service uses: health, readiness, metrics, errors, logs, request ids."""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi_offline import FastAPIOffline
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel

from servicekit.logging import configure_logging
from servicekit.middleware import RequestContextMiddleware
from servicekit.problems import install_problem_handlers
from servicekit.settings import ServiceSettings

CheckStatus = Literal["ok", "degraded", "down"]
# A readiness check gets the app (its state holds the clients) and says how its dependency is.
ReadinessCheck = Callable[[FastAPI], Awaitable[tuple[CheckStatus, str]]]


class Health(BaseModel):
    status: Literal["ok"] = "ok"
    service: str


class CheckResult(BaseModel):
    status: CheckStatus
    detail: str


class Readiness(BaseModel):
    status: CheckStatus
    service: str
    checks: dict[str, CheckResult]


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    version: str,
    settings: ServiceSettings,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    readiness: dict[str, ReadinessCheck] | None = None,
) -> FastAPI:
    """A FastAPI app with the conventions of ../ARCHITECTURE.md wired in.

    ``readiness`` names each dependency and its check: ``/readyz`` is 503 when one is down and
    200 with ``"degraded"`` when one runs in a documented fallback.
    """
    configure_logging(service, settings.log_level)
    checks = dict(readiness or {})

    @asynccontextmanager
    async def no_lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    # Swagger UI (/docs) and ReDoc (/redoc) from fastapi-offline's packaged assets, under
    # /static-offline-docs: the docs work on a machine without internet.
    app = FastAPIOffline(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan or no_lifespan,
    )
    app.state.settings = settings
    app.state.service = service
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, service=service)

    @app.get("/healthz", tags=["operations"], summary="The process is alive")
    async def healthz() -> Health:
        return Health(service=service)

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Every dependency answers",
        responses={503: {"description": "A dependency is down", "model": Readiness}},
    )
    async def readyz(request: Request) -> JSONResponse:
        results: dict[str, CheckResult] = {}
        for name, check in checks.items():
            try:
                status, detail = await check(request.app)
            except Exception as exc:
                status, detail = "down", f"check failed: {exc}"
            results[name] = CheckResult(status=status, detail=detail)
        statuses = {r.status for r in results.values()}
        overall: CheckStatus = (
            "down" if "down" in statuses else "degraded" if "degraded" in statuses else "ok"
        )
        body = Readiness(status=overall, service=service, checks=results)
        return JSONResponse(body.model_dump(), status_code=503 if overall == "down" else 200)

    @app.get(
        "/metrics",
        tags=["operations"],
        summary="Prometheus metrics",
        response_class=PlainTextResponse,  # documented as text/plain, as it is served
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app
