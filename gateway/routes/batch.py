"""``POST /api/batch``: a catalog of galaxies in one call, answered as NDJSON."""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.datastructures import UploadFile

from gateway.batch import items_from_json, items_from_table, run_batch
from gateway.dependencies import EstimatorDep, SettingsDep
from gateway.openapi import SurveyQuery, problem_responses
from gateway.schemas import EXAMPLE_RESULT
from gateway.settings import Copies
from gateway.tables import (
    MEDIA_TYPES,
    OUTPUT_FORMATS,
    TABLE_MEDIA_TYPES,
    OutputFormat,
    format_for_accept,
    line_row,
    write_table,
)
from gateway.uploads import read_body, read_upload
from servicekit.problems import Unprocessable, UnsupportedMediaType

router = APIRouter(prefix="/api", tags=["batch"])

NDJSON = MEDIA_TYPES["ndjson"]
_TABLE_BODIES = TABLE_MEDIA_TYPES | {"text/plain", "application/octet-stream"}

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
            "example": "pgc,name,ra,dec\n2557,,,\n,NGC 4565,,\n,,12h36m20.8s,+25d59m16s\n",
        },
        "text/x-ecsv": {"schema": {"type": "string"}},
        "application/x-votable+xml": {"schema": {"type": "string"}},
        "application/fits": {"schema": {"type": "string", "format": "binary"}},
    },
}

_TABLE_ANSWER = {
    "schema": {"type": "string", "format": "binary"},
    "description": "One row per input row: the columns asked for, the answer's figures with "
    "units and descriptions, and `status` and `error` for a row that failed.",
}


async def _items(request: Request, max_items: int, max_bytes: int) -> list[Any]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        try:
            payload = json.loads(await read_body(request, max_bytes))
        except ValueError as exc:
            raise Unprocessable(f"the body is not valid JSON: {exc}") from exc
        except RecursionError as exc:  # e.g. [[[[…]]]] thousands deep
            raise Unprocessable("the body is JSON nested too deeply for a batch") from exc
        return items_from_json(payload, max_items)
    if content_type == "multipart/form-data":
        async with request.form() as form:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise Unprocessable("the multipart body needs a table file in the field 'file'")
            data = await read_upload(upload, max_bytes)
        return items_from_table(data, max_items)
    if content_type in _TABLE_BODIES:
        return items_from_table(await read_body(request, max_bytes), max_items)
    raise UnsupportedMediaType(
        "send the batch as application/json, a table (text/csv, text/x-ecsv, "
        "application/x-votable+xml, application/fits) or a multipart upload of one, "
        f"not {content_type or 'no content type'}"
    )


@router.post(
    "/batch",
    summary="Inclinations of many galaxies: NDJSON or a table (CSV, ECSV, VOTable, FITS)",
    description=(
        "A JSON list of `{pgc}`, `{name}` or `{ra, dec[, radius | fov]}` objects (bare PGC "
        "numbers and names work too), or a table — CSV, ECSV, VOTable or FITS, told apart by "
        "its content — with columns named some of `pgc`, `name`, `ra`, `dec`, `radius`, "
        "`fov`, `survey`, as the body or uploaded in the multipart field `file`. `ra` and "
        "`dec` are decimal degrees or sexagesimal (`12h30m49s`, `12:30:49` in hours for ra; "
        "`+12d23m28s`, `+12:23:28`); a numeric column with a unit is converted. Galaxies are "
        "evaluated a few at a time. The answer, by `format` or else `Accept`: NDJSON (the "
        "default), one JSON line per item in input order, `{index, status, query, result}` or "
        "`{index, status, query, problem}`, streamed; or a table with one row per item, a "
        "failed row's error in its `error` column."
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
                },
                **{MEDIA_TYPES[fmt]: _TABLE_ANSWER for fmt in OUTPUT_FORMATS if fmt != "ndjson"},
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
    format: Annotated[
        OutputFormat | None,
        Query(description="Answer format; overrides Accept. Default: NDJSON."),
    ] = None,
) -> Response:
    items = await _items(request, settings.batch_max_items, settings.max_batch_bytes)
    fmt = format or format_for_accept(request.headers.get("accept"))
    headers = {"X-Batch-Items": str(len(items))}
    stream = run_batch(
        estimator, items, concurrency=settings.batch_concurrency, copies=copies, survey=survey
    )
    if fmt == "ndjson":

        async def lines() -> AsyncIterator[bytes]:
            async for line in stream:
                yield (line.model_dump_json(exclude_none=True) + "\n").encode()

        return StreamingResponse(lines(), media_type=NDJSON, headers=headers)
    # A table is written whole (VOTable and FITS have no streaming form): every row first.
    rows = [line_row(line.index, line.model_dump(mode="json")) async for line in stream]
    extension = "vot" if fmt == "votable" else fmt
    headers["Content-Disposition"] = f'attachment; filename="incline-batch.{extension}"'
    return Response(write_table(rows, fmt), media_type=MEDIA_TYPES[fmt], headers=headers)
