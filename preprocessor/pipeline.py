"""Bytes → the network's tensor, or → the preview PNG: decoding, geometry and test-time copies,
protocol-neutral (the HTTP routes and the benchmark call these)."""

import io
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image

from preprocessor.copies import Copies, make_copies
from preprocessor.decoding import (
    DEFAULT_MAX_INFLATED_BYTES,
    DEFAULT_MAX_PIXELS,
    DecodedImage,
    decode_bands,
    decode_image,
)
from preprocessor.framing import Frame, Framing, choose
from preprocessor.imaging import MODEL_SIZE, ColorMode, to_model_input
from preprocessor.problems import UnreadableImage

Tensor = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Prepared:
    source: DecodedImage
    tensor: Tensor  # (N, 128, 128, C) float32 in [0, 1]
    framing: Framing | None = None  # with frame="auto": what was measured


def model_input(decoded: DecodedImage, mode: ColorMode, frame: Frame = "as-is"
                ) -> tuple[Tensor, Framing | None]:
    """One decoded image → (128, 128, C) and, with ``frame="auto"``, how it was framed
    (:mod:`preprocessor.framing`); a colour mode with no faithful conversion → 422."""
    try:
        framing = choose(decoded.image) if frame == "auto" else None
        square = framing.square if framing is not None and framing.applied else None
        tensor = to_model_input(decoded.image, mode, MODEL_SIZE, square)
    except ValueError as exc:
        raise UnreadableImage(f"{decoded.format} image in mode {decoded.mode}: {exc}") from exc
    if framing is not None:  # reported in the upload's pixels, as its width and height are
        framing = framing.in_upload_pixels(decoded.width, decoded.height, decoded.image.width)
    return tensor, framing


def prepare(decoded: DecodedImage, mode: ColorMode, copies: Copies, frame: Frame = "as-is"
            ) -> Prepared:
    tensor, framing = model_input(decoded, mode, frame)
    return Prepared(decoded, make_copies(tensor, copies), framing)


def preview_png(decoded: DecodedImage, mode: ColorMode, frame: Frame = "as-is"
                ) -> tuple[bytes, Framing | None]:
    """The 128x128 image the network sees (the first copy), as PNG (exact: inputs are k/255),
    and how it was framed."""
    tensor, framing = model_input(decoded, mode, frame)
    array = np.round(tensor * 255.0).astype(np.uint8)
    image = Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue(), framing


def preprocess_bytes(
    data: bytes,
    mode: ColorMode,
    copies: Copies,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
    frame: Frame = "as-is",
) -> Prepared:
    """Image bytes → tensor (N, 128, 128, C)."""
    decoded = decode_image(data, max_pixels=max_pixels, max_inflated_bytes=max_inflated_bytes)
    return prepare(decoded, mode, copies, frame)


def preprocess_bands(
    parts: dict[str, bytes],
    mode: ColorMode,
    copies: Copies,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES,
    frame: Frame = "as-is",
) -> Prepared:
    """Three FITS files {g, r, i} → tensor (N, 128, 128, C)."""
    decoded = decode_bands(parts, max_pixels=max_pixels, max_inflated_bytes=max_inflated_bytes)
    return prepare(decoded, mode, copies, frame)
