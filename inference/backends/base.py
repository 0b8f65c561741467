"""The interface every backend implements; the ensemble sees only this."""

import asyncio
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt

from inference.errors import FlavorError
from inference.registry import Flavor, Registry
from inference.settings import InferenceSettings

Images = npt.NDArray[np.float32]
Raw = npt.NDArray[np.float32]


@dataclass(frozen=True)
class FlavorStatus:
    available: bool
    reason: str | None = None

    @classmethod
    def ok(cls) -> "FlavorStatus":
        return cls(True, None)

    @classmethod
    def down(cls, reason: str) -> "FlavorStatus":
        return cls(False, reason)


def output_shape(flavor: Flavor, images: int) -> tuple[int, ...]:
    """What a flavor returns for ``images`` images: one value each, or a classifier's one
    probability per class each."""
    classifier = flavor.manifest.classifier
    return (images,) if classifier is None else (images, len(classifier.classes))


class Backend(ABC):
    """Runs one flavor on a batch of images and returns its raw outputs, one per image.

    ``start`` loads or checks every flavor of the registry and records its status; a flavor that
    cannot be served is marked unavailable with the reason instead of failing the service.
    """

    name: ClassVar[str]

    def __init__(self, registry: Registry, settings: InferenceSettings) -> None:
        self.registry = registry
        self.settings = settings
        self._status: dict[str, FlavorStatus] = {
            f.name: FlavorStatus.down("not started") for f in registry.served
        }
        self._refreshing: asyncio.Task[None] | None = None

    @abstractmethod
    async def start(self) -> None: ...

    @abstractmethod
    async def close(self) -> None: ...

    @abstractmethod
    async def _infer(self, flavor: Flavor, images: Images, timeout_s: float) -> Raw:
        """Raw outputs, shape (len(images),) (a classifier: (len(images), classes)), or
        FlavorError; at most ``timeout_s`` seconds."""

    async def refresh(self) -> None:  # noqa: B027 - a default, not a stub
        """Check unavailable flavors again where that can change (default: it cannot)."""

    def refresh_soon(self) -> None:
        """Start ``refresh`` in the background (at most one at a time): a request never waits
        on a check of a flavor it has already left out."""
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.get_running_loop().create_task(self.refresh())

    def status(self, name: str) -> FlavorStatus:
        return self._status.get(name, FlavorStatus.down("not in the model registry"))

    def statuses(self) -> dict[str, FlavorStatus]:
        return dict(self._status)

    async def predict(self, flavor: Flavor, images: Images, timeout_s: float) -> Raw:
        """All of ``images`` through ``flavor`` in chunks, within ``timeout_s`` overall."""
        status = self.status(flavor.name)
        if not status.available:
            raise FlavorError(f"unavailable: {status.reason}")
        deadline = time.monotonic() + timeout_s
        chunk = max(1, self.settings.chunk_images)
        parts: list[Raw] = []
        for start in range(0, len(images), chunk):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise FlavorError("deadline exceeded")
            raw = await self._infer(flavor, images[start : start + chunk], remaining)
            expected = min(chunk, len(images) - start)
            if raw.shape != output_shape(flavor, expected):
                raise FlavorError(f"returned {raw.size} values for {expected} images")
            parts.append(raw)
        return np.concatenate(parts) if parts else np.zeros((0,), np.float32)
