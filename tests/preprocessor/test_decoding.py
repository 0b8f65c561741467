"""Formats told by content; every mode decodes; orientation, first frames; every bad input."""

import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from preprocessor.decoding import decode_image, sniff_format
from preprocessor.imaging import to_model_input
from preprocessor.pipeline import preprocess_bytes
from preprocessor.problems import ImageTooLarge, UnknownImageFormat, UnreadableImage
from tests.preprocessor.factories import (
    animated_gif,
    cube_fits,
    ellipse_image,
    encode,
    exif_rotated_jpeg,
    gaussian_galaxy,
    noise_rgb,
    png_bomb,
)


def rgb_image(width: int = 48, height: int = 32) -> Image.Image:
    return Image.fromarray(noise_rgb(width, height, seed=width + height), "RGB")


LOSSLESS = [
    ("PNG", "RGB", {}),
    ("PNG", "RGBA", {}),
    ("PNG", "L", {}),
    ("PNG", "LA", {}),
    ("PNG", "P", {}),
    ("PNG", "1", {}),
    ("TIFF", "RGB", {}),
    ("TIFF", "L", {}),
    ("TIFF", "CMYK", {}),
    ("TIFF", "I;16", {}),
    ("TIFF", "F", {}),
    ("WEBP", "RGB", {"lossless": True}),
    ("WEBP", "RGBA", {"lossless": True}),
    ("GIF", "P", {}),
    ("GIF", "L", {}),
]


def image_in_mode(mode: str) -> Image.Image:
    base = rgb_image()
    if mode == "I;16":
        return Image.fromarray(np.asarray(base.convert("L")).astype(np.uint16) * 257)
    if mode == "F":
        return Image.fromarray(np.asarray(base.convert("L")).astype(np.float32) / 7.0, "F")
    if mode in ("RGBA", "LA"):
        converted = base.convert(mode)
        converted.putalpha(Image.fromarray(noise_rgb(48, 32, seed=5)[:, :, 0], "L"))
        return converted
    if mode == "P":
        return base.convert("P", palette=Image.Palette.ADAPTIVE)
    return base.convert(mode)


@pytest.mark.parametrize(("image_format", "mode", "options"), LOSSLESS)
def test_lossless_formats_decode_to_exactly_the_image_saved(
    image_format: str, mode: str, options: dict[str, object]
) -> None:
    original = image_in_mode(mode)
    data = encode(original, image_format, **options)

    decoded = decode_image(data)

    assert decoded.format == image_format
    assert (decoded.width, decoded.height) == original.size
    assert decoded.sha256 == hashlib.sha256(data).hexdigest()
    for colour in ("rgb", "gray"):
        np.testing.assert_array_equal(
            to_model_input(decoded.image, colour), to_model_input(original, colour)
        )


def test_modes_are_reported_as_stored() -> None:
    assert decode_image(encode(image_in_mode("I;16"), "PNG")).mode == "I;16"
    assert decode_image(encode(image_in_mode("P"), "PNG")).mode == "P"
    assert decode_image(encode(image_in_mode("LA"), "PNG")).mode == "LA"


def test_jpeg_rgb_and_gray_decode_close_to_the_original() -> None:
    smooth = Image.fromarray(np.tile(np.arange(64, dtype=np.uint8)[None, :] * 4, (40, 1)), "L")
    for mode in ("L", "RGB"):
        decoded = decode_image(encode(smooth.convert(mode), "JPEG", quality=95))
        assert decoded.format == "JPEG" and decoded.mode == mode
        diff = np.abs(
            np.asarray(decoded.image.convert("L"), dtype=int) - np.asarray(smooth, dtype=int)
        )
        assert diff.mean() < 2.0


def test_cmyk_jpeg_keeps_its_colours() -> None:
    red = Image.new("CMYK", (24, 16), (0, 255, 255, 0))
    decoded = decode_image(encode(red, "JPEG", quality=95))
    assert decoded.mode == "CMYK"
    r, g, b = to_model_input(decoded.image, "rgb")[64, 64]
    assert r > 0.9 and g < 0.1 and b < 0.1


@pytest.mark.parametrize(
    ("orientation", "white_corner"),
    [(1, (0, 0)), (3, (-1, -1)), (6, (0, -1)), (8, (-1, 0))],
)
def test_exif_orientation_is_applied(orientation: int, white_corner: tuple[int, int]) -> None:
    decoded = decode_image(exif_rotated_jpeg(60, 40, orientation))
    array = np.asarray(decoded.image.convert("L"))
    expected_size = (60, 40) if orientation in (1, 3) else (40, 60)
    assert decoded.image.size == expected_size
    assert (decoded.width, decoded.height) == expected_size
    row, column = white_corner
    assert array[row, column] > 200  # the stored top-left block, where a viewer shows it
    assert array[-1 - row if row == 0 else 0, -1 - column if column == 0 else 0] < 50


def test_animated_gif_gives_its_first_frame() -> None:
    decoded = decode_image(animated_gif([(255, 0, 0), (0, 0, 255), (0, 255, 0)]))
    assert decoded.format == "GIF"
    r, g, b = to_model_input(decoded.image, "rgb")[10, 10]
    assert r > 0.95 and g < 0.05 and b < 0.05


def test_format_comes_from_the_content_only() -> None:
    png = encode(rgb_image(), "PNG")
    assert sniff_format(png) == "PNG"
    assert sniff_format(encode(rgb_image(), "JPEG")) == "JPEG"
    assert sniff_format(cube_fits([gaussian_galaxy(8, 8)] * 3)) == "FITS"
    assert sniff_format(b"GIF89a...") == "GIF"
    assert sniff_format(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "WEBP"
    assert sniff_format(b"II*\x00") == "TIFF" and sniff_format(b"MM\x00*") == "TIFF"
    assert sniff_format(b"hello.png") is None


# --- bad inputs --------------------------------------------------------------------------------


def test_empty_body() -> None:
    with pytest.raises(UnreadableImage, match="empty"):
        decode_image(b"")


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "GIF", "TIFF", "WEBP"])
def test_truncated_files_are_unreadable(image_format: str) -> None:
    data = encode(rgb_image(64, 64), image_format)
    with pytest.raises(UnreadableImage, match=image_format):
        decode_image(data[: len(data) // 2])


def test_corrupt_png_data_is_unreadable() -> None:
    data = bytearray(encode(rgb_image(64, 64), "PNG"))
    start = data.index(b"IDAT") + 8
    data[start : start + 40] = bytes(40)  # zeroes over the compressed stream: bad CRC / zlib
    with pytest.raises(UnreadableImage):
        decode_image(bytes(data))


@pytest.mark.parametrize(
    "data",
    [b"hello, world", b"<html><body>not found</body></html>", bytes(range(256)) * 4, b"\x00" * 64],
)
def test_non_images_are_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableImage, match="not an image"):
        decode_image(data)


def test_a_header_only_jpeg_is_unreadable() -> None:
    with pytest.raises(UnreadableImage, match="JPEG"):
        decode_image(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (encode(Image.new("RGB", (8, 8)), "BMP"), "BMP"),
        (encode(Image.new("RGB", (8, 8)), "ICO"), "ICO"),
        (encode(Image.new("RGB", (8, 8)), "PPM"), "PPM"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "HEIC"),
    ],
)
def test_other_image_formats_are_unsupported(data: bytes, name: str) -> None:
    with pytest.raises(UnknownImageFormat, match=name) as caught:
        decode_image(data)
    assert caught.value.status == 415


def test_more_pixels_than_allowed() -> None:
    data = encode(rgb_image(100, 50), "PNG")
    with pytest.raises(ImageTooLarge, match="5,000 pixels") as caught:
        decode_image(data, max_pixels=4_999)
    assert caught.value.status == 413
    assert decode_image(data, max_pixels=5_000).width == 100


def test_decompression_bomb_header_is_rejected_before_decoding() -> None:
    with pytest.raises(ImageTooLarge):
        decode_image(png_bomb(100_000, 100_000))


def test_pillow_bomb_warning_becomes_a_413_not_a_warning() -> None:
    saved = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = 1_000
    try:
        warning_zone = encode(rgb_image(40, 40), "PNG")  # 1,600 px: Pillow warns (> 1,000)
        error_zone = encode(rgb_image(50, 50), "PNG")  # 2,500 px: Pillow raises (> 2,000)
        for data in (warning_zone, error_zone):
            with pytest.raises(ImageTooLarge, match="decompression-bomb"):
                decode_image(data, max_pixels=10_000)
    finally:
        Image.MAX_IMAGE_PIXELS = saved


@pytest.mark.parametrize(("width", "height"), [(1, 4000), (4000, 1), (3, 3)])
@pytest.mark.parametrize("image_format", ["PNG", "JPEG"])
def test_odd_sizes_through_the_whole_pipeline(width: int, height: int, image_format: str) -> None:
    data = encode(Image.fromarray(noise_rgb(width, height, seed=2), "RGB"), image_format)
    prepared = preprocess_bytes(data, "rgb", "d4")
    assert (prepared.source.width, prepared.source.height) == (width, height)
    assert prepared.tensor.shape == (8, 128, 128, 3) and prepared.tensor.dtype == np.float32
    assert np.isfinite(prepared.tensor).all()
    assert prepared.tensor.min() >= 0.0 and prepared.tensor.max() <= 1.0


def test_large_jpeg_is_decoded_at_a_reduced_scale_close_to_the_full_decode() -> None:
    image = ellipse_image(1600, 1200, semi_major=500.0, semi_minor=200.0, angle_deg=25.0)
    data = encode(image, "JPEG", quality=95)
    decoded = decode_image(data)
    assert (decoded.width, decoded.height) == (1600, 1200)  # the input's size, not the draft's
    assert max(decoded.image.size) >= 384 and decoded.image.size[0] < 1600  # drafted
    drafted = to_model_input(decoded.image, "gray")
    with Image.open(io.BytesIO(data)) as full:
        full_decode = to_model_input(full, "gray")
    assert np.abs(drafted - full_decode).max() <= 3 / 255
    assert np.abs(drafted - full_decode).mean() <= 0.5 / 255


def test_large_exif_rotated_jpeg_reports_its_upright_size() -> None:
    data = exif_rotated_jpeg(1200, 900, orientation=6)
    decoded = decode_image(data)
    assert (decoded.width, decoded.height) == (900, 1200)
    assert decoded.image.size[1] > decoded.image.size[0]
