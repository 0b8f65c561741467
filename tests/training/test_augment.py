import numpy as np
import pytest
import tensorflow as tf

from inference.axial_ratio import axis_ratio
from training.augment import augment_batch, balance_weights, early_type_weights
from training.ellipses import axis_ratio as expected_ratio
from training.ellipses import ellipse_image
from training.train import FlavorSpec, sample_weights


def test_augmentation_keeps_the_axis_ratio() -> None:
    rng = np.random.default_rng(3)
    for inclination in (30.0, 60.0, 80.0):
        image = np.asarray(ellipse_image(inclination, rng, side=128).convert("L"))
        clean = np.repeat(image[np.newaxis, :, :, np.newaxis], 3, axis=3).astype(np.uint8)
        batch = np.repeat(clean, 8, axis=0)
        augmented = augment_batch(tf.constant(batch), tf.constant([5, int(inclination)]),
                                  strength=1.0).numpy()
        assert augmented.shape == batch.shape
        assert augmented.min() >= 0.0 and augmented.max() <= 1.0
        before = axis_ratio(clean[0])
        after = np.array([axis_ratio(a) for a in augmented])
        assert abs(before - float(expected_ratio(inclination))) < 0.08
        np.testing.assert_allclose(after, before, atol=0.08)
        assert not np.allclose(augmented[0], augmented[1])


def test_augmentation_is_a_function_of_the_seed() -> None:
    batch = tf.constant(np.random.default_rng(0).integers(0, 255, (2, 128, 128, 3), np.uint8))
    first = augment_batch(batch, tf.constant([1, 2])).numpy()
    np.testing.assert_array_equal(first, augment_batch(batch, tf.constant([1, 2])).numpy())
    assert not np.array_equal(first, augment_batch(batch, tf.constant([1, 3])).numpy())


def test_balance_weights_make_labels_uniform() -> None:
    labels = np.concatenate([np.full(90, 10.0), np.full(10, 80.0)])
    weights = balance_weights(labels)
    assert np.isclose(weights[labels == 10.0].sum(), weights[labels == 80.0].sum())
    assert np.isclose(weights.mean(), 1.0)


def test_early_type_weights_pick_bulge_dominated_inclined_galaxies() -> None:
    labels = np.array([80.0, 80.0, 30.0, 60.0, 59.9])
    bulge = np.array([0.5, 0.1, 0.5, 0.3, 0.7])
    np.testing.assert_array_equal(early_type_weights(labels, bulge, 2.5),
                                  [2.5, 1.0, 1.0, 2.5, 1.0])
    np.testing.assert_array_equal(early_type_weights(labels, bulge, 1.0), np.ones(5))


def test_sample_weights_weigh_early_types_up_within_each_label_bin() -> None:
    labels = np.array([70.0, 70.0, 70.0, 20.0], dtype=np.float32)
    bulge = np.array([0.5, 0.1, 0.1, 0.5])
    spec = FlavorSpec("x", "tiny", seed=1, early_type_weight=3.0)
    weights = sample_weights(spec, labels, bulge)
    assert np.isclose(weights.mean(), 1.0)
    assert np.isclose(weights[0] / weights[1], 3.0) and np.isclose(weights[1], weights[2])
    plain = FlavorSpec("y", "tiny", seed=1)
    np.testing.assert_array_equal(sample_weights(plain, labels, None), balance_weights(labels))
    with pytest.raises(ValueError, match="bulge_fraction"):
        sample_weights(spec, labels, None)
