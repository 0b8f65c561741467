from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from inference.alarms import AlarmLog
from inference.backends import Backend, create_backend
from inference.ensemble import Ensemble
from inference.registry import load_registry
from inference.rejection import Rejector
from inference.routes import models, predict
from inference.settings import InferenceSettings
from servicekit.app import CheckStatus, create_service_app
from servicekit.logging import get_logger

log = get_logger("inference")


async def models_ready(app: FastAPI) -> tuple[CheckStatus, str]:
    """Down when fewer flavors can answer than the quorum; degraded when some cannot."""
    backend: Backend = app.state.backend
    ensemble: Ensemble = app.state.ensemble
    await backend.refresh()
    flavors = app.state.registry.flavors
    statuses = backend.statuses()
    available = [f.name for f in flavors if statuses[f.name].available]
    down = {f.name: statuses[f.name].reason for f in flavors if not statuses[f.name].available}
    down.update({b.name: b.reason for b in app.state.registry.broken})
    total = len(flavors) + len(app.state.registry.broken)
    detail = f"{len(available)} of {total} flavors available ({backend.name})"
    if down:
        detail += "; " + "; ".join(f"{name}: {reason}" for name, reason in sorted(down.items()))
    if not flavors or len(available) < ensemble.quorum(len(flavors)):
        return "down", detail
    return ("degraded" if down else "ok"), detail


def create_app(settings: InferenceSettings | None = None) -> FastAPI:
    settings = settings or InferenceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        registry = load_registry(settings.models_dir)
        backend = create_backend(settings, registry)
        await backend.start()
        app.state.registry = registry
        app.state.backend = backend
        app.state.ensemble = Ensemble(
            registry, backend, settings, AlarmLog(settings.alarm_log_path)
        )
        app.state.rejector = Rejector(registry, backend, settings, settings.rejection_threshold)
        log.info(
            "model registry loaded",
            extra={
                "models_dir": str(settings.models_dir),
                "model_set_version": registry.model_set_version,
                "backend": backend.name,
                "flavors": {n: s.available for n, s in backend.statuses().items()},
                "broken": {b.name: b.reason for b in registry.broken},
                "classifiers": [c.name for c in registry.classifiers],
            },
        )
        try:
            yield
        finally:
            await backend.close()

    app = create_service_app(
        service="inference",
        title="Incline inference",
        description="Runs every model flavor on a batch of 128x128 tensors: median, spread, alarm.",
        version="0.1.0",
        settings=settings,
        lifespan=lifespan,
        readiness={"models": models_ready},
    )
    app.include_router(predict.router)
    app.include_router(models.router)
    return app
