"""``Annotated`` dependency aliases: the clients the lifespan put on ``app.state``."""

from typing import Annotated

from fastapi import Depends, Request

from gateway.estimator import Estimator
from gateway.settings import GatewaySettings
from gateway.upstreams import CatalogClient, PreprocessorClient


def get_settings(request: Request) -> GatewaySettings:
    settings = request.app.state.settings
    assert isinstance(settings, GatewaySettings)
    return settings


def get_estimator(request: Request) -> Estimator:
    estimator = request.app.state.estimator
    assert isinstance(estimator, Estimator)
    return estimator


def get_catalog(request: Request) -> CatalogClient:
    return get_estimator(request).catalog


def get_preprocessor(request: Request) -> PreprocessorClient:
    return get_estimator(request).preprocessor


SettingsDep = Annotated[GatewaySettings, Depends(get_settings)]
EstimatorDep = Annotated[Estimator, Depends(get_estimator)]
CatalogDep = Annotated[CatalogClient, Depends(get_catalog)]
PreprocessorDep = Annotated[PreprocessorClient, Depends(get_preprocessor)]
