"""Request parameters and documented answers of the HTTP layer (the domain does not use these)."""

from typing import Any, Final

from pydantic import BaseModel, Field

from preprocessor.copies import Copies
from preprocessor.framing import Frame
from preprocessor.imaging import ColorMode


class PreviewParams(BaseModel):
    mode: ColorMode = Field(
        "rgb", description="Colour mode the model manifest declares: rgb (3 channels) or gray (1)."
    )
    frame: Frame = Field(
        "as-is",
        description=(
            "as-is: the whole image, padded to a square. auto: find the dominant extended "
            "source and, when it lies off centre (more than 12% of the frame from the middle) "
            "and does not fill the frame, measure a square of 1.5 diameters around it; the "
            "X-Framing-* headers say what was measured."
        ),
    )


class PreprocessParams(PreviewParams):
    copies: Copies = Field(
        "none",
        description=(
            "Test-time copies: none (1), rot4 (the four 90° rotations, counter-clockwise from 0°), "
            "d4 (those four, then the same four of the left-right mirror image)."
        ),
    )


class ProblemDetail(BaseModel):
    """RFC 9457 problem details (application/problem+json)."""

    type: str = Field(examples=["https://incline.invalid/problems/unreadable-image"])
    title: str = Field(examples=["Unprocessable Content"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["truncated or corrupt JPEG: OSError: image file is truncated"])
    instance: str | None = Field(None, examples=["/preprocess"])


def _problem(description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "model": ProblemDetail,
        "content": {"application/problem+json": {"example": example}},
    }


PROBLEM_RESPONSES: Final[dict[int | str, dict[str, Any]]] = {
    413: _problem(
        "Body above the upload limit, or more pixels than the decompression-bomb guard allows",
        {
            "type": "https://incline.invalid/problems/upload-too-large",
            "title": "Content Too Large",
            "status": 413,
            "detail": "the body is larger than the limit of 41,943,040 bytes",
            "max_bytes": 41943040,
        },
    ),
    415: _problem(
        "An image format this service does not decode",
        {
            "type": "https://incline.invalid/problems/unknown-image-format",
            "title": "Unsupported Media Type",
            "status": 415,
            "detail": "BMP images are not supported; send one of JPEG, PNG, GIF, TIFF, WEBP, FITS",
            "format": "BMP",
            "supported": ["JPEG", "PNG", "GIF", "TIFF", "WEBP", "FITS"],
        },
    ),
    422: _problem(
        "Empty, truncated, corrupt or not an image; or an invalid option",
        {
            "type": "https://incline.invalid/problems/unreadable-image",
            "title": "Unprocessable Content",
            "status": 422,
            "detail": "truncated or corrupt JPEG: OSError: image file is truncated",
        },
    ),
}

_BINARY = {"schema": {"type": "string", "format": "binary"}}
IMAGE_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": (
            "The image bytes as the whole body (any Content-Type; the format is detected from "
            "the content): JPEG, PNG, GIF (first frame), TIFF, WebP or FITS."
        ),
        "content": {
            "application/octet-stream": _BINARY,
            "image/jpeg": _BINARY,
            "image/png": _BINARY,
            "application/fits": _BINARY,
        },
    }
}
BANDS_BODY: Final[dict[str, Any]] = {
    "requestBody": {
        "required": True,
        "description": "Three single-band FITS files, multipart fields g, r and i.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["g", "r", "i"],
                    "properties": {
                        band: {"type": "string", "format": "binary"} for band in ("g", "r", "i")
                    },
                }
            }
        },
    }
}
