"""The classical second opinion: the axial ratio of an image's central isophote."""

import math

import numpy as np
import pytest

from inference.axial_ratio import (
    Q0,
    axis_ratio,
    central_region,
    image_inclination,
    inclination_from_q,
    region_axis_ratio,
)


def elliptical_disk(q: float, angle_deg: float, side: int = 128, sky: float = 20.0,
                    negative: bool = False) -> np.ndarray:
    """An exponential disk of axis ratio ``q`` at position angle ``angle_deg`` on a flat sky,
    gray-on-black (or black-on-white), (side, side, 3) in 0-255."""
    y, x = np.mgrid[:side, :side] - (side - 1) / 2
    a = math.radians(angle_deg)
    major = x * math.cos(a) + y * math.sin(a)
    minor = (-x * math.sin(a) + y * math.cos(a)) / q
    light = sky + 220.0 * np.exp(-np.hypot(major, minor) / (side / 12))
    image = np.clip(255.0 - light if negative else light, 0, 255)
    return np.repeat(image[:, :, np.newaxis], 3, axis=2)


@pytest.mark.parametrize("q", [0.3, 0.5, 0.8])
@pytest.mark.parametrize("angle", [0.0, 35.0, 90.0])
def test_the_ratio_of_a_disk_is_its_axis_ratio_whatever_its_angle(q: float, angle: float
                                                                 ) -> None:
    assert axis_ratio(elliptical_disk(q, angle)) == pytest.approx(q, abs=0.04)
    # black on white (the Zoo's renderings) and [0, 1] floats read the same
    assert axis_ratio(elliptical_disk(q, angle, negative=True)) == pytest.approx(q, abs=0.04)
    assert axis_ratio(elliptical_disk(q, angle) / 255.0) == pytest.approx(q, abs=0.04)


def test_the_inclination_follows_the_q0_convention_of_the_labels() -> None:
    assert inclination_from_q(1.0) == 0.0
    assert inclination_from_q(Q0) == 90.0 and inclination_from_q(0.1) == 90.0
    assert inclination_from_q(0.5) == pytest.approx(
        math.degrees(math.acos(math.sqrt((0.25 - Q0**2) / (1 - Q0**2)))))
    assert image_inclination(elliptical_disk(0.5, 20.0)) == pytest.approx(
        inclination_from_q(0.5), abs=3.0)


def test_a_blank_image_has_no_second_opinion() -> None:
    assert math.isnan(image_inclination(np.full((128, 128, 3), 30.0)))
    assert math.isnan(inclination_from_q(math.nan))


def noisy_disks(count: int, seed: int) -> list[np.ndarray]:
    """Disks of random shape, angle and sky with Gaussian noise and a neighbour or two."""
    rng = np.random.default_rng(seed)
    images = []
    for _ in range(count):
        image = elliptical_disk(float(rng.uniform(0.15, 1.0)), float(rng.uniform(0, 180)),
                                sky=float(rng.uniform(5, 60)))
        for _ in range(int(rng.integers(0, 3))):
            y, x = rng.integers(10, 118, 2)
            image[y - 3:y + 3, x - 3:x + 3] += 120.0
        images.append(np.clip(image + rng.normal(0, 6, image.shape), 0, 255))
    return images


def test_the_moments_are_those_of_scikit_images_regionprops() -> None:
    measure = pytest.importorskip("skimage.measure")  # installed with the training extras
    for image in noisy_disks(12, 5):
        region = central_region(image)
        assert region is not None
        assert measure.label(region, connectivity=2).max() == 1  # one 8-connected region
        props = measure.regionprops(region.astype(np.uint8))[0]
        assert region_axis_ratio(region) == pytest.approx(
            props.axis_minor_length / props.axis_major_length, abs=1e-12)


def test_a_single_pixel_has_no_axis_ratio() -> None:
    assert math.isnan(region_axis_ratio(np.eye(1, dtype=bool)))


def test_a_model_input_reads_as_the_8_bit_image_it_was_made_from() -> None:
    # a rotated survey frame: blank (level 3) corners over much of the border, whose test
    # compares with whole levels; k / 255 in float32, times 255, is not always k in float64
    levels = np.round(elliptical_disk(0.4, 30.0, sky=40.0)).astype(np.uint8)
    y, x = np.mgrid[:128, :128]
    levels[(x + y < 64) | (x + y > 190) | (x - y > 63) | (y - x > 63)] = 3
    model_input = levels.astype(np.float32) / np.float32(255.0)
    for rows in (levels, model_input):
        region = central_region(rows)
        assert region is not None
    assert axis_ratio(model_input) == axis_ratio(levels)
    assert image_inclination(model_input) == image_inclination(levels)
