"""Reading request bodies within the upload limit, entirely in memory (nothing touches the disk):
Content-Length is checked before reading and the count enforced again while streaming."""

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from preprocessor.problems import UnreadableImage, UploadTooLarge


def _too_large(limit: int, what: str) -> UploadTooLarge:
    return UploadTooLarge(
        f"the {what} is larger than the limit of {limit:,} bytes", max_bytes=limit
    )


async def read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.strip().isdigit() and int(declared) > limit:
        raise _too_large(limit, f"declared body ({int(declared):,} bytes)")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _too_large(limit, "body")
    return bytes(body)


def parse_form_files(body: bytes, content_type: str, names: tuple[str, ...]) -> dict[str, bytes]:
    """A multipart/form-data body → {field name: bytes} for the fields in ``names``, in memory."""
    kind, params = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        raise UnreadableImage(
            f"expected multipart/form-data with fields {', '.join(names)}, got {content_type!r}"
        )
    boundary = params.get(b"boundary")
    if not boundary:
        raise UnreadableImage("the multipart body has no boundary")
    parts: dict[str, bytes] = {}
    current: str | None = None
    header_name = bytearray()
    header_value = bytearray()
    disposition = bytearray()
    data = bytearray()

    def on_part_begin() -> None:
        nonlocal data
        disposition.clear()
        data = bytearray()

    def on_header_field(chunk: bytes, start: int, end: int) -> None:
        header_name.extend(chunk[start:end])

    def on_header_value(chunk: bytes, start: int, end: int) -> None:
        header_value.extend(chunk[start:end])

    def on_header_end() -> None:
        if bytes(header_name).lower() == b"content-disposition":
            disposition.extend(header_value)
        header_name.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        nonlocal current
        _, options = parse_options_header(bytes(disposition))
        raw = options.get(b"name")
        current = raw.decode("utf-8", "replace") if raw is not None else None

    def on_part_data(chunk: bytes, start: int, end: int) -> None:
        data.extend(chunk[start:end])

    def on_part_end() -> None:
        if current is not None and current in names:
            if current in parts:
                raise UnreadableImage(f"field {current} appears more than once")
            parts[current] = bytes(data)

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except MultipartParseError as exc:
        raise UnreadableImage(f"malformed multipart body: {exc}") from exc
    return parts
