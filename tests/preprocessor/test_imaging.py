"""The shared geometry: colour modes, sky-level padding, centring and shape kept through resize."""

import numpy as np
import pytest
from PIL import Image

from preprocessor.imaging import (
    MODEL_SIZE,
    border_fill,
    convert_mode,
    image_border_fill,
    to_model_input,
)
from tests.preprocessor.factories import BRIGHT, SKY, ellipse_image, moments, noise_rgb


def galaxy_weights(array: np.ndarray) -> np.ndarray:
    return array[:, :, 0] - SKY / 255.0


@pytest.mark.parametrize(
    ("width", "height", "semi_major", "semi_minor", "angle"),
    [
        (200, 120, 60.0, 30.0, 0.0),  # wide: padded above and below
        (120, 200, 50.0, 20.0, 90.0),  # tall: padded left and right
        (150, 150, 50.0, 25.0, 30.0),  # square, tilted
        (1500, 700, 500.0, 200.0, 20.0),  # large: the integer pre-shrink path
    ],
)
def test_centred_ellipse_stays_centred_with_its_axis_ratio_and_angle(
    width: int, height: int, semi_major: float, semi_minor: float, angle: float
) -> None:
    image = ellipse_image(
        width, height, semi_major=semi_major, semi_minor=semi_minor, angle_deg=angle
    )
    _, _, q_in, angle_in = moments(np.asarray(image)[:, :, 0] - float(SKY))

    out = to_model_input(image, "rgb")

    assert out.shape == (MODEL_SIZE, MODEL_SIZE, 3)
    cx, cy, q_out, angle_out = moments(galaxy_weights(out))
    centre = (MODEL_SIZE - 1) / 2.0
    assert abs(cx - centre) < 0.25 and abs(cy - centre) < 0.25
    assert q_out == pytest.approx(q_in, abs=0.02)
    assert q_out == pytest.approx(semi_minor / semi_major, abs=0.03)
    assert min(abs(angle_out - angle_in), 180 - abs(angle_out - angle_in)) < 1.0
    # the scale: the ellipse's area shrinks by (128 / longest side)^2
    area_in = (np.asarray(image)[:, :, 0] > (SKY + BRIGHT) / 2).sum()
    area_out = (out[:, :, 0] > (SKY + BRIGHT) / 2 / 255).sum()
    assert area_out == pytest.approx(area_in * (MODEL_SIZE / max(width, height)) ** 2, rel=0.05)


def test_padding_is_the_sky_level_not_black() -> None:
    image = ellipse_image(200, 100, semi_major=40.0, semi_minor=20.0)
    out = to_model_input(image, "gray")
    # rows 0..31 of the output are padding (100 / 200 * 128 = 64 rows of image, centred)
    padding = out[:28, :, 0]
    assert np.allclose(padding, SKY / 255.0, atol=1e-6)
    assert border_fill(np.asarray(image)) == (SKY, SKY, SKY)


def test_border_fill_is_per_channel_median() -> None:
    array = np.zeros((10, 12, 3), dtype=np.uint8)
    array[:, :] = (10, 50, 90)
    array[0, :3] = 255  # a few bright border pixels do not move the median
    assert border_fill(array) == (10, 50, 90)


def test_output_is_float32_unit_range_and_gray_is_luma() -> None:
    image = Image.fromarray(noise_rgb(90, 70), "RGB")
    rgb = to_model_input(image, "rgb")
    gray = to_model_input(image, "gray")
    assert rgb.dtype == np.float32 and gray.dtype == np.float32
    assert gray.shape == (MODEL_SIZE, MODEL_SIZE, 1)
    assert rgb.min() >= 0.0 and rgb.max() <= 1.0
    # a flat colour: gray is ITU-R 601 luma of it, exactly
    flat = Image.new("RGB", (30, 20), (200, 100, 50))
    luma = round(200 * 299 / 1000 + 100 * 587 / 1000 + 50 * 114 / 1000)
    assert np.allclose(to_model_input(flat, "gray"), luma / 255.0, atol=1 / 255)
    assert np.allclose(to_model_input(flat, "rgb")[64, 64], np.array([200, 100, 50]) / 255.0)


def test_sixteen_bit_maps_by_declared_depth_like_its_eight_bit_version() -> None:
    rng = np.random.default_rng(3)
    eight = rng.integers(0, 256, size=(40, 50), dtype=np.uint16)
    sixteen = Image.fromarray(eight * 257)
    assert sixteen.mode == "I;16"
    expected = to_model_input(Image.fromarray(eight.astype(np.uint8), "L"), "gray")
    np.testing.assert_array_equal(to_model_input(sixteen, "gray"), expected)


def test_float_images_stretch_min_to_max_and_nan_becomes_the_minimum() -> None:
    data = np.linspace(-5.0, 5.0, 64 * 64, dtype=np.float32).reshape(64, 64)
    data[0, 0] = np.nan
    converted = np.asarray(convert_mode(Image.fromarray(data, "F"), "gray"))
    assert converted[0, 0] == 0 and converted[-1, -1] == 255 and converted[0, 1] == 0


def test_alpha_and_palette_composite_on_black() -> None:
    rgba = Image.new("RGBA", (8, 8), (255, 255, 255, 0))
    rgba.putpixel((0, 0), (255, 0, 0, 255))
    out = np.asarray(convert_mode(rgba, "rgb"))
    assert tuple(out[0, 0]) == (255, 0, 0) and tuple(out[4, 4]) == (0, 0, 0)
    palette = Image.new("P", (4, 4), 1)
    palette.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    assert tuple(np.asarray(convert_mode(palette, "rgb"))[2, 2]) == (10, 200, 30)
    la = Image.new("LA", (4, 4), (200, 128))
    assert np.asarray(convert_mode(la, "gray"))[0, 0] == pytest.approx(100, abs=1)


def test_one_bit_and_lab() -> None:
    one = Image.new("1", (5, 3), 1)
    assert np.allclose(to_model_input(one, "gray"), 1.0)
    with pytest.raises(ValueError, match="LAB"):
        convert_mode(Image.new("LAB", (3, 3)), "rgb")


@pytest.mark.parametrize(("width", "height"), [(1, 4000), (4000, 1), (3, 3), (1, 1), (2, 7)])
def test_odd_sizes(width: int, height: int) -> None:
    rng = np.random.default_rng(width * 7 + height)
    image = Image.fromarray(rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8), "RGB")
    out = to_model_input(image, "rgb")
    assert out.shape == (MODEL_SIZE, MODEL_SIZE, 3) and out.dtype == np.float32
    assert np.isfinite(out).all() and out.min() >= 0.0 and out.max() <= 1.0


def test_a_thin_line_stays_a_centred_line() -> None:
    pixels = np.full((4000, 9), 0, dtype=np.uint8)
    pixels[:, 4] = 255  # a bright vertical line in the middle of a 9 px wide strip
    out = to_model_input(Image.fromarray(pixels, "L"), "gray")[:, :, 0]
    column_profile = out.mean(axis=0)
    assert abs(float(np.argmax(column_profile)) - 63.5) <= 0.5
    assert column_profile[:50].max() < 0.05 and column_profile[78:].max() < 0.05


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_image_border_fill_matches_the_array_version(mode: str) -> None:
    rng = np.random.default_rng(11)
    pixels = rng.integers(0, 256, size=(13, 21, 3), dtype=np.uint8)
    image = Image.fromarray(pixels, "RGB").convert(mode)
    assert image_border_fill(image) == border_fill(np.asarray(image))
