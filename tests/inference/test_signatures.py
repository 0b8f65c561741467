"""Signature against manifest: what agrees and what does not."""

import pytest

from inference.manifest import InputSpec, Manifest, OutputSpec, TrainingInfo
from inference.signatures import SignatureInfo, TensorInfo, signature_mismatch

MANIFEST = Manifest(
    name="m",
    version=1,
    architecture="tiny",
    color_modes=["rgb"],
    input=InputSpec(),
    output=OutputSpec(),
    training=TrainingInfo(data="synthetic"),
)
GOOD_IN = {"image": TensorInfo("float32", (None, 128, 128, 3))}
GOOD_OUT = {"inclination": TensorInfo("float32", (None, 1))}


def test_the_exported_signature_matches() -> None:
    assert signature_mismatch(MANIFEST, SignatureInfo(GOOD_IN, GOOD_OUT)) is None


@pytest.mark.parametrize(
    ("inputs", "outputs", "needle"),
    [
        ({"pixels": GOOD_IN["image"]}, GOOD_OUT, "manifest expects 'image'"),
        ({**GOOD_IN, "mask": TensorInfo("float32", (None, 128, 128, 1))}, GOOD_OUT, "mask"),
        ({"image": TensorInfo("float16", (None, 128, 128, 3))}, GOOD_OUT, "float16"),
        ({"image": TensorInfo("float32", (None, 128, 128, 1))}, GOOD_OUT, "[?, 128, 128, 1]"),
        ({"image": TensorInfo("float32", (None, 64, 64, 3))}, GOOD_OUT, "64"),
        ({"image": TensorInfo("float32", None)}, GOOD_OUT, "unknown"),
        (GOOD_IN, {"logits": TensorInfo("float32", (None, 1))}, "'inclination'"),
        (GOOD_IN, {"inclination": TensorInfo("float32", (None, 2))}, "[?, 2]"),
        (GOOD_IN, {"inclination": TensorInfo("int64", (None, 1))}, "int64"),
    ],
)
def test_mismatches_are_named(
    inputs: dict[str, TensorInfo], outputs: dict[str, TensorInfo], needle: str
) -> None:
    reason = signature_mismatch(MANIFEST, SignatureInfo(inputs, outputs))
    assert reason is not None
    assert needle in reason
