"""The geometry the network expects, shared by the preprocessor service and training/ so that
training and serving can never disagree.

An image becomes the network input by: converting to the colour mode (``rgb``: 3 channels,
``gray``: 1 channel, ITU-R 601 luma), padding to a centred square, resizing to ``size``x``size``
with antialiasing, and scaling to float32 in [0, 1] (0 = black).

Padding fill: the median of the image's border pixels (the sky level), not black, so the square
has no hard edge that the network could mistake for structure.

Colour modes: palette → its colours; alpha composited on black (transparent = no data); 1-bit,
CMYK, YCbCr, HSV → Pillow's conversion; 16-bit integer (``I;16*``) by its declared depth
(value / 257, so a 16-bit image and its 8-bit version give the same input); 32-bit ``I`` and
float ``F`` (no declared range) stretched linearly from their minimum to their maximum, NaN → the
minimum. EXIF orientation and animation frames are the decoder's job
(:mod:`preprocessor.decoding`), not this module's.

Very large inputs are first shrunk by an integer box reduction (what Pillow's ``reducing_gap``
does anyway) before padding, so the padded square never holds more than a few times
``size``² pixels whatever the aspect ratio.
"""

from typing import Literal

import numpy as np
import numpy.typing as npt
from PIL import Image

ColorMode = Literal["rgb", "gray"]
MODEL_SIZE = 128

FloatImage = npt.NDArray[np.float32]


REDUCING_GAP = 3.0
_SIXTEEN_BIT = ("I;16", "I;16B", "I;16L", "I;16N")
_UNSUPPORTED_MODES = ("LAB", "La")


def convert_mode(image: Image.Image, mode: ColorMode) -> Image.Image:
    """Palette, alpha (composited on black), 16-bit and grayscale inputs to 8-bit RGB or L.

    Raises ValueError for a colour mode with no faithful conversion (LAB).
    """
    if image.mode in _UNSUPPORTED_MODES:
        raise ValueError(f"colour mode {image.mode} is not supported")
    if image.mode in _SIXTEEN_BIT:
        array = np.asarray(image).astype(np.float64) / 257.0
        image = Image.fromarray(np.clip(array.round(), 0, 255).astype(np.uint8), mode="L")
    elif image.mode in ("I", "F"):
        array = np.asarray(image, dtype=np.float64)
        finite = np.isfinite(array)
        if not finite.all():
            array = np.where(finite, array, np.min(array[finite]) if finite.any() else 0.0)
        lo, hi = float(np.min(array)), float(np.max(array))
        scaled = np.zeros_like(array) if hi <= lo else (array - lo) / (hi - lo) * 255.0
        image = Image.fromarray(scaled.round().astype(np.uint8), mode="L")
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa", "LA", "PA"):
        background = Image.new("RGBA", image.size, (0, 0, 0, 255))
        image = Image.alpha_composite(background, image.convert("RGBA"))
    target = "RGB" if mode == "rgb" else "L"
    return image if image.mode == target else image.convert(target)


def border_fill(array: npt.NDArray[np.uint8]) -> tuple[int, ...]:
    """Median of the outermost pixel ring, per channel: the sky level around the galaxy."""
    ring = np.concatenate(
        [
            array[0].reshape(-1, *array.shape[2:]),
            array[-1].reshape(-1, *array.shape[2:]),
            array[:, 0].reshape(-1, *array.shape[2:]),
            array[:, -1].reshape(-1, *array.shape[2:]),
        ]
    )
    median = np.median(ring, axis=0)
    return tuple(int(v) for v in np.atleast_1d(np.round(median)))


def image_border_fill(image: Image.Image) -> tuple[int, ...]:
    """:func:`border_fill` of a PIL image, reading only its outermost rows and columns."""
    width, height = image.size
    edges = [(0, 0, width, 1), (0, height - 1, width, height), (0, 0, 1, height)]
    edges.append((width - 1, 0, width, height))
    channels = len(image.getbands())
    ring = np.concatenate([np.asarray(image.crop(box)).reshape(-1, channels) for box in edges])
    median = np.median(ring, axis=0)
    return tuple(int(v) for v in np.atleast_1d(np.round(median)))


def shrink_for(image: Image.Image, size: int) -> Image.Image:
    """An integer box reduction when the padded square would be far bigger than needed."""
    factor = int(max(image.size) // (size * REDUCING_GAP))
    return image.reduce(factor) if factor >= 2 else image


def pad_to_square(image: Image.Image, fill: tuple[int, ...] | None = None) -> Image.Image:
    """Centred on a square canvas filled with ``fill`` (default: the image's border median)."""
    width, height = image.size
    if width == height:
        return image
    side = max(width, height)
    fill = fill if fill is not None else border_fill(np.asarray(image))
    canvas = Image.new(image.mode, (side, side), fill if len(fill) > 1 else fill[0])
    canvas.paste(image, ((side - width) // 2, (side - height) // 2))
    return canvas


def crop_square(image: Image.Image, left: float, top: float, side: float,
                fill: tuple[int, ...]) -> Image.Image:
    """The square (left, top, side) cut from ``image``, filled with ``fill`` past its edges."""
    width = max(1, round(side))
    x0, y0 = round(left), round(top)
    canvas = Image.new(image.mode, (width, width), fill if len(fill) > 1 else fill[0])
    inside = (max(x0, 0), max(y0, 0), min(x0 + width, image.width), min(y0 + width, image.height))
    if inside[0] < inside[2] and inside[1] < inside[3]:
        canvas.paste(image.crop(inside), (inside[0] - x0, inside[1] - y0))
    return canvas


def to_model_input(image: Image.Image, mode: ColorMode, size: int = MODEL_SIZE,
                   square: tuple[float, float, float] | None = None) -> FloatImage:
    """One decoded image → float32 (size, size, C) in [0, 1]; ``square`` (left, top, side, in
    the image's pixels): measure that square instead of the whole image padded to one
    (:mod:`preprocessor.framing`)."""
    converted = convert_mode(image, mode)
    if square is not None:
        converted = crop_square(converted, *square, image_border_fill(converted))
    # the sky level of the full-resolution image, before any pre-shrink averages it
    fill = image_border_fill(converted) if converted.width != converted.height else None
    square_image = pad_to_square(shrink_for(converted, size), fill)
    resized = square_image.resize((size, size), Image.Resampling.LANCZOS,
                                  reducing_gap=REDUCING_GAP)
    array = np.asarray(resized, dtype=np.float32) / 255.0
    if array.ndim == 2:
        array = array[:, :, np.newaxis]
    return array
