import numpy as np
import pytest

from servicekit import npy


def test_round_trip_keeps_shape_dtype_and_values() -> None:
    array = np.random.default_rng(0).random((2, 128, 128, 3), dtype=np.float32)
    decoded = npy.decode(npy.encode(array))
    assert decoded.dtype == np.float32
    assert decoded.shape == (2, 128, 128, 3)
    np.testing.assert_array_equal(decoded, array)


def test_non_contiguous_arrays_are_encoded() -> None:
    array = np.arange(24, dtype=np.float32).reshape(2, 3, 4)[:, ::2, ::-1]
    np.testing.assert_array_equal(npy.decode(npy.encode(array)), array)


@pytest.mark.parametrize("data", [b"", b"not numpy at all", b"\x93NUMPY\x01\x00garbage"])
def test_bad_bytes_are_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        npy.decode(data)


def test_pickled_object_arrays_are_refused() -> None:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        npy.decode(buffer.getvalue())
