"""Serving signatures, protocol-neutral: what a model says it takes and returns, and whether that
agrees with its manifest. Both backends describe what they find in these terms."""

from dataclasses import dataclass

from inference.manifest import Manifest

Shape = tuple[int | None, ...]  # None: any size (the batch dimension)


@dataclass(frozen=True)
class TensorInfo:
    dtype: str  # numpy-style name: "float32"
    shape: Shape | None  # None: unknown rank


@dataclass(frozen=True)
class SignatureInfo:
    inputs: dict[str, TensorInfo]
    outputs: dict[str, TensorInfo]


def _fmt(shape: Shape | None) -> str:
    if shape is None:
        return "unknown"
    return "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"


def signature_mismatch(manifest: Manifest, info: SignatureInfo) -> str | None:
    """Why the signature cannot serve the manifest's input and output, or None when it can."""
    key = manifest.input.key
    if key not in info.inputs:
        return f"signature has inputs {sorted(info.inputs)}, manifest expects {key!r}"
    extra = sorted(set(info.inputs) - {key})
    if extra:
        return f"signature also requires inputs {extra} the manifest does not describe"
    image = info.inputs[key]
    if image.dtype != manifest.input.dtype:
        return f"input {key!r} is {image.dtype}, manifest says {manifest.input.dtype}"
    expected = (None, *manifest.input.shape)
    if (
        image.shape is None
        or len(image.shape) != 4
        or any(
            got is not None and got != want for got, want in zip(image.shape, expected, strict=True)
        )
    ):
        return f"input {key!r} has shape {_fmt(image.shape)}, manifest says {_fmt(expected)}"
    out_key = manifest.output.key
    if out_key not in info.outputs:
        return f"signature has outputs {sorted(info.outputs)}, manifest expects {out_key!r}"
    output = info.outputs[out_key]
    if output.dtype != "float32":
        return f"output {out_key!r} is {output.dtype}, expected float32"
    if manifest.classifier is not None:
        classes = len(manifest.classifier.classes)
        if output.shape is not None and output.shape[1:] not in ((classes,), (None,)):
            return (f"output {out_key!r} has shape {_fmt(output.shape)}, expected "
                    f"[?, {classes}] (one probability per class)")
    elif output.shape is not None and output.shape[1:] not in ((), (1,), (None,)):
        return f"output {out_key!r} has shape {_fmt(output.shape)}, expected [?, 1]"
    return None
