"""frame=auto: finding the galaxy in an upload and the square measured around it."""

import io

import numpy as np
import pytest
from PIL import Image

from preprocessor import framing
from preprocessor.decoding import decode_image
from preprocessor.framing import LARGEST, OFFSET_LIMIT, SMALLEST, choose, find_galaxy
from preprocessor.imaging import crop_square, to_model_input
from preprocessor.pipeline import prepare, preview_png
from tests.preprocessor.factories import disk_field, encode


def field(**kwargs: object) -> Image.Image:
    return Image.fromarray(disk_field(**kwargs), "RGB")  # type: ignore[arg-type]


def test_a_centred_galaxy_is_measured_as_framed() -> None:
    image = field()
    chosen = choose(image)
    assert not chosen.applied
    assert chosen.found is not None
    assert chosen.found.offset < 0.01
    assert chosen.square == (0.0, 0.0, 512.0)
    assert "middle" in chosen.reason


@pytest.mark.parametrize("black_sky", [False, True])
def test_a_galaxy_in_a_corner_is_found_and_centred(black_sky: bool) -> None:
    image = field(centre=(110.0, 400.0), black_sky=black_sky)
    chosen = choose(image)
    assert chosen.applied, chosen.reason
    found = chosen.found
    assert found is not None
    assert found.x == pytest.approx(110.5, abs=3) and found.y == pytest.approx(400.5, abs=3)
    assert found.offset > OFFSET_LIMIT
    left, top, side = chosen.square
    assert left + side / 2 == pytest.approx(found.x) and top + side / 2 == pytest.approx(found.y)
    assert side == pytest.approx(max(1.5 * found.diameter, SMALLEST * 512))
    # the disk (scale length 12 px) reaches the isophote well beyond two scale lengths
    assert 60 < found.diameter < 200


def test_the_square_is_measured_with_sky_past_the_edges() -> None:
    image = field(centre=(60.0, 450.0))
    chosen = choose(image)
    assert chosen.applied and chosen.left < 0
    framed = to_model_input(image, "rgb", 128, chosen.square)
    as_is = to_model_input(image, "rgb", 128)
    # centred now: the brightest pixel is in the middle of the network's input
    peak = np.unravel_index(np.argmax(framed[:, :, 1]), framed.shape[:2])
    assert abs(peak[0] - 63.5) < 4 and abs(peak[1] - 63.5) < 4
    assert not np.array_equal(framed, as_is)
    # the part past the image's left edge is sky, not black
    assert framed[64, 0, 1] > 0.05


def test_a_galaxy_that_fills_the_frame_is_left_alone() -> None:
    image = field(centre=(330.0, 300.0), scale_length=60.0)
    chosen = choose(image)
    assert not chosen.applied
    assert chosen.found is not None and chosen.found.extent > LARGEST
    assert "fills" in chosen.reason


def test_blank_sky_has_nothing_to_frame() -> None:
    rng = np.random.default_rng(3)
    sky = np.clip(rng.normal(20, 3, (300, 300, 3)), 0, 255).astype(np.uint8)
    chosen = choose(Image.fromarray(sky, "RGB"))
    assert not chosen.applied and chosen.found is None
    assert chosen.square == (0.0, 0.0, 300.0)


def test_the_extended_galaxy_wins_over_a_brighter_star_in_the_middle() -> None:
    image = field(centre=(120.0, 130.0), stars=[(256.0, 256.0, 1.0)])
    found = find_galaxy(image)
    assert found is not None
    assert found.x == pytest.approx(120.5, abs=3) and found.y == pytest.approx(130.5, abs=3)


def test_a_tiny_source_is_centred_without_being_blown_up() -> None:
    image = field(centre=(100.0, 100.0), scale_length=3.0)
    chosen = choose(image)
    assert chosen.applied
    assert chosen.side == pytest.approx(SMALLEST * 512)


def test_a_wide_image_is_judged_in_its_padded_square() -> None:
    galaxy = disk_field(300, centre=(150.0, 150.0))
    empty = disk_field(300, scale_length=0.1, seed=1)
    wide = np.concatenate([galaxy, empty], axis=1)
    chosen = choose(Image.fromarray(wide, "RGB"))
    assert chosen.found is not None and chosen.found.frame_side == 600
    assert chosen.applied  # 150 px left of the middle of a 600-pixel square: a quarter off


def test_crop_square_inside_and_outside() -> None:
    image = Image.fromarray(np.arange(100, dtype=np.uint8).reshape(10, 10), "L")
    inside = np.asarray(crop_square(image, 2, 3, 4, (7,)))
    np.testing.assert_array_equal(inside, np.asarray(image)[3:7, 2:6])
    outside = np.asarray(crop_square(image, -5, -5, 4, (7,)))
    assert (outside == 7).all()


def test_pipeline_reports_the_framing_only_when_asked() -> None:
    data = encode(field(centre=(110.0, 400.0)), "PNG")
    decoded = decode_image(data)
    auto = prepare(decoded, "rgb", "rot4", "auto")
    as_is = prepare(decoded, "rgb", "rot4")
    assert as_is.framing is None and auto.framing is not None and auto.framing.applied
    assert auto.tensor.shape == as_is.tensor.shape == (4, 128, 128, 3)
    assert not np.array_equal(auto.tensor, as_is.tensor)
    png, shown = preview_png(decoded, "rgb", "auto")
    assert shown == auto.framing
    preview = np.asarray(Image.open(io.BytesIO(png)), dtype=np.float32) / 255.0
    np.testing.assert_array_equal(preview, auto.tensor[0])


def test_framing_is_deterministic_and_uses_a_small_working_copy() -> None:
    image = field(side=1500, centre=(300.0, 1200.0), scale_length=30.0)
    first, second = choose(image), choose(image)
    assert first == second and first.applied
    gray, factor = framing._gray(image)
    assert max(gray.shape) <= 2 * framing.WORK_SIZE and factor > 1
