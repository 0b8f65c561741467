from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import CapacityLimiter
from fastapi import FastAPI
from PIL import Image

from preprocessor.routes import preprocess, preview
from preprocessor.settings import PreprocessorSettings
from servicekit.app import create_service_app


def create_app(settings: PreprocessorSettings | None = None) -> FastAPI:
    settings = settings or PreprocessorSettings()
    # Pillow's own decompression-bomb guard follows the setting (decoding turns it into a 413).
    Image.MAX_IMAGE_PIXELS = settings.max_image_pixels

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.decode_limiter = CapacityLimiter(settings.decode_concurrency)
        yield

    app = create_service_app(
        service="preprocessor",
        title="Incline preprocessor",
        description=(
            "Turns any galaxy image (JPEG, PNG, GIF, TIFF, WebP, FITS) into the network's "
            "128x128 float32 tensor, and shows the image the network sees."
        ),
        version="0.1.0",
        settings=settings,
        lifespan=lifespan,
    )
    app.include_router(preprocess.router)
    app.include_router(preview.router)
    return app
