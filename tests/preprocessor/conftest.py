"""The preprocessor app in process (httpx over ASGI, lifespan run) with chosen settings."""

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from PIL import Image

from preprocessor.app import create_app
from preprocessor.settings import PreprocessorSettings

ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_client() -> ClientFactory:
    """``async with make_client(max_upload_bytes=...) as client``: an app with those settings."""

    @asynccontextmanager
    async def factory(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        saved = Image.MAX_IMAGE_PIXELS  # create_app sets Pillow's guard from the settings
        app = create_app(PreprocessorSettings(**overrides))
        try:
            async with app.router.lifespan_context(app):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://pre") as client:
                    yield client
        finally:
            Image.MAX_IMAGE_PIXELS = saved

    return factory


@pytest.fixture
async def client(make_client: ClientFactory) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client() as client:
        yield client
