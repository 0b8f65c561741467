"""Property: for any valid image (any format, mode, size, framing), the tensor has the right
shape and dtype, lies in [0, 1] and is finite; framing any field measures a square centred on
what it found, or the whole image."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from preprocessor.copies import COPY_COUNTS
from preprocessor.framing import LARGEST, OFFSET_LIMIT, SMALLEST, choose
from preprocessor.imaging import to_model_input
from preprocessor.pipeline import preprocess_bytes
from servicekit.problems import Problem
from tests.preprocessor.factories import (
    cube_fits,
    disk_field,
    encode,
    gaussian_galaxy,
    noise_rgb,
    single_band_fits,
)

# (format, Pillow mode) pairs Pillow can write; the decoder must take every one of them.
COMBINATIONS = [
    ("PNG", "RGB"),
    ("PNG", "RGBA"),
    ("PNG", "L"),
    ("PNG", "LA"),
    ("PNG", "P"),
    ("PNG", "1"),
    ("PNG", "I;16"),
    ("JPEG", "RGB"),
    ("JPEG", "L"),
    ("JPEG", "CMYK"),
    ("GIF", "P"),
    ("GIF", "L"),
    ("TIFF", "RGB"),
    ("TIFF", "RGBA"),
    ("TIFF", "I;16"),
    ("TIFF", "F"),
    ("TIFF", "1"),
    ("WEBP", "RGB"),
    ("WEBP", "RGBA"),
    ("FITS", "F"),
    ("FITS", "cube"),
]


def make_image(mode: str, pixels: np.ndarray) -> Image.Image:
    if mode == "I;16":
        return Image.fromarray(pixels[:, :, 0].astype(np.uint16) * 300)
    if mode == "F":
        return Image.fromarray(pixels[:, :, 0].astype(np.float32) * 1e3 - 7.0, "F")
    rgb = Image.fromarray(pixels, "RGB")
    if mode == "P":
        return rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return rgb.convert(mode)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    combination=st.sampled_from(COMBINATIONS),
    width=st.integers(1, 48),
    height=st.integers(1, 48),
    seed=st.integers(0, 2**32 - 1),
    constant=st.booleans(),
    colour=st.sampled_from(["rgb", "gray"]),
    copies=st.sampled_from(["none", "rot4", "d4"]),
    frame=st.sampled_from(["as-is", "auto"]),
)
def test_any_valid_image_gives_a_well_formed_tensor(
    combination: tuple[str, str],
    width: int,
    height: int,
    seed: int,
    constant: bool,
    colour: str,
    copies: str,
    frame: str,
) -> None:
    image_format, mode = combination
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    if constant:
        pixels[:] = pixels[0, 0]
    if image_format == "FITS":
        plane = pixels[:, :, 0].astype(np.float32)
        if not constant and plane.size > 2:
            plane.reshape(-1)[rng.integers(0, plane.size)] = np.nan
        data = (
            cube_fits([plane, plane * 2, plane * 3]) if mode == "cube" else single_band_fits(plane)
        )
    else:
        data = encode(make_image(mode, pixels), image_format)

    prepared = preprocess_bytes(data, colour, copies, frame=frame)  # type: ignore[arg-type]

    channels = 3 if colour == "rgb" else 1
    assert prepared.tensor.shape == (COPY_COUNTS[copies], 128, 128, channels)
    assert prepared.tensor.dtype == np.float32
    assert np.isfinite(prepared.tensor).all()
    assert prepared.tensor.min() >= 0.0 and prepared.tensor.max() <= 1.0
    assert prepared.source.format == image_format
    assert (prepared.framing is None) == (frame == "as-is")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    side=st.integers(64, 400),
    aspect=st.floats(0.5, 2.0),
    x=st.floats(0.0, 1.0),
    y=st.floats(0.0, 1.0),
    scale=st.floats(0.5, 40.0),
    black_sky=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_framing_any_field_gives_a_square_around_what_it_found(
    side: int, aspect: float, x: float, y: float, scale: float, black_sky: bool, seed: int
) -> None:
    field = disk_field(side, centre=(x * (side - 1), y * (side - 1)), scale_length=scale,
                       black_sky=black_sky, seed=seed)
    height = max(1, round(side / aspect)) if aspect > 1 else side
    image = Image.fromarray(np.ascontiguousarray(field[:height]), "RGB")
    framing = choose(image)
    frame_side = max(image.size)
    if framing.applied:
        assert framing.found is not None
        assert framing.found.offset > OFFSET_LIMIT and framing.found.extent <= LARGEST
        assert framing.side >= SMALLEST * frame_side - 1e-9
        assert framing.left + framing.side / 2 == pytest.approx(framing.found.x)
        assert framing.top + framing.side / 2 == pytest.approx(framing.found.y)
    else:
        assert framing.side == frame_side
    tensor = to_model_input(image, "rgb", 128, framing.square if framing.applied else None)
    assert tensor.shape == (128, 128, 3) and np.isfinite(tensor).all()
    assert tensor.min() >= 0.0 and tensor.max() <= 1.0


def seed_files() -> dict[str, bytes]:
    image = Image.fromarray(noise_rgb(40, 30), "RGB")
    files = {name: encode(image, name) for name in ("PNG", "JPEG", "GIF", "TIFF", "WEBP")}
    files["FITS"] = cube_fits([gaussian_galaxy(40, 30, seed=s) for s in range(3)])
    return files


SEEDS = seed_files()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(SEEDS)),
    edits=st.lists(
        st.tuples(st.integers(0, 2), st.floats(0.0, 1.0), st.binary(min_size=1, max_size=16)),
        min_size=1,
        max_size=6,
    ),
)
def test_damaged_files_give_a_tensor_or_a_client_error_never_a_crash(
    name: str, edits: list[tuple[int, float, bytes]]
) -> None:
    data = bytearray(SEEDS[name])
    for operation, where, chunk in edits:
        position = int(where * (len(data) - 1))
        if operation == 0:
            data[position : position + len(chunk)] = chunk  # overwrite
        elif operation == 1:
            del data[position : position + 8 * len(chunk)]  # cut
        else:
            data[position:position] = chunk  # insert
    try:
        prepared = preprocess_bytes(bytes(data), "rgb", "none")
    except Problem as problem:
        assert problem.status in (413, 415, 422) and problem.detail
    else:
        assert prepared.tensor.shape == (1, 128, 128, 3)
        assert np.isfinite(prepared.tensor).all()
