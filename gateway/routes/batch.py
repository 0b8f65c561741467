"""``POST /api/batch``: a catalog of galaxies in one call, answered as NDJSON."""

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from gateway.batch import items_from_csv, items_from_json, run_batch
from gateway.dependencies import EstimatorDep, SettingsDep
from gateway.openapi import SurveyQuery, problem_responses
from gateway.schemas import EXAMPLE_RESULT
from gateway.settings import Copies
from gateway.uploads import read_upload
from servicekit.problems import Unprocessable, UnsupportedMediaType

router = APIRouter(prefix="/api", tags=["batch"])

NDJSON = "application/x-ndjson"

_EXAMPLE_LINES = "\n".join(
    json.dumps(line)
    for line in (
        {"index": 0, "status": 200, "query": {"pgc": 2557}, "result": EXAMPLE_RESULT},
        {
            "index": 1,
            "status": 404,
            "query": {"name": "NGC 99999"},
            "problem": {
                "type": "https://incline.invalid/problems/not-found",
                "title": "Not Found",
                "status": 404,
                "detail": "no galaxy named 'NGC 99999' in the catalog",
            },
        },
    )
)

_REQUEST_BODY: dict[str, Any] = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "array",
                "items": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/BatchItem"},
                        {"type": "integer", "minimum": 1, "maximum": 99_999_999},
                        {"type": "string", "minLength": 1, "maxLength": 100},
                    ],
                    "description": "A galaxy; an item that is none of these is answered by "
                    "its own 422 line, the others still computed.",
                },
            },
            "example": [
                {"pgc": 2557},
                {"name": "NGC 4565"},
                {"ra": 189.0866, "dec": 25.9877},
                {"ra": 150.1, "dec": 2.2, "fov": 2.0},
            ],
        },
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
            "encoding": {"file": {"contentType": "text/csv"}},
        },
        "text/csv": {
            "schema": {"type": "string"},
            "example": "pgc,name,ra,dec\n2557,,,\n,NGC 4565,,\n,,189.0866,25.9877\n",
        },
    },
}


async def _items(request: Request, max_items: int, max_bytes: int) -> list[Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            payload = json.loads(await request.body())
        except ValueError as exc:
            raise Unprocessable(f"the body is not valid JSON: {exc}") from exc
        except RecursionError as exc:  # e.g. [[[[…]]]] thousands deep
            raise Unprocessable("the body is JSON nested too deeply for a batch") from exc
        return items_from_json(payload, max_items)
    if content_type == "multipart/form-data":
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Unprocessable("the multipart body needs a CSV file in the field 'file'")
            data = await read_upload(upload, max_bytes)
        return items_from_csv(_text(data), max_items)
    if content_type in {"text/csv", "text/plain"}:
        return items_from_csv(_text(await request.body()), max_items)
    raise UnsupportedMediaType(
        f"send the batch as application/json, text/csv or a multipart CSV upload, "
        f"not {content_type or 'no content type'}"
    )


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unprocessable("the CSV is not UTF-8 text") from exc


@router.post(
    "/batch",
    summary="Inclinations of many galaxies, streamed back as NDJSON",
    description=(
        "A JSON list of `{pgc}`, `{name}` or `{ra, dec[, radius | fov]}` objects (bare PGC "
        "numbers and names work too), or a CSV with a header row naming some of `pgc`, `name`, "
        "`ra`, `dec`, `radius`, `fov`, as the body or uploaded in the multipart field `file`. "
        "Galaxies are evaluated a few at a time; the answer is one JSON line per item, in "
        "input order: `{index, status, query, result}` or `{index, status, query, problem}`."
    ),
    openapi_extra={"requestBody": _REQUEST_BODY},
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "One line per item (BatchLine)",
            "content": {
                NDJSON: {
                    "schema": {"$ref": "#/components/schemas/BatchLine"},
                    "example": _EXAMPLE_LINES,
                }
            },
        },
        **problem_responses(400, 413, 415, 422),
    },
)
async def batch(
    request: Request,
    estimator: EstimatorDep,
    settings: SettingsDep,
    copies: Copies | None = None,
    survey: SurveyQuery = "auto",
) -> StreamingResponse:
    items = await _items(request, settings.batch_max_items, settings.max_upload_bytes)

    async def lines() -> AsyncIterator[bytes]:
        async for line in run_batch(
            estimator,
            items,
            concurrency=settings.batch_concurrency,
            copies=copies,
            survey=survey,
        ):
            yield (line.model_dump_json(exclude_none=True) + "\n").encode()

    return StreamingResponse(lines(), media_type=NDJSON, headers={"X-Batch-Items": str(len(items))})
