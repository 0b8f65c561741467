"""The shipped model repository (``models/``) is one this service can serve: every flavor named
in models.config has a usable version and manifest, and its SavedModel's signature matches it."""

import numpy as np
import pytest

from devstack.processes import REPO_ROOT
from inference.registry import load_registry

MODELS = REPO_ROOT / "models"


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    registry = load_registry(MODELS)
    if not registry.flavors and not registry.broken:
        pytest.skip("no flavor shipped in models/ yet")
    return registry


def test_every_shipped_flavor_is_usable(registry) -> None:  # type: ignore[no-untyped-def]
    assert registry.broken == ()
    for flavor in registry.flavors:
        assert flavor.manifest.name == flavor.name
        assert flavor.manifest.color_mode in flavor.manifest.color_modes
        assert flavor.manifest.output.min_deg < flavor.manifest.output.max_deg


def test_every_shipped_signature_matches_its_manifest(registry) -> None:  # type: ignore[no-untyped-def]
    from inference.runtime import LoadedFlavor

    for flavor in registry.flavors:
        loaded = LoadedFlavor(flavor, warmup_sizes=())
        raw = loaded.predict(np.full((2, *flavor.manifest.input.shape), 0.5, np.float32))
        assert raw.shape == (2,)
        assert np.isfinite(raw).all()


def test_every_shipped_classifier_answers_probabilities_with_its_threshold(registry) -> None:  # type: ignore[no-untyped-def]
    from inference.runtime import LoadedFlavor

    for flavor in registry.classifiers:
        spec = flavor.manifest.classifier
        assert spec is not None and 0.0 < spec.threshold < 1.0 and spec.threshold_rule
        loaded = LoadedFlavor(flavor, warmup_sizes=())
        probs = loaded.predict(np.full((2, *flavor.manifest.input.shape), 0.5, np.float32))
        assert probs.shape == (2, len(spec.classes))
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)
