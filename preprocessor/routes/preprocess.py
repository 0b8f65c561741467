"""POST /preprocess (one image) and /preprocess/bands (g, r, i FITS files) → x-npy tensor."""

from functools import partial
from typing import Annotated

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from preprocessor import pipeline
from preprocessor.deps import BandFilesDep, ImageBodyDep, LimiterDep, SettingsDep
from preprocessor.problems import UnreadableImage
from preprocessor.routes.headers import framing_headers, image_headers
from preprocessor.schemas import BANDS_BODY, IMAGE_BODY, PROBLEM_RESPONSES, PreprocessParams
from servicekit.npy import NPY_MEDIA_TYPE, encode

router = APIRouter(tags=["preprocess"])

TENSOR_RESPONSE = {
    200: {
        "description": (
            "float32 (N, 128, 128, C) in [0, 1] as .npy; headers X-Image-Format, X-Image-Width, "
            "X-Image-Height, X-Image-Mode, X-Image-SHA256, X-Tensor-Shape (and X-FITS-Bands, "
            "X-FITS-Alignment, X-FITS-Binning, X-FITS-Stretch for FITS; with frame=auto "
            "X-Framing-Applied, X-Framing-Square, X-Framing-Reason and, when a galaxy was found, "
            "X-Framing-Galaxy, "
            "X-Framing-Offset, X-Framing-Extent)"
        ),
        "content": {NPY_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    },
    **PROBLEM_RESPONSES,
}


def reject_forms(request: Request) -> None:
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise UnreadableImage(
            "send the image bytes as the whole body, not a form; three FITS bands go to "
            "/preprocess/bands as fields g, r, i"
        )


def tensor_response(prepared: pipeline.Prepared) -> Response:
    headers = image_headers(prepared.source) | framing_headers(prepared.framing)
    headers["X-Tensor-Shape"] = ",".join(str(n) for n in prepared.tensor.shape)
    return Response(encode(prepared.tensor), media_type=NPY_MEDIA_TYPE, headers=headers)


@router.post(
    "/preprocess",
    summary="Any galaxy image → the network's 128x128 tensor",
    response_class=Response,
    responses=TENSOR_RESPONSE,
    openapi_extra=IMAGE_BODY,
)
async def preprocess(
    request: Request,
    body: ImageBodyDep,
    params: Annotated[PreprocessParams, Query()],
    settings: SettingsDep,
    limiter: LimiterDep,
) -> Response:
    reject_forms(request)
    work = partial(
        pipeline.preprocess_bytes,
        body,
        params.mode,
        params.copies,
        max_pixels=settings.max_image_pixels,
        max_inflated_bytes=settings.max_inflated_bytes,
        frame=params.frame,
    )
    return tensor_response(await to_thread.run_sync(work, limiter=limiter))


@router.post(
    "/preprocess/bands",
    summary="Three single-band FITS files (g, r, i) → the network's tensor",
    description=(
        "multipart/form-data with file fields g, r and i, one 2-D image each. Bands whose WCS "
        "differ are reprojected onto the r band's grid before the asinh stretch."
    ),
    response_class=Response,
    responses=TENSOR_RESPONSE,
    openapi_extra=BANDS_BODY,
)
async def preprocess_bands(
    parts: BandFilesDep,
    params: Annotated[PreprocessParams, Query()],
    settings: SettingsDep,
    limiter: LimiterDep,
) -> Response:
    work = partial(
        pipeline.preprocess_bands,
        parts,
        params.mode,
        params.copies,
        max_pixels=settings.max_image_pixels,
        max_inflated_bytes=settings.max_inflated_bytes,
        frame=params.frame,
    )
    return tensor_response(await to_thread.run_sync(work, limiter=limiter))
