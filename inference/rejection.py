"""The rejection verdict: the classifier flavors (manifests with ``task: classify``) say how likely
an image is not a measurable disk galaxy.

Each classifier returns one probability per class for every image; the probabilities are
averaged over a galaxy's test-time copies and then over the classifiers that answered. The
likelihood is one minus the probability of the accepted classes (``disk``); the verdict is
``reject`` at or above the threshold — the median of the classifiers' manifest thresholds, chosen
on synthetic validation data, unless the settings override it. A classifier that fails is left
out; when none answers (or none is registered) there is no verdict, and the inclination answer
goes out without one: the verdict never costs a user their inclination.
"""

import asyncio
import statistics
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from inference.backends.base import Backend, Images
from inference.errors import FlavorError
from inference.registry import Flavor, Registry
from inference.settings import InferenceSettings
from servicekit.logging import get_logger

log = get_logger("inference.rejection")

Verdict = Literal["accept", "reject"]


@dataclass(frozen=True)
class Rejection:
    likelihood: float
    verdict: Verdict
    threshold: float
    classes: dict[str, float]
    classifiers: list[str]


def _to_rgb(images: Images, channels: int) -> Images:
    if images.shape[3] == channels:
        return images
    if images.shape[3] == 1 and channels == 3:
        return np.repeat(images, 3, axis=3)
    raise FlavorError(f"cannot feed {images.shape[3]}-channel images to a {channels}-channel "
                      "classifier")


class Rejector:
    def __init__(self, registry: Registry, backend: Backend, settings: InferenceSettings,
                 threshold: float | None = None) -> None:
        self.registry = registry
        self.backend = backend
        self.settings = settings
        self.threshold_override = threshold

    @property
    def classifiers(self) -> list[Flavor]:
        """The classifiers that agree with the first on their classes (the others are left
        out, with a warning at start-up)."""
        found = list(self.registry.classifiers)
        if not found:
            return []
        first = found[0].manifest.classifier
        assert first is not None
        return [f for f in found if f.manifest.classifier is not None
                and f.manifest.classifier.classes == first.classes
                and f.manifest.classifier.accept == first.accept]

    def threshold(self, classifiers: list[Flavor]) -> float:
        if self.threshold_override is not None:
            return self.threshold_override
        return float(statistics.median(
            f.manifest.classifier.threshold for f in classifiers if f.manifest.classifier
        ))

    async def _run(self, flavor: Flavor, images: Images, timeout_s: float
                   ) -> npt.NDArray[np.float32]:
        rgb = _to_rgb(images, flavor.manifest.input.shape[2])
        return await asyncio.wait_for(self.backend.predict(flavor, rgb, timeout_s),
                                      timeout_s + 1.0)

    async def assess(self, images: Images, copies: int) -> list[Rejection] | None:
        """One verdict per galaxy (``copies`` consecutive images each), or None when no
        classifier is registered or none answered."""
        classifiers = self.classifiers
        if not classifiers:
            return None
        timeout_s = self.settings.flavor_timeout_s + self.settings.flavor_timeout_per_image_s * len(
            images
        )
        outcomes = await asyncio.gather(
            *(self._run(f, images, timeout_s) for f in classifiers), return_exceptions=True
        )
        answered: list[tuple[Flavor, npt.NDArray[np.float64]]] = []
        for flavor, outcome in zip(classifiers, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome
                log.warning("classifier left out",
                            extra={"classifier": flavor.name, "reason": str(outcome)})
            elif not np.isfinite(outcome).all():
                log.warning("classifier left out",
                            extra={"classifier": flavor.name, "reason": "non-finite output"})
            else:
                answered.append((flavor, np.asarray(outcome, np.float64)))
        if not answered:
            return None
        spec = answered[0][0].manifest.classifier
        assert spec is not None
        threshold = self.threshold([f for f, _ in answered])
        per_classifier = [p.reshape(-1, copies, len(spec.classes)).mean(axis=1)
                          for _, p in answered]
        mean = np.mean(per_classifier, axis=0)
        keep = [spec.classes.index(c) for c in spec.accept]
        names = [f.name for f, _ in answered]
        verdicts = []
        for row in mean:
            likelihood = float(np.clip(1.0 - row[keep].sum(), 0.0, 1.0))
            verdicts.append(Rejection(
                likelihood=round(likelihood, 4),
                verdict="reject" if likelihood >= threshold else "accept",
                threshold=threshold,
                classes={c: round(float(v), 4) for c, v in zip(spec.classes, row, strict=True)},
                classifiers=names,
            ))
        return verdicts
