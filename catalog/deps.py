"""Request dependencies: what the lifespan put on ``app.state``."""

from typing import Annotated

from fastapi import Depends, Request

from catalog.cutouts import CutoutService
from catalog.lookup import GalaxyFinder
from catalog.settings import CatalogSettings


def get_settings(request: Request) -> CatalogSettings:
    settings = request.app.state.settings
    assert isinstance(settings, CatalogSettings)
    return settings


def get_finder(request: Request) -> GalaxyFinder:
    finder = request.app.state.finder
    assert isinstance(finder, GalaxyFinder)
    return finder


def get_cutouts(request: Request) -> CutoutService:
    cutouts = request.app.state.cutouts
    assert isinstance(cutouts, CutoutService)
    return cutouts


SettingsDep = Annotated[CatalogSettings, Depends(get_settings)]
FinderDep = Annotated[GalaxyFinder, Depends(get_finder)]
CutoutsDep = Annotated[CutoutService, Depends(get_cutouts)]
