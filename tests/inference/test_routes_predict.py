"""POST /predict: what it refuses, and how."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt
import pytest

from servicekit import npy
from tests.inference.conftest import app_client, post_npy, settings_for

PROBLEM = "application/problem+json"


@pytest.fixture
async def client(tiny_repo: Path, data_dir: Path):  # type: ignore[no-untyped-def]
    async with app_client(settings_for(tiny_repo, data_dir, max_images=8)) as client:
        yield client


def assert_problem(response: httpx.Response, status: int, needle: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status
    assert needle in body["detail"]


@pytest.mark.parametrize(
    ("content_type", "needle"),
    [("application/json", "application/json"), ("image/png", "image/png"), (None, "none")],
)
async def test_a_body_that_is_not_npy_is_415(
    client: httpx.AsyncClient,
    galaxies: npt.NDArray[np.float32],
    content_type: str | None,
    needle: str,
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post("/predict", content=npy.encode(galaxies[:1]), headers=headers)
    if content_type is None:
        # httpx sends no content type for raw bytes
        assert "content-type" not in response.request.headers
    assert_problem(response, 415, needle)


async def test_npy_with_parameters_in_the_content_type_is_accepted(
    client: httpx.AsyncClient, galaxies: npt.NDArray[np.float32]
) -> None:
    response = await client.post(
        "/predict",
        content=npy.encode(galaxies[:1]),
        headers={"content-type": "Application/X-NPY; charset=binary"},
    )
    assert response.status_code == 200


def _rng_images(shape: tuple[int, ...], dtype: type = np.float32) -> npt.NDArray[np.generic]:
    return np.random.default_rng(3).random(shape).astype(dtype)


@pytest.mark.parametrize(
    ("array", "params", "needle"),
    [
        (_rng_images((1, 128, 128, 3), np.float64), {}, "float64"),
        (_rng_images((1, 128, 128, 3), np.uint8), {}, "uint8"),
        (_rng_images((128, 128, 3)), {}, "(N, height, width, channels)"),
        (_rng_images((1, 64, 64, 3)), {}, "64x64"),
        (_rng_images((1, 128, 128, 2)), {}, "2 channels"),
        (_rng_images((1, 128, 128, 3)), {"mode": "gray"}, "mode=gray needs 1"),
        (_rng_images((0, 128, 128, 3)), {}, "no images"),
        (_rng_images((3, 128, 128, 3)), {"copies_per_galaxy": 2}, "not a multiple"),
        (np.full((1, 128, 128, 3), np.nan, np.float32), {}, "NaN"),
        (_rng_images((1, 128, 128, 1)), {}, "no flavor takes mode=gray"),
    ],
)
async def test_a_tensor_of_the_wrong_kind_is_422(
    client: httpx.AsyncClient,
    array: npt.NDArray[np.generic],
    params: dict[str, object],
    needle: str,
) -> None:
    assert_problem(await post_npy(client, array, **params), 422, needle)


@pytest.mark.parametrize(
    "body", [b"", b"\x93NUMPY garbage", b"PK\x03\x04 not an npy", b"just some text"]
)
async def test_bytes_that_are_not_npy_are_422(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.post(
        "/predict", content=body, headers={"content-type": npy.NPY_MEDIA_TYPE}
    )
    assert_problem(response, 422, "npy")


async def test_bad_parameters_are_422(
    client: httpx.AsyncClient, galaxies: npt.NDArray[np.float32]
) -> None:
    response = await post_npy(client, galaxies[:1], mode="cmyk")
    assert response.status_code == 422
    response = await post_npy(client, galaxies[:1], copies_per_galaxy=0)
    assert response.status_code == 422


async def test_too_many_images_is_413(
    client: httpx.AsyncClient, galaxies: npt.NDArray[np.float32]
) -> None:
    images = np.concatenate([galaxies, galaxies])  # 12 > max_images=8
    assert_problem(await post_npy(client, images), 413, "more than 8 images")


async def test_a_chunked_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    """No Content-Length: the body is counted as it arrives."""

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b"\0" * 65536

    response = await client.post(
        "/predict", content=chunks(), headers={"content-type": npy.NPY_MEDIA_TYPE}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "more than 8 images")


async def test_too_many_small_images_is_413(client: httpx.AsyncClient) -> None:
    """Under the byte limit (gray) but over the image count."""
    images = np.zeros((12, 128, 128, 1), np.float32)
    assert_problem(await post_npy(client, images, mode="gray"), 413, "at most 8")
