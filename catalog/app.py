from fastapi import FastAPI

from catalog.settings import CatalogSettings
from servicekit.app import create_service_app


def create_app(settings: CatalogSettings | None = None) -> FastAPI:
    settings = settings or CatalogSettings()
    return create_service_app(
        service="catalog",
        title="Incline catalog",
        description="Finds a galaxy by PGC, name or position and fetches its SDSS cutout.",
        version="0.1.0",
        settings=settings,
    )
