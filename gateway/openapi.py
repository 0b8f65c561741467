"""OpenAPI pieces shared by the routers: problem+json error responses with examples, and the
``survey`` and ``frame`` query parameters."""

from typing import Annotated, Any

from fastapi import Query

from gateway.schemas import Survey
from gateway.settings import Frame
from servicekit.problems import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE

SurveyQuery = Annotated[
    Survey,
    Query(
        description="Where the cutout comes from: auto (SDSS where it has the position, then "
        "DESI Legacy Surveys DR10, Pan-STARRS1 north of -30°, DSS2 colour) or one survey."
    ),
]

FrameQuery = Annotated[
    Frame | None,
    Query(
        description=(
            "auto: find the galaxy and, when it lies off centre (more than 12% of the frame "
            "from the middle) and does not fill the frame, measure a square of 1.5 diameters "
            "around it; as-is: the whole image, padded to a square. Default: the gateway's "
            "setting (auto). The answer's image.framing says what was measured."
        )
    ),
]


_PROBLEMS: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "Bad Request", "Invalid multipart data."),
    404: ("unknown-galaxy", "Not Found", "no galaxy with PGC 99999999 in the catalog"),
    413: (
        "payload-too-large",
        "Payload Too Large",
        "the upload is 52428800 bytes; the limit is 41943040 bytes",
    ),
    415: (
        "unsupported-media-type",
        "Unsupported Media Type",
        "not an image format the preprocessor knows (JPEG, PNG, GIF, TIFF, FITS)",
    ),
    422: ("unprocessable", "Unprocessable Content", "the image is truncated or corrupt"),
    503: ("upstream-unavailable", "Service Unavailable", "the catalog service cannot be reached"),
    504: ("upstream-timeout", "Gateway Timeout", "the catalog service did not answer in time"),
}

_DESCRIPTIONS = {
    400: "A body that cannot be parsed (a broken multipart form)",
    404: "Unknown galaxy, or no catalog galaxy near the coordinates",
    413: "Upload too large",
    415: "Not an image format the service reads",
    422: "Invalid parameters, or an unreadable image",
    503: "A service behind the gateway is down",
    504: "A service behind the gateway (or SDSS) is too slow",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        slug, title, detail = _PROBLEMS[status]
        responses[status] = {
            "description": _DESCRIPTIONS[status],
            "content": {
                PROBLEM_MEDIA_TYPE: {
                    "schema": {"$ref": "#/components/schemas/Problem"},
                    "example": {
                        "type": PROBLEM_TYPE_BASE + slug,
                        "title": title,
                        "status": status,
                        "detail": detail,
                    },
                }
            },
        }
    return responses


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details",
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
    },
    "required": ["type", "title", "status", "detail"],
}
