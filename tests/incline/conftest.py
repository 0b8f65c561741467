"""The ``incline`` command against the local stack as real processes (the gateway tests' stack:
Redis, the SkyServer stand-in, catalog, preprocessor, inference with tiny models, gateway)."""

from tests.gateway.conftest import dead_url, stack

__all__ = ["dead_url", "stack"]
