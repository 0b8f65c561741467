"""Bytes → one decoded image, the format told by the content (magic bytes), never by a file name.

Rasters (JPEG, PNG, GIF, TIFF, WebP) are opened by Pillow restricted to the sniffed format, their
EXIF orientation applied and, for animations, the first frame kept. FITS goes to
:mod:`preprocessor.fits`. Everything happens in memory; nothing is written to disk.

Failures are the domain exceptions of :mod:`preprocessor.problems`: empty, truncated, corrupt or
not an image → :class:`UnreadableImage` (422); an image format this service does not decode →
:class:`UnknownImageFormat` (415); more pixels than allowed → :class:`ImageTooLarge` (413).
"""

import hashlib
import io
import math
import warnings
import zlib
from dataclasses import dataclass, field, replace
from typing import Final

from PIL import Image, ImageOps, UnidentifiedImageError

from preprocessor import fits
from preprocessor.imaging import MODEL_SIZE, REDUCING_GAP
from preprocessor.problems import ImageTooLarge, UnknownImageFormat, UnreadableImage

# Pillow's decompression-bomb guard: in this process its warning is an error, never a warning
# that escapes to a log; decode_image turns both into ImageTooLarge.
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)

DEFAULT_MAX_PIXELS: Final = 40_000_000
DEFAULT_MAX_INFLATED_BYTES: Final = 100 * 1024 * 1024
GZIP_MAGIC: Final = b"\x1f\x8b"
DRAFT_MIN_SIDE: Final = int(MODEL_SIZE * REDUCING_GAP)
ORIENTATION_TAG: Final = 0x0112

RASTER_FORMATS: Final = ("JPEG", "PNG", "GIF", "TIFF", "WEBP")
SUPPORTED_FORMATS: Final = (*RASTER_FORMATS, "FITS")

# Signatures of image formats this service recognises but does not decode (answered with 415).
_OTHER_IMAGE_SIGNATURES: Final = (
    (0, b"BM", "BMP"),
    (0, b"8BPS", "PSD"),
    (0, b"\x00\x00\x01\x00", "ICO"),
    (0, b"qoif", "QOI"),
    (0, b"\xff\x0a", "JPEG XL"),
    (4, b"jP  ", "JPEG 2000"),
    (4, b"JXL ", "JPEG XL"),
    (4, b"ftypheic", "HEIC"),
    (4, b"ftypheix", "HEIC"),
    (4, b"ftypmif1", "HEIF"),
    (4, b"ftypavif", "AVIF"),
)


@dataclass(frozen=True)
class DecodedImage:
    """One input image, ready for :func:`preprocessor.imaging.to_model_input`."""

    image: Image.Image
    format: str  # JPEG, PNG, GIF, TIFF, WEBP or FITS
    width: int  # of the input, upright (after EXIF orientation)
    height: int
    mode: str  # Pillow mode of the input, or for FITS "<dtype>x<bands>", e.g. "float32x3"
    sha256: str
    details: dict[str, str] = field(default_factory=dict)  # FITS: bands, stretch, alignment


def sniff_format(data: bytes) -> str | None:
    """The supported format the leading bytes announce, or None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if data.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "TIFF"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if fits.is_fits(data):
        return "FITS"
    return None


def _other_image_format(data: bytes) -> str | None:
    for offset, signature, name in _OTHER_IMAGE_SIGNATURES:
        if data[offset : offset + len(signature)] == signature:
            return name
    try:
        with Image.open(io.BytesIO(data)) as image:
            return str(image.format or "unknown")
    except Exception:
        return None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width <= 0 or height <= 0:
        raise UnreadableImage(f"the image has no pixels ({width}x{height})")
    if width * height > max_pixels:
        raise ImageTooLarge(
            f"the image is {width}x{height} = {width * height:,} pixels; "
            f"the limit is {max_pixels:,}",
            pixels=width * height,
            max_pixels=max_pixels,
        )


def decode_raster(
    data: bytes, image_format: str, max_pixels: int
) -> tuple[Image.Image, str, tuple[int, int]]:
    """Open with Pillow (only ``image_format``), guard the size, load, apply EXIF orientation.

    A large JPEG is decoded at a reduced DCT scale (Pillow's ``draft``) that keeps its longer
    side at least ``DRAFT_MIN_SIDE`` (3 x 128): the same box reduction the geometry's
    ``reducing_gap`` would apply, done by the decoder at a fraction of the cost.

    Returns the upright first frame, the mode of the input as stored, and the input's upright
    size (before any draft reduction).
    """
    try:
        opened = Image.open(io.BytesIO(data), formats=[image_format])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"decompression-bomb guard: {exc}") from exc
    except MemoryError:
        raise
    except UnidentifiedImageError as exc:
        raise UnreadableImage(f"the bytes start like {image_format} but do not decode") from exc
    except Exception as exc:
        raise UnreadableImage(f"corrupt {image_format}: {_reason(exc)}") from exc
    with opened:
        width, height = opened.size
        check_pixels(width, height, max_pixels)
        mode = opened.mode
        try:
            if image_format == "JPEG":
                scale = DRAFT_MIN_SIDE / max(width, height)
                if scale < 0.5:
                    opened.draft(mode, (math.ceil(width * scale), math.ceil(height * scale)))
            opened.seek(0)
            opened.load()
            transposed = opened.getexif().get(ORIENTATION_TAG) in (5, 6, 7, 8)
            upright = ImageOps.exif_transpose(opened)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageTooLarge(f"decompression-bomb guard: {exc}") from exc
        except MemoryError:
            raise
        except Exception as exc:
            raise UnreadableImage(f"truncated or corrupt {image_format}: {_reason(exc)}") from exc
    return upright, mode, ((height, width) if transposed else (width, height))


def gunzip_fits(data: bytes, max_inflated_bytes: int) -> bytes:
    """A gzip-compressed FITS file (``.fits.gz``) → the FITS bytes, inflated in memory with a
    bound on the inflated size (a zip bomb is a 413, not an out-of-memory)."""
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(data, max_inflated_bytes + 1)
    except zlib.error as exc:
        raise UnreadableImage(f"corrupt gzip: {exc}") from exc
    if len(inflated) > max_inflated_bytes:
        raise ImageTooLarge(
            f"the gzip content inflates beyond {max_inflated_bytes:,} bytes",
            max_inflated_bytes=max_inflated_bytes,
        )
    if not inflater.eof:
        raise UnreadableImage("truncated gzip: the compressed stream ends early")
    if not fits.is_fits(inflated):
        raise UnreadableImage("gzip-compressed content that is not FITS (only .fits.gz is read)")
    return inflated


def decode_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
) -> DecodedImage:
    """Any supported image's bytes → :class:`DecodedImage`."""
    if not data:
        raise UnreadableImage("the body is empty: send the image bytes")
    digest = hashlib.sha256(data).hexdigest()
    if data.startswith(GZIP_MAGIC):
        stretched = fits.decode_fits(gunzip_fits(data, max_inflated_bytes), max_pixels=max_pixels)
        decoded = _from_fits(stretched, digest)
        return replace(decoded, details={**decoded.details, "compression": "gzip"})
    image_format = sniff_format(data)
    if image_format == "FITS":
        stretched = fits.decode_fits(data, max_pixels=max_pixels)
        return _from_fits(stretched, digest)
    if image_format is None:
        other = _other_image_format(data)
        if other is not None:
            raise UnknownImageFormat(
                f"{other} images are not supported; send one of {', '.join(SUPPORTED_FORMATS)}",
                format=other,
                supported=list(SUPPORTED_FORMATS),
            )
        raise UnreadableImage(
            f"not an image: the content matches none of {', '.join(SUPPORTED_FORMATS)} "
            f"(first bytes {data[:8]!r})"
        )
    image, mode, (width, height) = decode_raster(data, image_format, max_pixels)
    return DecodedImage(image, image_format, width, height, mode, digest)


def decode_bands(
    parts: dict[str, bytes],
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
) -> DecodedImage:
    """Three single-band FITS files (each may be gzip-compressed) for g, r and i → one colour
    image, aligned by WCS. Its sha256 is that of the three files' sha256 digests, in g, r, i
    order."""
    missing = [band for band in fits.BANDS if not parts.get(band)]
    if missing:
        raise UnreadableImage(
            f"missing or empty band file(s): {', '.join(missing)}; send FITS files g, r and i"
        )
    files = []
    for band in fits.BANDS:
        data = parts[band]
        if data.startswith(GZIP_MAGIC):
            data = gunzip_fits(data, max_inflated_bytes)
        if not fits.is_fits(data):
            raise UnknownImageFormat(f"band {band} is not a FITS file; each band must be FITS")
        files.append(data)
    digest = hashlib.sha256(b"".join(hashlib.sha256(parts[b]).digest() for b in fits.BANDS))
    stretched = fits.decode_band_files(files, max_pixels=max_pixels)
    return _from_fits(stretched, digest.hexdigest())


def _from_fits(stretched: fits.StretchedImage, digest: str) -> DecodedImage:
    return DecodedImage(
        stretched.image,
        "FITS",
        stretched.width,
        stretched.height,
        stretched.mode,
        digest,
        stretched.details(),
    )
