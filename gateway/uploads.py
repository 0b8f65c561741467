"""Reading an uploaded file with the size limit enforced before it is all in memory."""

from collections.abc import AsyncIterator

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from servicekit.problems import PayloadTooLarge, problem_response

CHUNK = 1024 * 1024


def _too_large(size: int, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the upload is {size} bytes; the limit is {limit} bytes", limit_bytes=limit
    )


async def _read_limited(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The chunks joined, refused with 413 as soon as they pass the limit."""
    read: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        read.append(chunk)
    return b"".join(read)


async def _file_chunks(file: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await file.read(CHUNK):
        yield chunk


async def read_upload(file: UploadFile, limit: int) -> bytes:
    return await _read_limited(_file_chunks(file), limit)


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, counted while read: a body sent without Content-Length (chunked) is not
    checked by ``UploadLimitMiddleware``."""
    return await _read_limited(request.stream(), limit)


# Room above the limit for multipart framing when a body's declared length is checked.
MULTIPART_SLACK_BYTES = 64 * 1024


class UploadLimitMiddleware:
    """Refuses a body declared larger than the limit (plus room for multipart framing) before
    any of it is read; a body without Content-Length is still counted by ``read_upload``."""

    def __init__(self, app: ASGIApp, limit: int, slack: int = MULTIPART_SLACK_BYTES) -> None:
        self.app = app
        self.limit = limit
        self.slack = slack

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("method") in {"POST", "PUT"}:
            for name, value in scope.get("headers", []):
                if name == b"content-length" and value.isdigit():
                    size = int(value)
                    if size > self.limit + self.slack:
                        request = Request(scope)
                        response = problem_response(_too_large(size, self.limit), request)
                        await response(scope, receive, send)
                        return
        await self.app(scope, receive, send)
