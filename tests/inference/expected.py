"""Independent expectations: each flavor's SavedModel run through its plain signature (not the
service's compiled function), mapped to degrees and pooled the way the contract describes."""

from pathlib import Path
from statistics import median

import numpy as np
import numpy.typing as npt

from inference.registry import load_registry


def flavor_degrees(
    models_dir: Path, images: npt.NDArray[np.float32], copies: int
) -> dict[str, list[tuple[float, bool]]]:
    """{flavor: [(degrees, clipped) per galaxy]} for every flavor of the repository."""
    from inference.runtime import SavedModel

    result: dict[str, list[tuple[float, bool]]] = {}
    for flavor in load_registry(models_dir).flavors:
        manifest = flavor.manifest
        model = SavedModel(flavor.path)
        raw = model.run(manifest.input.signature, {manifest.input.key: images})[
            manifest.output.key
        ].reshape(-1)
        degrees = manifest.output.offset_deg + manifest.output.scale_deg * raw.astype(np.float64)
        values = []
        for galaxy in degrees.reshape(-1, copies):
            value = float(median(galaxy.tolist()))
            low, high = manifest.output.min_deg, manifest.output.max_deg
            values.append((min(max(value, low), high), not low <= value <= high))
        result[flavor.name] = values
    return result
