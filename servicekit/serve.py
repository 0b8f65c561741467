"""Run a service app under uvicorn with the service's own settings (``python -m <service>``)."""

import uvicorn
from fastapi import FastAPI

from servicekit.settings import ServiceSettings


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,  # servicekit.logging already owns the handlers
        access_log=False,
        timeout_graceful_shutdown=5,
    )
