from fastapi import FastAPI

from gateway.settings import GatewaySettings
from servicekit.app import create_service_app


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    return create_service_app(
        service="gateway",
        title="Incline",
        description="Inclination of disk galaxies from their images.",
        version="0.1.0",
        settings=settings,
    )
