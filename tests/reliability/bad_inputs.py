"""A deterministic corpus of hostile and broken requests for the gateway, built in memory (no
committed binaries): non-images, truncated and oversized files, decompression bombs, malformed
FITS, wrong content types, absurd PGCs and coordinates, hostile names, huge batch bodies.

Each case is one HTTP request and the 4xx it must get (``None``: any 4xx). ``corpus(limit)``
sizes the oversized ones from the gateway's ``GATEWAY_MAX_UPLOAD_BYTES``."""

import gzip
import json
import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tests.gateway.factories import galaxy_image_bytes


@dataclass(frozen=True)
class BadInput:
    name: str
    kind: str
    method: str
    path: str
    expect: int | None = None  # None: any 4xx
    params: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes, str]] | None = None
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def request_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"params": self.params, "headers": self.headers}
        if self.files is not None:
            kwargs["files"] = self.files
        if self.content is not None:
            kwargs["content"] = self.content
        return kwargs


def _upload(
    name: str, kind: str, data: bytes, filename: str, expect: int | None = None, ctype: str = ""
) -> BadInput:
    content_type = ctype or "application/octet-stream"
    return BadInput(
        name, kind, "POST", "/api/file", expect, files={"file": (filename, data, content_type)}
    )


def _get(name: str, kind: str, path: str, expect: int | None = None, **params: str) -> BadInput:
    return BadInput(name, kind, "GET", path, expect, params=params)


# -- files ---------------------------------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_bomb(side: int) -> bytes:
    """A valid grayscale PNG ``side`` x ``side`` of zeros: a few hundred KB, gigapixels inflated."""
    row = b"\x00" + bytes(side)
    compressor = zlib.compressobj(9)
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_with_declared_size(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header claims ``width`` x ``height``."""
    data = bytearray(galaxy_image_bytes("JPEG", side=32))
    sof = next(i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_with_declared_size(width: int, height: int) -> bytes:
    data = bytearray(galaxy_image_bytes("GIF", side=32))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def tiff_header_only(width: int, height: int) -> bytes:
    """A TIFF IFD declaring a huge image whose strips are missing."""
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (262, 3, 1, 1),
        (273, 4, 1, 8),
        (279, 4, 1, min(width * height, 2**32 - 1)),
    ]
    ifd = struct.pack("<H", len(entries))
    ifd += b"".join(struct.pack("<HHII", *entry) for entry in entries) + struct.pack("<I", 0)
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def fits_header(cards: list[str], end: bool = True) -> bytes:
    lines = [card.ljust(80)[:80] for card in cards] + (["END".ljust(80)] if end else [])
    text = "".join(lines)
    return (text + " " * (-len(text) % 2880)).encode("ascii")


def fits_image(cards: list[str], data: bytes) -> bytes:
    return fits_header(cards) + data + bytes(-len(data) % 2880)


def card(key: str, value: object) -> str:
    return f"{key:<8}= {value!s:>20}"


SIMPLE = card("SIMPLE", "T")


def plane(bitpix: int, *axes: int) -> list[str]:
    cards = [SIMPLE, card("BITPIX", bitpix), card("NAXIS", len(axes))]
    return cards + [card(f"NAXIS{i + 1}", n) for i, n in enumerate(axes)]


def fits_cases() -> list[BadInput]:
    image = np.zeros((64, 64), dtype=">f4").tobytes()
    nans = np.full((64, 64), np.nan, dtype=">f4").tobytes()
    cases = [
        ("FITS header without END", fits_header(plane(-32, 64, 64), end=False), "noend.fits"),
        ("FITS with no data (NAXIS = 0)", fits_header(plane(8)), "empty.fits"),
        ("FITS with BITPIX = 7", fits_image(plane(7, 64, 64), bytes(64 * 64)), "bitpix.fits"),
        (
            "FITS data shorter than its header says",
            fits_header(plane(-32, 4096, 4096)) + image[:2880],
            "short.fits",
        ),
        ("FITS one-dimensional", fits_image(plane(-32, 4096), image[: 4096 * 4]), "1d.fits"),
        ("FITS of NaNs only", fits_image(plane(-32, 64, 64), nans), "nan.fits"),
        ("FITS garbage after SIMPLE", SIMPLE.encode() + bytes(range(256)) * 20, "junk.fits"),
    ]
    return [_upload(name, "malformed FITS", data, filename) for name, data, filename in cases]


def file_cases(max_upload_bytes: int) -> list[BadInput]:
    rng = np.random.default_rng(8)
    png = galaxy_image_bytes("PNG", side=64)
    jpeg = galaxy_image_bytes("JPEG", side=64)
    gif = galaxy_image_bytes("GIF", side=64)
    tiff = galaxy_image_bytes("TIFF", side=64)
    gz_bomb = gzip.compress(fits_header(plane(8, 30_000, 30_000)) + bytes(60_000_000), 9)
    oversized = png + bytes(max_upload_bytes)
    return [
        _upload("CSV table", "non-image", b"ra,dec\n10.68,41.27\n" * 30, "table.csv", 422),
        _upload("random bytes", "non-image", rng.bytes(4096), "noise.bin", 422),
        _upload(
            "HTML page",
            "non-image",
            b"<!doctype html><html><body>hi</body></html>",
            "page.html",
            422,
            "text/html",
        ),
        _upload("JSON document", "non-image", json.dumps({"pgc": 2557}).encode(), "q.json", 422),
        _upload("ZIP archive header", "non-image", b"PK\x03\x04" + bytes(200), "a.zip"),
        _upload("PDF header", "non-image", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(300), "a.pdf"),
        _upload("ELF executable header", "non-image", b"\x7fELF\x02\x01\x01" + bytes(500), "a.out"),
        _upload("empty file", "non-image", b"", "empty.png", 422),
        _upload("one byte", "non-image", b"\x89", "one.png", 422),
        _upload("UTF-16 text", "non-image", "galaxy ✨".encode("utf-16"), "t.txt", 422),
        _upload(
            "BMP (a format not decoded)",
            "wrong content type",
            galaxy_image_bytes("BMP", side=64),
            "g.bmp",
            415,
        ),
        _upload("PNG truncated to a third", "truncated", png[: len(png) // 3], "t.png", 422),
        _upload("JPEG header only", "truncated", jpeg[:200], "t.jpg", 422),
        _upload("GIF truncated", "truncated", gif[:40], "t.gif", 422),
        _upload("TIFF truncated", "truncated", tiff[:100], "t.tif", 422),
        _upload("PNG signature only", "truncated", png[:8], "sig.png", 422),
        _upload("PNG larger than the upload limit", "oversized", oversized, "big.png", 413),
        _upload(
            "FITS larger than the upload limit",
            "oversized",
            fits_header([SIMPLE]) + bytes(max_upload_bytes + 2880),
            "big.fits",
            413,
        ),
        _upload("PNG bomb 30000x30000", "decompression bomb", png_bomb(30_000), "bomb.png"),
        _upload(
            "JPEG declaring 65000x65000",
            "decompression bomb",
            jpeg_with_declared_size(65_000, 65_000),
            "bomb.jpg",
        ),
        _upload(
            "GIF declaring 65535x65535",
            "decompression bomb",
            gif_with_declared_size(65_535, 65_535),
            "bomb.gif",
        ),
        _upload(
            "TIFF declaring 100000x100000",
            "decompression bomb",
            tiff_header_only(100_000, 100_000),
            "bomb.tif",
        ),
        _upload(".fits.gz inflating to 60 MB", "decompression bomb", gz_bomb, "bomb.fits.gz"),
        *fits_cases(),
    ]


# -- parameters, names, content types, batches ----------------------------------------------


def parameter_cases() -> list[BadInput]:
    long_name = "NGC " + "9" * 5000
    return [
        _get("PGC negative", "absurd PGC", "/api/pgc/-1", 422),
        _get("PGC zero", "absurd PGC", "/api/pgc/0", 422),
        _get("PGC with 30 digits", "absurd PGC", "/api/pgc/" + "9" * 30, 422),
        _get("PGC in exponent notation", "absurd PGC", "/api/pgc/1e5", 422),
        _get("PGC NaN", "absurd PGC", "/api/pgc/NaN", 422),
        _get("PGC unknown (99999977)", "absurd PGC", "/api/pgc/99999977", 404),
        _get("RA NaN", "absurd coordinates", "/api/coord", 422, ra="nan", dec="0"),
        _get("RA infinite", "absurd coordinates", "/api/coord", 422, ra="inf", dec="0"),
        _get("Dec 91", "absurd coordinates", "/api/coord", 422, ra="10", dec="91"),
        _get("RA 360.5", "absurd coordinates", "/api/coord", 422, ra="360.5", dec="0"),
        # Sexagesimal is a position (12h30m is 187.5°); a sexagesimal field past 59 is not.
        _get("RA minutes 75", "absurd coordinates", "/api/coord", 422, ra="12h75m", dec="+12"),
        _get(
            "radius negative",
            "absurd coordinates",
            "/api/coord",
            422,
            ra="10",
            dec="0",
            radius="-1",
        ),
        _get(
            "radius 1e9 arcmin",
            "absurd coordinates",
            "/api/coord",
            None,
            ra="10",
            dec="0",
            radius="1e9",
        ),
        _get("fov zero", "absurd coordinates", "/api/coord", 422, ra="10", dec="0", fov="0"),
        _get(
            "fov 1e6 arcmin", "absurd coordinates", "/api/coord", None, ra="10", dec="0", fov="1e6"
        ),
        _get("copies unknown", "absurd parameters", "/api/pgc/2557", 422, copies="d16"),
        _get("cutout with no galaxy", "absurd parameters", "/api/cutout", 422),
        _get("name path traversal", "hostile name", "/api/objname/..%2F..%2Fetc%2Fpasswd", None),
        _get("name SQL injection", "hostile name", "/api/objname/' OR 1=1 --", 404),
        _get("name 5000 characters", "hostile name", f"/api/objname/{long_name}", None),
        _get("name with a NUL byte", "hostile name", "/api/objname/NGC%00891", None),
        _get(
            "name with a script tag", "hostile name", "/api/objname/<script>alert(1)</script>", 404
        ),
        _get(
            "name with CRLF header injection",
            "hostile name",
            "/api/objname/M31%0d%0aSet-Cookie:%20x=1",
            None,
        ),
        _get("name with right-to-left override", "hostile name", "/api/objname/NGC\u202e198", 422),
        _get("name only white space", "hostile name", "/api/objname/%20%20%20", None),
        BadInput(
            "upload sent as JSON, not multipart",
            "wrong content type",
            "POST",
            "/api/file",
            None,
            content=b'{"file": "x"}',
            headers={"Content-Type": "application/json"},
        ),
        BadInput(
            "upload as a raw PNG body",
            "wrong content type",
            "POST",
            "/api/file",
            None,
            content=galaxy_image_bytes("PNG", side=32),
            headers={"Content-Type": "image/png"},
        ),
        BadInput(
            "upload without the file field",
            "wrong content type",
            "POST",
            "/api/file",
            422,
            files={"image": ("g.png", galaxy_image_bytes("PNG", side=32), "image/png")},
        ),
        BadInput(
            "multipart with a broken boundary",
            "wrong content type",
            "POST",
            "/api/file",
            None,
            content=b"--nope\r\n\r\n",
            headers={"Content-Type": "multipart/form-data; boundary=other"},
        ),
        BadInput(
            "preview of text",
            "non-image",
            "POST",
            "/api/preview",
            422,
            files={"file": ("a.txt", b"not an image at all" * 10, "text/plain")},
        ),
    ]


def batch_cases(max_items: int, max_upload_bytes: int) -> list[BadInput]:
    def batch(
        name: str, body: bytes, ctype: str = "application/json", expect: int | None = None
    ) -> BadInput:
        return BadInput(
            name,
            "batch body",
            "POST",
            "/api/batch",
            expect,
            content=body,
            headers={"Content-Type": ctype},
        )

    too_many = json.dumps(list(range(1, max_items + 2))).encode()
    huge = json.dumps([{"name": "x" * 1000} for _ in range(max_upload_bytes // 1000 + 10)])
    return [
        batch(f"batch of {max_items + 1} items (one over the limit)", too_many, expect=413),
        batch("batch body larger than the upload limit", huge.encode(), expect=413),
        batch("batch not JSON", b"[1, 2, 3", expect=422),
        batch("batch a JSON object", b'{"pgc": 2557}', expect=422),
        batch("batch nested 50000 deep", b"[" * 50_000 + b"]" * 50_000, expect=422),
        batch("batch of one 2 MB name", json.dumps(["x" * (2 * max_upload_bytes)]).encode()),
        batch("batch CSV of one 2 MB line", b"name\n" + b"x" * (2 * max_upload_bytes), "text/csv"),
        # XML is read as a VOTable; other XML is unreadable content, not a wrong media type.
        batch("batch XML, no VOTable", b"<batch><pgc>2557</pgc></batch>", "application/xml", 422),
        batch("batch as a PNG", galaxy_image_bytes("PNG", side=32), "image/png", 415),
        batch("batch CSV with no known column", b"foo,bar\n1,2\n", "text/csv", 422),
        batch("batch an empty list", b"[]", expect=422),
        batch("batch CSV with a header only", b"pgc,name\n", "text/csv", 422),
        batch("batch invalid UTF-8", b'["\xff\xfe"]', expect=422),
    ]


def corpus(max_upload_bytes: int, batch_max_items: int) -> list[BadInput]:
    return [
        *file_cases(max_upload_bytes),
        *parameter_cases(),
        *batch_cases(batch_max_items, max_upload_bytes),
    ]
