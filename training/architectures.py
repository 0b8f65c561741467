"""The CNN architectures, by name. All take ``(128, 128, C)`` float32 in [0, 1] and end in one tanh
unit (degrees = 45 + 45·tanh, see ``inference.manifest.OutputSpec``)."""

from collections.abc import Callable

import keras
from keras import layers

Builder = Callable[[tuple[int, int, int]], keras.Model]


def _inputs(shape: tuple[int, int, int]) -> keras.KerasTensor:
    return keras.Input(shape=shape, name="image", dtype="float32")


def _conv(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    return layers.Conv2D(filters, 3, padding="same", activation="relu", name=name)(x)


def _conv_bn(x: keras.KerasTensor, filters: int, name: str) -> keras.KerasTensor:
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=name)(x)
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation("relu", name=f"{name}_relu")(x)


def tiny(shape: tuple[int, int, int]) -> keras.Model:
    """A few thousand parameters on a 4x4-averaged (32x32) view; for tests and demos only."""
    inputs = _inputs(shape)
    x = layers.AveragePooling2D(4, name="downsample")(inputs)
    x = _conv(x, 8, "conv1")
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = _conv(x, 16, "conv2")
    x = layers.MaxPooling2D(2, name="pool2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(16, activation="relu", name="dense")(x)
    outputs = layers.Dense(1, activation="tanh", name="inclination")(x)
    return keras.Model(inputs, outputs, name="tiny")


def _vgg(shape: tuple[int, int, int], filters: tuple[int, ...], dense: int, name: str,
         batch_norm: bool = False) -> keras.Model:
    """VGG-like: a 2x2 average pool to 64x64, then blocks of double 3x3 convolutions with
    max-pooling and dropout, a dense head with dropout, tanh output."""
    inputs = _inputs(shape)
    x = layers.AveragePooling2D(2, name="downsample")(inputs)
    for block, width in enumerate(filters, start=1):
        conv = _conv_bn if batch_norm else _conv
        x = conv(x, width, f"block{block}_conv1")
        x = conv(x, width, f"block{block}_conv2")
        x = layers.MaxPooling2D(2, name=f"block{block}_pool")(x)
        x = layers.Dropout(0.1, name=f"block{block}_dropout")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense, activation="relu", name="dense")(x)
    x = layers.Dropout(0.3, name="dense_dropout")(x)
    outputs = layers.Dense(1, activation="tanh", name="inclination")(x)
    return keras.Model(inputs, outputs, name=name)


def vgg2(shape: tuple[int, int, int]) -> keras.Model:
    """Two blocks (the original's simplest design) at 64x64 → 16x16x32 features, ~0.5M params."""
    return _vgg(shape, (16, 32), 64, "vgg2")


def vgg3(shape: tuple[int, int, int]) -> keras.Model:
    """Three blocks at 64x64 → 8x8x64 features, ~0.3M params."""
    return _vgg(shape, (16, 32, 64), 64, "vgg3")


def vgg4(shape: tuple[int, int, int]) -> keras.Model:
    """Four blocks at 64x64 -> 4x4x64 features, a smaller dense head."""
    return _vgg(shape, (16, 32, 48, 64), 64, "vgg4")


def vgg4bn(shape: tuple[int, int, int]) -> keras.Model:
    """vgg4 with batch normalization after every convolution."""
    return _vgg(shape, (16, 32, 48, 64), 64, "vgg4bn", batch_norm=True)


def vgg3bn(shape: tuple[int, int, int]) -> keras.Model:
    """vgg3 with batch normalization after every convolution."""
    return _vgg(shape, (16, 32, 64), 64, "vgg3bn", batch_norm=True)


def _residual(x: keras.KerasTensor, filters: int, stride: int, name: str) -> keras.KerasTensor:
    """A pre-activation-free residual block: two 3x3 convolutions with batch normalization, a
    1x1 projection on the shortcut when the shape changes."""
    shortcut = x
    if stride != 1 or int(x.shape[-1]) != filters:
        shortcut = layers.Conv2D(filters, 1, strides=stride, use_bias=False,
                                 name=f"{name}_proj")(x)
        shortcut = layers.BatchNormalization(name=f"{name}_proj_bn")(shortcut)
    y = layers.Conv2D(filters, 3, strides=stride, padding="same", use_bias=False,
                      name=f"{name}_conv1")(x)
    y = layers.BatchNormalization(name=f"{name}_bn1")(y)
    y = layers.Activation("relu", name=f"{name}_relu1")(y)
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_conv2")(y)
    y = layers.BatchNormalization(name=f"{name}_bn2")(y)
    y = layers.Add(name=f"{name}_add")([shortcut, y])
    return layers.Activation("relu", name=f"{name}_relu2")(y)


BACKBONE_LAYERS = ("stem", "stage")  # name prefixes of residual_backbone's layers


def residual_backbone(inputs: keras.KerasTensor, stem: int = 24,
                      widths: tuple[int, ...] = (32, 48, 64, 96),
                      blocks: tuple[int, ...] = (1, 1, 1, 1)) -> keras.KerasTensor:
    """The residual feature extractor: a learned stride-2 5x5 stem, then one stage a width,
    each halving the size (128 -> 4x4 for four stages) with ``blocks`` residual blocks. The
    defaults are res128's; its layer names are shared by every model built on it, so weights
    carry over (a stage's further blocks are ``stage<n>_<k>``)."""
    x = layers.Conv2D(stem, 5, strides=2, padding="same", use_bias=False, name="stem")(inputs)
    x = layers.BatchNormalization(name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    for stage, (width, count) in enumerate(zip(widths, blocks, strict=True), start=1):
        x = _residual(x, width, 2, f"stage{stage}")
        for block in range(1, count):
            x = _residual(x, width, 1, f"stage{stage}_{block}")
    return x


def _regression_head(inputs: keras.KerasTensor, features: keras.KerasTensor, dense: int,
                     name: str) -> keras.Model:
    x = layers.Flatten(name="flatten")(features)
    x = layers.Dropout(0.3, name="flatten_dropout")(x)
    x = layers.Dense(dense, activation="relu", name="dense")(x)
    x = layers.Dropout(0.2, name="dense_dropout")(x)
    outputs = layers.Dense(1, activation="tanh", name="inclination")(x)
    return keras.Model(inputs, outputs, name=name)


def res128(shape: tuple[int, int, int]) -> keras.Model:
    """Residual network on the full 128x128 input: a learned stride-2 5x5 stem (no averaging
    away of the thin disks and dust lanes), four residual stages at 32, 16, 8 and 4 pixels
    (32, 48, 64, 96 filters), a dense head with dropout, tanh output. ~0.5M parameters."""
    inputs = _inputs(shape)
    return _regression_head(inputs, residual_backbone(inputs), 64, "res128")


def res128d(shape: tuple[int, int, int]) -> keras.Model:
    """res128 deepened: a second residual block in each stage but the first (at 16, 8 and 4
    pixels), the same widths and head. Its layers are res128's and the new blocks'
    (``stage<n>_1``), so a shipped res128 flavor can start it (:func:`training.train.deepen`:
    the new blocks start as identities). ~0.65M parameters."""
    inputs = _inputs(shape)
    return _regression_head(inputs, residual_backbone(inputs, blocks=(1, 2, 2, 2)), 64,
                            "res128d")


def res128w(shape: tuple[int, int, int]) -> keras.Model:
    """res128 wider and deeper: a 32-filter stem, stages of 48, 64, 96 and 128 filters with two
    residual blocks in each but the first, a dense head of 128. ~1.3M parameters, about two
    thirds of res128's training speed; trained from nothing, it tests whether capacity limits
    the flavors (they read their own training images no better than held-out ones)."""
    inputs = _inputs(shape)
    features = residual_backbone(inputs, stem=32, widths=(48, 64, 96, 128), blocks=(1, 2, 2, 2))
    return _regression_head(inputs, features, 128, "res128w")


ARCHITECTURES: dict[str, Builder] = {
    "tiny": tiny, "vgg2": vgg2, "vgg3": vgg3, "vgg3bn": vgg3bn, "vgg4": vgg4, "vgg4bn": vgg4bn,
    "res128": res128, "res128d": res128d, "res128w": res128w,
}


def build(architecture: str, shape: tuple[int, int, int]) -> keras.Model:
    try:
        return ARCHITECTURES[architecture](shape)
    except KeyError:
        known = ", ".join(sorted(ARCHITECTURES))
        raise ValueError(f"unknown architecture {architecture!r}; known: {known}") from None
