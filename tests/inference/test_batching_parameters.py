"""The TF Serving batching file agrees with what the service sends."""

import re
from pathlib import Path

from devstack.processes import REPO_ROOT
from inference.settings import InferenceSettings

BATCHING = REPO_ROOT / "inference" / "tfserving" / "batching_parameters.txt"


def parameters(path: Path) -> tuple[dict[str, int], list[int]]:
    text = path.read_text()
    scalars = {k: int(v) for k, v in re.findall(r"^(\w+) \{ value: (\d+) \}$", text, re.M)}
    allowed = [int(v) for v in re.findall(r"^allowed_batch_sizes: (\d+)$", text, re.M)]
    return scalars, allowed


def test_every_chunk_the_service_sends_fits_one_batch() -> None:
    scalars, allowed = parameters(BATCHING)
    settings = InferenceSettings()
    assert scalars["max_batch_size"] >= settings.chunk_images
    # TF Serving requires the largest allowed size to be the maximum, and the list increasing
    assert allowed == sorted(allowed)
    assert allowed[-1] == scalars["max_batch_size"]
    assert scalars["batch_timeout_micros"] <= 10_000
