"""Dependency aliases of the HTTP layer: settings, the decode limiter, and bounded bodies."""

from typing import Annotated

from anyio import CapacityLimiter
from fastapi import Depends, Request

from preprocessor.fits import BANDS
from preprocessor.settings import PreprocessorSettings
from preprocessor.uploads import parse_form_files, read_limited


def get_settings(request: Request) -> PreprocessorSettings:
    settings = request.app.state.settings
    assert isinstance(settings, PreprocessorSettings)
    return settings


SettingsDep = Annotated[PreprocessorSettings, Depends(get_settings)]


def get_limiter(request: Request) -> CapacityLimiter:
    limiter = request.app.state.decode_limiter
    assert isinstance(limiter, CapacityLimiter)
    return limiter


LimiterDep = Annotated[CapacityLimiter, Depends(get_limiter)]


async def image_body(request: Request, settings: SettingsDep) -> bytes:
    return await read_limited(request, settings.max_upload_bytes)


ImageBodyDep = Annotated[bytes, Depends(image_body)]


async def band_files(request: Request, settings: SettingsDep) -> dict[str, bytes]:
    body = await read_limited(request, settings.max_bands_upload_bytes)
    return parse_form_files(body, request.headers.get("content-type", ""), BANDS)


BandFilesDep = Annotated[dict[str, bytes], Depends(band_files)]
