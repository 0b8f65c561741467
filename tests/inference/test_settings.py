"""Settings from the environment, as compose sets them."""

import pytest

from inference.app import create_app
from inference.settings import InferenceSettings


def test_per_flavor_addresses_and_quorum_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INFERENCE_BACKEND", "tfserving")
    monkeypatch.setenv("INFERENCE_TFSERVING_ADDRESSES", '{"vgg2-0": "tfs-vgg2-0:8500"}')
    monkeypatch.setenv("INFERENCE_QUORUM", "2")
    monkeypatch.setenv("INFERENCE_ALARM_THRESHOLD_DEG", "12.5")
    settings = InferenceSettings()
    assert settings.backend == "tfserving"
    assert settings.tfserving_addresses == {"vgg2-0": "tfs-vgg2-0:8500"}
    assert settings.quorum == 2
    assert settings.alarm_threshold_deg == 12.5


def test_defaults_suit_the_local_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("INFERENCE_BACKEND", "INFERENCE_QUORUM", "INFERENCE_PORT"):
        monkeypatch.delenv(name, raising=False)
    settings = InferenceSettings()
    assert settings.backend == "embedded"
    assert settings.quorum == "majority"
    assert settings.port == 8003


def test_openapi_documents_the_npy_body_and_every_error() -> None:
    spec = create_app(InferenceSettings()).openapi()
    predict = spec["paths"]["/predict"]["post"]
    assert "application/x-npy" in predict["requestBody"]["content"]
    assert {"200", "413", "415", "422", "503"} <= set(predict["responses"])
    params = {p["name"] for p in predict["parameters"]}
    assert params == {"mode", "copies_per_galaxy"}
    assert "/models" in spec["paths"]
