"""``python -m preprocessor`` as a real process on loopback: limits under uvicorn, the bomb guard
with production warning filters, and nothing written to disk."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from devstack.processes import ServiceProcess, service_process
from servicekit.npy import decode
from tests.preprocessor.factories import encode, gaussian_galaxy, noise_rgb, single_band_fits

pytestmark = pytest.mark.slow

MAX_UPLOAD = 3_000_000
MAX_PIXELS = 1_000_000


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServiceProcess, Path]]:
    root = tmp_path_factory.mktemp("preprocessor")
    scratch = root / "tmp"
    scratch.mkdir()
    env = {
        "PREPROCESSOR_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
        "PREPROCESSOR_MAX_BANDS_UPLOAD_BYTES": str(2 * MAX_UPLOAD),
        "PREPROCESSOR_MAX_IMAGE_PIXELS": str(MAX_PIXELS),
        "PREPROCESSOR_DATA_DIR": str(root / "data"),
        "TMPDIR": str(scratch),
    }
    with service_process("preprocessor", env, root) as process:
        yield process, root


def test_preprocess_over_real_http(service: tuple[ServiceProcess, Path]) -> None:
    process, _ = service
    data = encode(Image.fromarray(noise_rgb(512, 512), "RGB"), "JPEG")
    response = httpx.post(f"{process.url}/preprocess?copies=rot4", content=data, timeout=30)
    assert response.status_code == 200
    assert decode(response.content).shape == (4, 128, 128, 3)
    assert response.headers["x-request-id"]


def test_streamed_upload_over_the_limit_is_cut_off(service: tuple[ServiceProcess, Path]) -> None:
    process, _ = service

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while reading
        yield b"\xff\xd8\xff"
        for _ in range(400):
            yield bytes(64_000)

    response = httpx.post(f"{process.url}/preprocess", content=chunks(), timeout=30)
    assert response.status_code == 413
    assert response.json()["type"].endswith("upload-too-large")


def test_bomb_warning_zone_is_413_and_no_warning_is_logged(
    service: tuple[ServiceProcess, Path],
) -> None:
    process, _ = service
    # 1,050 x 1,000 pixels: above the limit, below twice it (Pillow would only warn there)
    image = Image.new("L", (1_050, 1_000), 30)
    response = httpx.post(f"{process.url}/preprocess", content=encode(image, "PNG"), timeout=30)
    assert response.status_code == 413
    assert "pixels" in response.json()["detail"] or "bomb" in response.json()["detail"]
    assert not [line for line in process.log_lines() if "DecompressionBombWarning" in line]


def test_nothing_is_written_to_disk(service: tuple[ServiceProcess, Path]) -> None:
    process, root = service
    rng = np.random.default_rng(0)
    band = (rng.normal(100, 5, size=(600, 600))).astype(np.float32)  # 1.4 MB: above spooling
    band += gaussian_galaxy(600, 600, sigma_x=40, sigma_y=20)
    files = {name: (f"{name}.fits", single_band_fits(band)) for name in "gri"}
    ok = httpx.post(f"{process.url}/preprocess/bands", files=files, timeout=60)
    assert ok.status_code == 200, ok.text
    bad = httpx.post(f"{process.url}/preprocess", content=b"\x89PNG\r\n\x1a\nbroken", timeout=30)
    assert bad.status_code == 422
    assert list((root / "tmp").iterdir()) == []
    assert not (root / "data").exists()
