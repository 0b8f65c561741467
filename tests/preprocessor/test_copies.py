"""Test-time copies are exact rotations and mirror images, in the documented order."""

import numpy as np
import pytest

from preprocessor.copies import COPY_COUNTS, make_copies


def image(height: int = 5, width: int = 7) -> np.ndarray:
    return np.arange(height * width * 2, dtype=np.float32).reshape(height, width, 2)


def rotate_ccw(x: np.ndarray) -> np.ndarray:
    """By index formula, not numpy: out[r, c] = x[c, W - 1 - r] (90 degrees counter-clockwise)."""
    height, width = x.shape[:2]
    out = np.empty((width, height, x.shape[2]), dtype=x.dtype)
    for r in range(width):
        for c in range(height):
            out[r, c] = x[c, width - 1 - r]
    return out


def mirror(x: np.ndarray) -> np.ndarray:
    width = x.shape[1]
    return np.stack([x[:, width - 1 - c] for c in range(width)], axis=1)


def test_none_is_the_image_itself() -> None:
    x = image()
    out = make_copies(x, "none")
    assert out.shape == (1, *x.shape)
    np.testing.assert_array_equal(out[0], x)


def test_rot4_is_the_four_counter_clockwise_rotations() -> None:
    x = image(6, 6)
    out = make_copies(x, "rot4")
    expected = [x]
    for _ in range(3):
        expected.append(rotate_ccw(expected[-1]))
    assert out.shape == (4, 6, 6, 2)
    for k in range(4):
        np.testing.assert_array_equal(out[k], expected[k])


def test_d4_is_rot4_then_rot4_of_the_mirror_image() -> None:
    x = image(6, 6)
    out = make_copies(x, "d4")
    assert out.shape == (8, 6, 6, 2)
    flipped = [mirror(x)]
    for _ in range(3):
        flipped.append(rotate_ccw(flipped[-1]))
    np.testing.assert_array_equal(out[:4], make_copies(x, "rot4"))
    for k in range(4):
        np.testing.assert_array_equal(out[4 + k], flipped[k])
    # eight distinct permutations of the same pixels
    assert len({copy.tobytes() for copy in out}) == 8
    for copy in out:
        np.testing.assert_array_equal(np.sort(copy, axis=None), np.sort(x, axis=None))


@pytest.mark.parametrize("copies", ["none", "rot4", "d4"])
def test_counts_and_dtype(copies: str) -> None:
    out = make_copies(image(4, 4), copies)  # type: ignore[arg-type]
    assert out.shape[0] == COPY_COUNTS[copies] and out.dtype == np.float32


def test_rejects_a_batch() -> None:
    with pytest.raises(ValueError, match="one"):
        make_copies(np.zeros((2, 4, 4, 3), dtype=np.float32), "none")
