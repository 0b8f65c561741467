"""Reading an uploaded file with the size limit enforced before it is all in memory."""

from starlette.datastructures import UploadFile

from servicekit.problems import PayloadTooLarge

CHUNK = 1024 * 1024


def _too_large(size: int, limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the upload is {size} bytes; the limit is {limit} bytes", limit_bytes=limit
    )


async def read_upload(file: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)
