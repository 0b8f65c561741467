"""POST /predict: a batch of tensors in, the ensemble's inclinations out."""

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from inference.deps import EnsembleDep, RejectorDep, SettingsDep
from inference.errors import InvalidTensor, NotNpy, TooManyImages
from inference.manifest import ColorMode
from inference.schemas import PredictResponse
from servicekit import npy
from servicekit.problems import PROBLEM_MEDIA_TYPE

router = APIRouter(tags=["inference"])

HEADER_BYTES = 1024  # generous bound on an .npy header


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {}}}


@router.post(
    "/predict",
    summary="Inclinations of a batch of galaxies from every flavor",
    description=(
        "Body: `application/x-npy` float32 `(N, 128, 128, C)` as the preprocessor writes it, "
        "N a multiple of `copies_per_galaxy` (each consecutive K rows are test-time copies of "
        "one galaxy). Every flavor runs concurrently; a flavor that fails or misses its "
        "deadline is left out and named in `failed_flavors`. With rejection classifiers "
        "registered, each galaxy also gets a `rejection` verdict (null without them)."
    ),
    responses={
        413: _problem("Too many images in one request"),
        415: _problem("The body is not application/x-npy"),
        422: _problem("Not an .npy array, or the wrong dtype, shape or colour mode"),
        503: _problem("Fewer flavors answered than the quorum"),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {npy.NPY_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def predict(
    request: Request,
    ensemble: EnsembleDep,
    rejector: RejectorDep,
    settings: SettingsDep,
    mode: Annotated[
        ColorMode | None,
        Query(description="Colour mode of the tensor; default: from its channel count."),
    ] = None,
    copies_per_galaxy: Annotated[
        int, Query(ge=1, le=64, description="Test-time copies per galaxy (K).")
    ] = 1,
) -> PredictResponse:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != npy.NPY_MEDIA_TYPE:
        raise NotNpy(
            f"expected Content-Type {npy.NPY_MEDIA_TYPE}, got {content_type or 'none'}",
        )
    limit = settings.max_images * 128 * 128 * 3 * 4 + HEADER_BYTES
    too_large = TooManyImages(
        f"the body is over {limit} bytes: more than {settings.max_images} images of 128x128x3 "
        "float32; split the batch"
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    parts: list[bytes] = []
    size = 0
    async for part in request.stream():  # bounded even when no Content-Length is sent
        size += len(part)
        if size > limit:
            raise too_large
        parts.append(part)
    body = b"".join(parts)
    try:
        tensor = npy.decode(body)
    except ValueError as exc:
        raise InvalidTensor(str(exc)) from None
    images, mode = ensemble.validate(tensor, copies_per_galaxy, mode)
    # The rejection classifiers run beside the inclination flavors, on the same images.
    result, rejections = await asyncio.gather(
        ensemble.predict(images, copies_per_galaxy, mode),
        rejector.assess(images, copies_per_galaxy),
    )
    return PredictResponse.from_result(result, rejections)
