from fastapi import FastAPI

from inference.settings import InferenceSettings
from servicekit.app import create_service_app


def create_app(settings: InferenceSettings | None = None) -> FastAPI:
    settings = settings or InferenceSettings()
    return create_service_app(
        service="inference",
        title="Incline inference",
        description="Runs every model flavor on a batch of 128×128 tensors: median, spread, alarm.",
        version="0.1.0",
        settings=settings,
    )
