"""Every failure the architecture names, provoked for real: services down, SkyServer down or
slow, bad uploads, unknown galaxies. Each is problem+json with the right status."""

import itertools

import httpx
import pytest

from tests.gateway.conftest import MAX_BATCH_BYTES, MAX_UPLOAD_BYTES, Stack, in_process_gateway
from tests.gateway.factories import galaxy_image_bytes, truncated_png

pytestmark = pytest.mark.slow

PROBLEM = "application/problem+json"
# Each SkyServer fault needs a field the catalog's cutout store has not seen yet.
_fresh_fields = (100.0 + 0.37 * i for i in itertools.count())


def assert_problem(response: httpx.Response, status: int, *words: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert isinstance(body["detail"], str) and body["detail"]
    for word in words:
        assert word in str(body["detail"]).lower(), body
    return body


def upload(stack: Stack, data: bytes, name: str = "image.bin") -> httpx.Response:
    return httpx.post(f"{stack.url}/api/file", files={"file": (name, data)}, timeout=60)


def test_unknown_pgc_is_404_and_cached_briefly(stack: Stack) -> None:
    first = httpx.get(f"{stack.url}/api/pgc/99999977", timeout=30)
    body = assert_problem(first, 404)
    assert "cached" not in body
    second = httpx.get(f"{stack.url}/api/pgc/99999977", timeout=30)
    assert assert_problem(second, 404)["cached"] is True
    assert second.headers.get("X-Request-ID")


def test_unknown_name_is_404(stack: Stack) -> None:
    assert_problem(httpx.get(f"{stack.url}/api/objname/NoSuchGalaxy 12345", timeout=30), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/pgc/0",
        "/api/pgc/abc",
        "/api/coord?ra=400&dec=0",
        "/api/coord?ra=10",
        "/api/cutout?pgc=1&name=M31",
    ],
)
def test_invalid_parameters_are_422(stack: Stack, path: str) -> None:
    assert_problem(httpx.get(f"{stack.url}{path}", timeout=30), 422)


def test_corrupt_image_is_422(stack: Stack) -> None:
    assert_problem(upload(stack, truncated_png(), "broken.png"), 422)


def test_empty_upload_is_422(stack: Stack) -> None:
    assert_problem(upload(stack, b"", "empty.png"), 422, "empty")


def test_missing_file_field_is_422(stack: Stack) -> None:
    response = httpx.post(f"{stack.url}/api/file", files={"image": ("g.png", b"x")}, timeout=30)
    assert_problem(response, 422, "file")


def test_image_format_not_decoded_is_415(stack: Stack) -> None:
    assert_problem(upload(stack, galaxy_image_bytes("BMP", side=64), "galaxy.bmp"), 415, "bmp")


def test_not_an_image_at_all_is_422(stack: Stack) -> None:
    assert_problem(upload(stack, b"ra,dec\n10.68,41.27\n" * 20, "table.csv"), 422, "not an image")


def test_too_large_upload_is_413_before_it_is_read(stack: Stack) -> None:
    data = galaxy_image_bytes("PNG", side=64) + bytes(MAX_UPLOAD_BYTES)
    response = upload(stack, data, "huge.png")
    assert_problem(response, 413, str(MAX_UPLOAD_BYTES))
    assert response.headers["X-Request-ID"]


def test_too_large_upload_without_length_is_413_while_read(stack: Stack) -> None:
    boundary = "incline-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="huge.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + bytes(MAX_UPLOAD_BYTES + 10)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = httpx.post(
        f"{stack.url}/api/file",
        content=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        timeout=60,
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_problem(response, 413, str(MAX_UPLOAD_BYTES))


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/json", b"[" + b'"NGC 4565", ' * (MAX_BATCH_BYTES // 11) + b'"M 31"]'),
        ("text/csv", b"name\n" + b"NGC 4565\n" * (MAX_BATCH_BYTES // 9 + 1)),
    ],
    ids=["json", "csv"],
)
def test_too_large_batch_without_length_is_413_while_read(
    stack: Stack, content_type: str, body: bytes
) -> None:
    response = httpx.post(
        f"{stack.url}/api/batch",
        content=iter([body[i : i + 65536] for i in range(0, len(body), 65536)]),
        headers={"Content-Type": content_type},
        timeout=60,
    )
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert_problem(response, 413, str(MAX_BATCH_BYTES))


def test_batches_and_images_have_their_own_limits(stack: Stack) -> None:
    """A batch body over GATEWAY_MAX_BATCH_BYTES is refused though the upload limit is larger;
    an image between the two is measured."""
    body = b"name\n" + b"NGC 4565\n" * (MAX_BATCH_BYTES // 9 + 1)
    assert MAX_BATCH_BYTES < len(body) < MAX_UPLOAD_BYTES
    response = httpx.post(f"{stack.url}/api/batch", content=body,
                          headers={"Content-Type": "text/csv"}, timeout=60)
    assert_problem(response, 413, str(MAX_BATCH_BYTES))
    image = galaxy_image_bytes("PNG", side=64)
    padded = image + bytes(MAX_BATCH_BYTES + 1000)  # PNG readers stop at IEND
    assert MAX_BATCH_BYTES < len(padded) < MAX_UPLOAD_BYTES
    assert upload(stack, padded, "padded.png").status_code == 200


def test_skyserver_down_is_503(stack: Stack) -> None:
    stack.skyserver_mode("down")
    try:
        response = httpx.get(
            f"{stack.url}/api/coord",
            params={"ra": next(_fresh_fields), "dec": 5.0, "fov": 1.0},
            timeout=30,
        )
    finally:
        stack.skyserver_mode("ok")
    assert_problem(response, 503)
    assert response.headers["Retry-After"]


def test_skyserver_slow_is_504(stack: Stack) -> None:
    # The catalog gives SkyServer 3 s (stack settings); the stand-in now takes 5.
    stack.skyserver_mode("slow", delay_s=5.0)
    try:
        response = httpx.get(
            f"{stack.url}/api/coord",
            params={"ra": next(_fresh_fields), "dec": 5.0, "fov": 1.0},
            timeout=30,
        )
    finally:
        stack.skyserver_mode("ok")
    assert_problem(response, 504)


async def test_catalog_too_slow_for_the_gateway_is_504(stack: Stack) -> None:
    stack.skyserver_mode("slow", delay_s=0.9)  # under the catalog's limit, over the gateway's
    try:
        async with in_process_gateway(stack.settings(catalog_timeout_s=0.3)) as client:
            response = await client.get(
                "/api/coord", params={"ra": next(_fresh_fields), "dec": 5.0, "fov": 1.0}
            )
    finally:
        stack.skyserver_mode("ok")
    assert_problem(response, 504, "catalog")


async def test_catalog_down_is_503(stack: Stack, dead_url: str) -> None:
    async with in_process_gateway(stack.settings(catalog_url=dead_url)) as client:
        response = await client.get("/api/pgc/42038")
        assert_problem(response, 503, "catalog")
        ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["catalog"]["status"] == "down"


async def test_preprocessor_down_is_503(stack: Stack, dead_url: str) -> None:
    async with in_process_gateway(stack.settings(preprocessor_url=dead_url)) as client:
        response = await client.post(
            "/api/file", files={"file": ("g.png", galaxy_image_bytes("PNG", seed=23))}
        )
    assert_problem(response, 503, "preprocessor")


async def test_inference_down_is_503(stack: Stack, dead_url: str) -> None:
    async with in_process_gateway(stack.settings(inference_url=dead_url)) as client:
        response = await client.post(
            "/api/file", files={"file": ("g.png", galaxy_image_bytes("PNG", seed=29))}
        )
    assert_problem(response, 503, "inference")
