"""Dependencies of the routes: the service's objects, read from ``app.state`` (set in the
lifespan)."""

from typing import Annotated, cast

from fastapi import Depends, Request

from inference.backends.base import Backend
from inference.ensemble import Ensemble
from inference.registry import Registry
from inference.rejection import Rejector
from inference.settings import InferenceSettings


def get_settings(request: Request) -> InferenceSettings:
    return cast(InferenceSettings, request.app.state.settings)


def get_ensemble(request: Request) -> Ensemble:
    return cast(Ensemble, request.app.state.ensemble)


def get_rejector(request: Request) -> Rejector:
    return cast(Rejector, request.app.state.rejector)


def get_registry(request: Request) -> Registry:
    return cast(Registry, request.app.state.registry)


def get_backend(request: Request) -> Backend:
    return cast(Backend, request.app.state.backend)


SettingsDep = Annotated[InferenceSettings, Depends(get_settings)]
EnsembleDep = Annotated[Ensemble, Depends(get_ensemble)]
RegistryDep = Annotated[Registry, Depends(get_registry)]
BackendDep = Annotated[Backend, Depends(get_backend)]
RejectorDep = Annotated[Rejector, Depends(get_rejector)]
