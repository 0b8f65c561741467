"""Where the flavors run. ``create_backend`` imports only the chosen one (both import
TensorFlow)."""

from inference.backends.base import Backend, FlavorStatus
from inference.registry import Registry
from inference.settings import InferenceSettings

__all__ = ["Backend", "FlavorStatus", "create_backend"]


def create_backend(settings: InferenceSettings, registry: Registry) -> Backend:
    if settings.backend == "tfserving":
        from inference.backends.tfserving import TFServingBackend

        return TFServingBackend(registry, settings)
    from inference.backends.embedded import EmbeddedBackend

    return EmbeddedBackend(registry, settings)
