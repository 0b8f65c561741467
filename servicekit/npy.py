"""The ``application/x-npy`` tensor codec used between services (NumPy's .npy format)."""

import io

import numpy as np
import numpy.typing as npt

NPY_MEDIA_TYPE = "application/x-npy"


def encode(array: npt.NDArray[np.generic]) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def decode(data: bytes) -> npt.NDArray[np.generic]:
    """Parse .npy bytes; raises ValueError for anything that is not a plain .npy array."""
    if not data:
        raise ValueError("empty body: expected an .npy array")
    try:
        array = np.load(io.BytesIO(data), allow_pickle=False)
    except Exception as exc:  # numpy raises ValueError, EOFError, OSError... for bad bytes
        raise ValueError(f"not a valid .npy array: {exc}") from exc
    if not isinstance(array, np.ndarray):
        raise ValueError("expected a single .npy array, not an archive")
    return array
