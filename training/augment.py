"""On-the-fly augmentation of a batch, as the original work did: rotation, mirroring, translation,
isotropic scale, Gaussian noise, contrast and blur. None of them changes the aspect ratio (the
rotation/scale/translation is a similarity transform), so the inclination label stays true.

Stateless: the random draws are a function of ``(seed, step)``, so an epoch replays exactly
after a resume. Also label rebalancing weights (:func:`balance_weights`) and the oversampling of
bulge-dominated inclined galaxies (:func:`early_type_weights`).
"""

import math

import numpy as np
import numpy.typing as npt
import tensorflow as tf


def similarity_matrices(angle: tf.Tensor, scale: tf.Tensor, shift: tf.Tensor,
                        size: int) -> tf.Tensor:
    """Projective transforms (N, 8) mapping output pixels to input pixels, for a rotation by
    ``angle`` and an isotropic ``scale`` about the centre plus a ``shift`` (N, 2) in pixels."""
    centre = (size - 1) / 2.0
    cos = tf.cos(angle) / scale
    sin = tf.sin(angle) / scale
    # input = R(-angle)/scale · (output - centre - shift) + centre
    ox = centre + shift[:, 0]
    oy = centre + shift[:, 1]
    a0, a1 = cos, sin
    b0, b1 = -sin, cos
    a2 = centre - a0 * ox - a1 * oy
    b2 = centre - b0 * ox - b1 * oy
    zeros = tf.zeros_like(angle)
    return tf.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1)


def _gaussian_kernel(sigma: float, channels: int) -> tf.Tensor:
    radius = 2
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    g = np.exp(-0.5 * (x / sigma) ** 2)
    g /= g.sum()
    kernel = np.outer(g, g)[:, :, np.newaxis, np.newaxis] * np.ones((1, 1, channels, 1))
    return tf.constant(kernel, dtype=tf.float32)


def augment_batch(images: tf.Tensor, seed: tf.Tensor, strength: float = 1.0) -> tf.Tensor:
    """uint8 or float batch (N, H, W, C) → augmented float32 in [0, 1]. ``seed``: int32 (2,)."""
    x = tf.cast(images, tf.float32)
    if images.dtype == tf.uint8:
        x = x / 255.0
    n = tf.shape(x)[0]
    size = int(x.shape[1])
    channels = int(x.shape[3])
    seeds = tf.random.experimental.stateless_split(seed, num=10)

    def uniform(i: int, low: float, high: float) -> tf.Tensor:
        return tf.random.stateless_uniform([n], seeds[i], low, high)

    # Mirroring (a flip composed with any rotation covers the other mirror).
    flip = uniform(0, 0.0, 1.0) < 0.5
    x = tf.where(flip[:, None, None, None], tf.reverse(x, axis=[2]), x)
    # Rotation, isotropic scale, translation: one similarity transform.
    angle = uniform(1, 0.0, 2.0 * math.pi)
    scale = tf.exp(uniform(2, -0.15, 0.15) * strength)
    shift = tf.stack([uniform(3, -5.0, 5.0), uniform(4, -5.0, 5.0)], axis=1) * strength
    x = tf.raw_ops.ImageProjectiveTransformV3(
        images=x, transforms=similarity_matrices(angle, scale, shift, size),
        output_shape=tf.constant([size, size]), fill_value=0.0,
        interpolation="BILINEAR", fill_mode="NEAREST",
    )
    # Blur for some: a blend towards a Gaussian-blurred copy.
    blurred = tf.nn.depthwise_conv2d(x, _gaussian_kernel(1.0, channels), [1, 1, 1, 1], "SAME")
    amount = tf.where(uniform(5, 0.0, 1.0) < 0.3, uniform(6, 0.0, 1.0), 0.0) * strength
    x = x + amount[:, None, None, None] * (blurred - x)
    # Contrast about the image mean.
    mean = tf.reduce_mean(x, axis=[1, 2, 3], keepdims=True)
    contrast = tf.exp(uniform(7, -0.3, 0.3) * strength)
    x = mean + contrast[:, None, None, None] * (x - mean)
    # Gaussian noise of a random level.
    sigma = uniform(8, 0.0, 0.03) * strength
    x = x + sigma[:, None, None, None] * tf.random.stateless_normal(tf.shape(x), seeds[9])
    return tf.clip_by_value(x, 0.0, 1.0)


def balance_weights(labels: npt.ArrayLike, bin_deg: float = 5.0) -> npt.NDArray[np.float32]:
    """Per-sample weights that make the label distribution uniform over 0-90° (inverse
    frequency in ``bin_deg`` bins, mean 1). Empty bins stay empty."""
    labels = np.asarray(labels, dtype=np.float64)
    bins = np.clip((labels / bin_deg).astype(int), 0, math.ceil(90.0 / bin_deg) - 1)
    counts = np.bincount(bins, minlength=math.ceil(90.0 / bin_deg))
    weights = np.asarray(1.0 / counts[bins], dtype=np.float64)
    normalised: npt.NDArray[np.float32] = (weights / weights.mean()).astype(np.float32)
    return normalised


# Bulge-dominated galaxies seen at least this inclined: the ones the networks answer too face-on
# (a round bulge hides the thin disk), on the synthetic hard set as on real photographs.
EARLY_TYPE_BULGE = 0.3
EARLY_TYPE_MIN_DEG = 60.0


def early_type_weights(labels: npt.ArrayLike, bulge_fraction: npt.ArrayLike,
                       factor: float) -> npt.NDArray[np.float32]:
    """``factor`` for bulge-dominated (B/T >= 0.3), inclined (label >= 60°) galaxies, 1 for the
    others: multiplied into :func:`balance_weights`, it is oversampling them by ``factor``."""
    labels = np.asarray(labels, dtype=np.float64)
    bulge = np.asarray(bulge_fraction, dtype=np.float64)
    chosen = (bulge >= EARLY_TYPE_BULGE) & (labels >= EARLY_TYPE_MIN_DEG)
    return np.where(chosen, factor, 1.0).astype(np.float32)
