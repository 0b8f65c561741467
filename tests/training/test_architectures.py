from pathlib import Path

import keras
import numpy as np
import pytest

from inference.manifest import load_manifest
from training.__main__ import base_model
from training.architectures import build
from training.evaluate import predict_flavor
from training.train import deepen

MODELS = Path(__file__).resolve().parents[2] / "models"
SHAPE = (128, 128, 3)


def _images(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((count, *SHAPE)).astype(np.float32)


def _trained_looking(model: keras.Model, seed: int = 1) -> keras.Model:
    """Batch normalizations away from their initial identity (as in a trained network), so
    that an unchanged answer is not an accident of fresh statistics."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            for weight, low, high in ((layer.gamma, 0.5, 1.5), (layer.beta, -0.2, 0.2),
                                      (layer.moving_mean, -0.3, 0.3),
                                      (layer.moving_variance, 0.5, 2.0)):
                weight.assign(rng.uniform(low, high, size=weight.shape).astype(np.float32))
    return model


def test_res128d_is_res128_with_a_second_block_in_its_last_three_stages() -> None:
    base = build("res128", SHAPE)
    deep = build("res128d", SHAPE)
    base_layers = {layer.name for layer in base.layers}
    new = {layer.name for layer in deep.layers} - base_layers
    assert base_layers <= {layer.name for layer in deep.layers}
    assert {name.split("_")[0] for name in new} == {"stage2", "stage3", "stage4"}
    assert base.count_params() == 368_169
    assert deep.count_params() > 1.5 * base.count_params()


def test_a_deepened_res128_answers_as_its_base_until_it_trains() -> None:
    keras.utils.set_random_seed(3)
    base = _trained_looking(build("res128", SHAPE))
    deep = deepen(base, "res128d")
    images = _images(6)
    before = base.predict(images, verbose=0)
    np.testing.assert_allclose(deep.predict(images, verbose=0), before, atol=1e-6)
    assert not np.allclose(before, before[0])  # the answers differ between images

    # The new blocks learn: one step moves them and, with them, the answers.
    deep.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    gamma = deep.get_layer("stage4_1_bn2").gamma
    assert not np.any(gamma.numpy())
    deep.train_on_batch(images, np.full((6, 1), 0.9, np.float32))
    assert np.any(gamma.numpy())
    assert not np.allclose(deep.predict(images, verbose=0), before, atol=1e-4)


def test_deepen_refuses_an_architecture_that_is_not_a_deepening_of_the_base() -> None:
    base = build("res128", SHAPE)
    with pytest.raises(ValueError, match="vgg3 cannot start from res128: it has no stage1_bn1"):
        deepen(base, "vgg3")
    with pytest.raises(ValueError, match="res128 cannot start from res128d: it has no stage2_1"):
        deepen(build("res128d", SHAPE), "res128")


def test_a_shipped_flavor_deepened_answers_as_it_is_served() -> None:
    model, architecture = base_model(MODELS, "res128-30", "res128d")
    assert architecture == "res128"
    assert model.name == "res128d"
    images = (_images(4, seed=5) * 255).astype(np.uint8)
    served = predict_flavor(MODELS, load_manifest(MODELS / "res128-30"), images)
    raw = model.predict(images.astype(np.float32) / 255.0, verbose=0)[:, 0]
    np.testing.assert_allclose(np.clip(45.0 + 50.0 * raw, 0.0, 90.0), served, atol=1e-3)
