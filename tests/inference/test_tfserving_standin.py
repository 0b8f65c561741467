"""The stand-in as the real process compose would replace with TF Serving, and the inference
service as a real process talking to it: ``python -m standins.tfserving`` and
``python -m inference`` with the tfserving backend."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt
import pytest

from devstack.processes import REPO_ROOT, free_port, service_process
from servicekit import npy
from tests.inference.conftest import rot4
from tests.inference.expected import flavor_degrees


@contextmanager
def standin_process(models_dir: Path, log_dir: Path, port: int, *args: str) -> Iterator[None]:
    log_path = log_dir / f"standin-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "standins.tfserving", "--models-dir", str(models_dir),
             "--port", str(port), *args],
            cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        yield
        assert process.poll() is None, log_path.read_text(errors="replace")[-2000:]
        assert b"listening" in log_path.read_bytes()
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
    finally:
        process.terminate()
        assert process.wait(timeout=30) == 0, log_path.read_text(errors="replace")[-2000:]


@pytest.mark.slow
def test_the_service_and_the_standin_as_processes(
    tiny_repo: Path, tmp_path: Path, galaxies: npt.NDArray[np.float32]
) -> None:
    images = rot4(galaxies[:3])
    expected = flavor_degrees(tiny_repo, images, copies=4)
    port = free_port()
    env = {
        "INFERENCE_BACKEND": "tfserving",
        "INFERENCE_TFSERVING_ADDRESS": f"127.0.0.1:{port}",
        "INFERENCE_RECHECK_INTERVAL_S": "0.2",
        "INFERENCE_MODELS_DIR": str(tiny_repo),
        "INFERENCE_DATA_DIR": str(tmp_path / "data"),
    }
    # Both start at once (as in compose); the service finds TF Serving when it comes up.
    with (
        standin_process(tiny_repo, tmp_path, port, "--fail", "tiny-c"),
        service_process("inference", env, tmp_path) as service,
    ):
        # Until every flavor has been found (a check round may catch the channel mid-connect).
        deadline = time.monotonic() + 60
        ready = httpx.get(f"{service.url}/readyz", timeout=10)
        while ready.json()["status"] != "ok" and time.monotonic() < deadline:
            time.sleep(0.2)
            ready = httpx.get(f"{service.url}/readyz", timeout=10)
        response = httpx.post(
            f"{service.url}/predict",
            params={"copies_per_galaxy": 4, "mode": "rgb"},
            content=npy.encode(images),
            headers={"content-type": npy.NPY_MEDIA_TYPE, "x-request-id": "standin-test"},
            timeout=30,
        )
        log = "\n".join(service.log_lines())

    assert ready.status_code == 200
    assert ready.json()["checks"]["models"]["status"] == "ok"
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "standin-test"
    body = response.json()
    assert body["backend"] == "tfserving"
    assert body["failed_flavors"][0]["name"] == "tiny-c"
    assert "INTERNAL" in body["failed_flavors"][0]["reason"]
    for index, galaxy in enumerate(body["galaxies"]):
        for flavor in galaxy["flavors"]:
            assert flavor["inclination_deg"] == pytest.approx(
                expected[flavor["name"]][index][0], abs=1e-3
            )
    assert '"model registry loaded"' in log
