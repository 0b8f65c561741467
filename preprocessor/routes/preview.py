"""POST /preview and /preview/bands → the 128x128 PNG the network sees (for the web page)."""

from functools import partial
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from preprocessor import pipeline
from preprocessor.decoding import decode_bands, decode_image
from preprocessor.deps import BandFilesDep, ImageBodyDep, LimiterDep, SettingsDep
from preprocessor.routes.headers import framing_headers, image_headers
from preprocessor.routes.preprocess import reject_forms
from preprocessor.schemas import BANDS_BODY, IMAGE_BODY, PROBLEM_RESPONSES, PreviewParams

router = APIRouter(tags=["preview"])

PNG_RESPONSE = {
    200: {
        "description": (
            "The 128x128 image the network sees, as PNG, with the X-Image-* headers (and the "
            "X-Framing-* headers with frame=auto)"
        ),
        "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
    },
    **PROBLEM_RESPONSES,
}


@router.post(
    "/preview",
    summary="The 128x128 image the network sees, as PNG",
    response_class=Response,
    responses=PNG_RESPONSE,
    openapi_extra=IMAGE_BODY,
)
async def preview(
    request: Request,
    body: ImageBodyDep,
    params: Annotated[PreviewParams, Query()],
    settings: SettingsDep,
    limiter: LimiterDep,
) -> Response:
    reject_forms(request)
    work = partial(
        decode_image,
        body,
        max_pixels=settings.max_image_pixels,
        max_inflated_bytes=settings.max_inflated_bytes,
    )
    decoded = await to_thread.run_sync(work, limiter=limiter)
    png, framing = await to_thread.run_sync(
        pipeline.preview_png, decoded, params.mode, params.frame, limiter=limiter
    )
    headers = image_headers(decoded) | framing_headers(framing)
    return Response(png, media_type="image/png", headers=headers)


@router.post(
    "/preview/bands",
    summary="The 128x128 PNG the network sees, from three g, r, i FITS files",
    response_class=Response,
    responses=PNG_RESPONSE,
    openapi_extra=BANDS_BODY,
)
async def preview_bands(
    parts: BandFilesDep,
    params: Annotated[PreviewParams, Query()],
    settings: SettingsDep,
    limiter: LimiterDep,
) -> Response:
    work = partial(
        decode_bands,
        parts,
        max_pixels=settings.max_image_pixels,
        max_inflated_bytes=settings.max_inflated_bytes,
    )
    decoded = await to_thread.run_sync(work, limiter=limiter)
    png, framing = await to_thread.run_sync(
        pipeline.preview_png, decoded, params.mode, params.frame, limiter=limiter
    )
    headers = image_headers(decoded) | framing_headers(framing)
    return Response(png, media_type="image/png", headers=headers)
