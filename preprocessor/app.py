from fastapi import FastAPI

from preprocessor.settings import PreprocessorSettings
from servicekit.app import create_service_app


def create_app(settings: PreprocessorSettings | None = None) -> FastAPI:
    settings = settings or PreprocessorSettings()
    return create_service_app(
        service="preprocessor",
        title="Incline preprocessor",
        description="Turns any galaxy image into the network's 128×128 float32 tensor.",
        version="0.1.0",
        settings=settings,
    )
