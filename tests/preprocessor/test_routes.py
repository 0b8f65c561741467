"""/preprocess and /preview over HTTP (in process, lifespan run): tensors, headers, problems."""

import hashlib
import io
from collections.abc import AsyncIterator

import httpx
import numpy as np
import pytest
from PIL import Image

from preprocessor.imaging import to_model_input
from servicekit.npy import NPY_MEDIA_TYPE, decode
from tests.preprocessor.conftest import ClientFactory
from tests.preprocessor.factories import (
    cube_fits,
    disk_field,
    encode,
    gaussian_galaxy,
    noise_rgb,
    offset_bands,
    png_bomb,
)

PROBLEM = "application/problem+json"


def jpeg(width: int = 96, height: int = 64) -> bytes:
    return encode(Image.fromarray(noise_rgb(width, height, seed=4), "RGB"), "JPEG", quality=90)


@pytest.mark.parametrize(
    ("mode", "copies", "shape"),
    [
        ("rgb", "none", (1, 128, 128, 3)),
        ("gray", "none", (1, 128, 128, 1)),
        ("rgb", "rot4", (4, 128, 128, 3)),
        ("gray", "d4", (8, 128, 128, 1)),
    ],
)
async def test_preprocess_answers_the_tensor_with_its_headers(
    client: httpx.AsyncClient, mode: str, copies: str, shape: tuple[int, ...]
) -> None:
    data = jpeg()
    response = await client.post(
        "/preprocess", params={"mode": mode, "copies": copies}, content=data
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == NPY_MEDIA_TYPE
    tensor = decode(response.content)
    assert tensor.shape == shape and tensor.dtype == np.float32
    assert response.headers["x-tensor-shape"] == ",".join(map(str, shape))
    assert response.headers["x-image-format"] == "JPEG"
    assert (response.headers["x-image-width"], response.headers["x-image-height"]) == ("96", "64")
    assert response.headers["x-image-mode"] == "RGB"
    assert response.headers["x-image-sha256"] == hashlib.sha256(data).hexdigest()
    expected = to_model_input(Image.open(io.BytesIO(data)), mode)  # type: ignore[arg-type]
    np.testing.assert_array_equal(tensor[0], expected)
    if copies != "none":
        np.testing.assert_array_equal(tensor[1], np.rot90(expected, 1, axes=(0, 1)))


async def test_defaults_are_rgb_and_one_copy(client: httpx.AsyncClient) -> None:
    response = await client.post("/preprocess", content=jpeg())
    assert decode(response.content).shape == (1, 128, 128, 3)


async def test_content_type_is_ignored(client: httpx.AsyncClient) -> None:
    png = encode(Image.fromarray(noise_rgb(20, 30), "RGB"), "PNG")
    response = await client.post("/preprocess", content=png, headers={"content-type": "image/jpeg"})
    assert response.status_code == 200 and response.headers["x-image-format"] == "PNG"


async def test_fits_cube_over_http(client: httpx.AsyncClient) -> None:
    planes = [gaussian_galaxy(80, 60, seed=s) for s in range(3)]
    response = await client.post("/preprocess?copies=rot4", content=cube_fits(planes))
    assert response.status_code == 200, response.text
    assert response.headers["x-image-format"] == "FITS"
    assert response.headers["x-image-mode"] == "float32x3"
    assert response.headers["x-fits-bands"] == "g,r,i"
    assert response.headers["x-fits-stretch"].startswith("lupton-asinh")
    tensor = decode(response.content)
    assert tensor.shape == (4, 128, 128, 3) and np.isfinite(tensor).all()


async def test_three_band_files_as_multipart(client: httpx.AsyncClient) -> None:
    files = {band: (f"{band}.fits", data) for band, data in offset_bands().items()}
    response = await client.post("/preprocess/bands?mode=gray&copies=d4", files=files)
    assert response.status_code == 200, response.text
    assert response.headers["x-fits-alignment"] == "wcs"
    assert decode(response.content).shape == (8, 128, 128, 1)
    preview = await client.post("/preview/bands", files=files)
    assert preview.status_code == 200 and preview.headers["content-type"] == "image/png"


async def test_bands_need_all_three_fields(client: httpx.AsyncClient) -> None:
    files = {band: (f"{band}.fits", data) for band, data in offset_bands().items() if band != "i"}
    response = await client.post("/preprocess/bands", files=files)
    assert response.status_code == 422 and "i" in response.json()["detail"]
    not_form = await client.post("/preprocess/bands", content=b"abc")
    assert not_form.status_code == 422 and "multipart" in not_form.json()["detail"]


async def test_bands_must_be_fits(client: httpx.AsyncClient) -> None:
    files = {band: (f"{band}.fits", data) for band, data in offset_bands().items()}
    files["g"] = ("g.jpg", jpeg())
    response = await client.post("/preprocess/bands", files=files)
    assert response.status_code == 415


async def test_a_form_sent_to_preprocess_is_explained(client: httpx.AsyncClient) -> None:
    response = await client.post("/preprocess", files={"file": ("x.jpg", jpeg())})
    assert response.status_code == 422
    assert "not a form" in response.json()["detail"]


async def test_preview_is_the_png_of_what_the_network_sees(client: httpx.AsyncClient) -> None:
    data = jpeg(70, 120)
    for mode, png_mode in (("rgb", "RGB"), ("gray", "L")):
        preview = await client.post("/preview", params={"mode": mode}, content=data)
        assert preview.status_code == 200
        assert preview.headers["content-type"] == "image/png"
        assert preview.headers["x-image-format"] == "JPEG"
        image = Image.open(io.BytesIO(preview.content))
        assert image.format == "PNG" and image.size == (128, 128) and image.mode == png_mode
        tensor = decode(
            (await client.post("/preprocess", params={"mode": mode}, content=data)).content
        )
        as_seen = np.asarray(image, dtype=np.float32).reshape(128, 128, -1) / 255.0
        np.testing.assert_array_equal(as_seen, tensor[0])


@pytest.mark.parametrize(
    ("body", "status", "slug"),
    [
        (b"", 422, "unreadable-image"),
        (b"just some text", 422, "unreadable-image"),
        (jpeg()[:500], 422, "unreadable-image"),
        (encode(Image.new("RGB", (4, 4)), "BMP"), 415, "unknown-image-format"),
        (png_bomb(50_000, 50_000), 413, "image-too-large"),
    ],
)
async def test_bad_bodies_are_problems(
    client: httpx.AsyncClient, body: bytes, status: int, slug: str
) -> None:
    for path in ("/preprocess", "/preview"):
        response = await client.post(path, content=body)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == PROBLEM
        problem = response.json()
        assert problem["type"].endswith(slug) and problem["status"] == status
        assert problem["detail"]


async def test_bad_options_are_422(client: httpx.AsyncClient) -> None:
    for params in ({"mode": "cmyk"}, {"copies": "rot8"}):
        response = await client.post("/preprocess", params=params, content=jpeg())
        assert response.status_code == 422 and response.headers["content-type"] == PROBLEM


async def test_declared_length_over_the_limit_is_413(make_client: ClientFactory) -> None:
    async with make_client(max_upload_bytes=2_000) as client:
        response = await client.post("/preprocess", content=b"\xff\xd8\xff" + bytes(3_000))
        assert response.status_code == 413
        assert response.json()["max_bytes"] == 2_000
        assert "declared" in response.json()["detail"]
        small = encode(Image.fromarray(noise_rgb(8, 8), "RGB"), "PNG")
        assert (await client.post("/preprocess", content=small)).status_code == 200


async def test_streamed_body_over_the_limit_is_413(make_client: ClientFactory) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield bytes(500)

    async with make_client(max_upload_bytes=2_000) as client:
        response = await client.post("/preprocess", content=chunks())
        assert response.status_code == 413
        assert "declared" not in response.json()["detail"]


async def test_pixel_limit_setting(make_client: ClientFactory) -> None:
    async with make_client(max_image_pixels=1_000) as client:
        big = encode(Image.fromarray(noise_rgb(40, 30), "RGB"), "PNG")  # 1,200 px
        response = await client.post("/preprocess", content=big)
        assert response.status_code == 413 and response.json()["type"].endswith("image-too-large")
        fits_cube = cube_fits([gaussian_galaxy(40, 30)] * 3)
        assert (await client.post("/preprocess", content=fits_cube)).status_code == 413
        small = encode(Image.fromarray(noise_rgb(30, 30), "RGB"), "PNG")
        assert (await client.post("/preprocess", content=small)).status_code == 200


async def test_openapi_documents_the_endpoints_and_their_errors(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in ("/preprocess", "/preprocess/bands", "/preview", "/preview/bands"):
        responses = spec["paths"][path]["post"]["responses"]
        assert {"200", "413", "415", "422"} <= set(responses)
    assert (
        "application/x-npy" in spec["paths"]["/preprocess"]["post"]["responses"]["200"]["content"]
    )
    assert "requestBody" in spec["paths"]["/preprocess"]["post"]


async def test_frame_auto_centres_an_off_centre_galaxy_and_says_so(
    client: httpx.AsyncClient,
) -> None:
    data = encode(Image.fromarray(disk_field(centre=(110.0, 400.0)), "RGB"), "PNG")
    auto = await client.post("/preprocess", params={"frame": "auto"}, content=data)
    as_is = await client.post("/preprocess", content=data)
    assert auto.status_code == as_is.status_code == 200, auto.text
    assert auto.headers["x-framing-applied"] == "true"
    left, top, side = (float(v) for v in auto.headers["x-framing-square"].split(","))
    x, y, diameter = (float(v) for v in auto.headers["x-framing-galaxy"].split(","))
    assert abs(x - 110.5) < 3 and abs(y - 400.5) < 3 and diameter > 0
    assert abs(left + side / 2 - x) < 0.2 and abs(top + side / 2 - y) < 0.2
    assert float(auto.headers["x-framing-offset"]) > 0.12
    assert "off centre" in auto.headers["x-framing-reason"]
    assert not any(k.startswith("x-framing") for k in as_is.headers)
    assert not np.array_equal(decode(auto.content), decode(as_is.content))
    preview = await client.post("/preview", params={"frame": "auto"}, content=data)
    assert preview.status_code == 200 and preview.headers["x-framing-applied"] == "true"
    shown = np.asarray(Image.open(io.BytesIO(preview.content)), dtype=np.float32) / 255.0
    np.testing.assert_array_equal(shown, decode(auto.content)[0])


async def test_frame_auto_leaves_a_centred_galaxy_alone(client: httpx.AsyncClient) -> None:
    data = encode(Image.fromarray(disk_field(), "RGB"), "PNG")
    auto = await client.post("/preprocess", params={"frame": "auto"}, content=data)
    as_is = await client.post("/preprocess", params={"frame": "as-is"}, content=data)
    assert auto.headers["x-framing-applied"] == "false"
    assert auto.headers["x-framing-square"] == "0.0,0.0,512.0"
    np.testing.assert_array_equal(decode(auto.content), decode(as_is.content))


async def test_an_unknown_frame_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/preprocess", params={"frame": "centre"}, content=jpeg())
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
