"""Property: for any valid image (any format, mode, size), the tensor has the right shape and
dtype, lies in [0, 1] and is finite."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from preprocessor.copies import COPY_COUNTS
from preprocessor.pipeline import preprocess_bytes
from servicekit.problems import Problem
from tests.preprocessor.factories import (
    cube_fits,
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
)
def test_any_valid_image_gives_a_well_formed_tensor(
    combination: tuple[str, str],
    width: int,
    height: int,
    seed: int,
    constant: bool,
    colour: str,
    copies: str,
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

    prepared = preprocess_bytes(data, colour, copies)  # type: ignore[arg-type]

    channels = 3 if colour == "rgb" else 1
    assert prepared.tensor.shape == (COPY_COUNTS[copies], 128, 128, channels)
    assert prepared.tensor.dtype == np.float32
    assert np.isfinite(prepared.tensor).all()
    assert prepared.tensor.min() >= 0.0 and prepared.tensor.max() <= 1.0
    assert prepared.source.format == image_format


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
