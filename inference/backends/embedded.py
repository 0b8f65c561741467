"""The embedded backend: every flavor's SavedModel loaded in this process, run on a small thread
pool so that TensorFlow never blocks the event loop."""

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import ClassVar

from inference.backends.base import Backend, FlavorStatus, Images, Raw
from inference.errors import FlavorError
from inference.registry import Flavor, Registry
from inference.runtime import LoadedFlavor, configure_threads
from inference.settings import InferenceSettings
from servicekit.logging import get_logger

log = get_logger("inference.embedded")


class EmbeddedBackend(Backend):
    name: ClassVar[str] = "embedded"

    def __init__(self, registry: Registry, settings: InferenceSettings) -> None:
        super().__init__(registry, settings)
        self._loaded: dict[str, LoadedFlavor] = {}
        self._executor: ThreadPoolExecutor | None = None

    async def start(self) -> None:
        configure_threads(self.settings.tf_intra_op_threads, self.settings.tf_inter_op_threads)
        self._executor = ThreadPoolExecutor(
            max_workers=max(1, self.settings.executor_workers), thread_name_prefix="tf-serve"
        )
        loop = asyncio.get_running_loop()
        for flavor in self.registry.served:
            try:
                loaded = await loop.run_in_executor(self._executor, LoadedFlavor, flavor)
            except FlavorError as exc:
                self._status[flavor.name] = FlavorStatus.down(exc.reason)
                log.warning(
                    "flavor unavailable", extra={"flavor": flavor.name, "reason": exc.reason}
                )
                continue
            self._loaded[flavor.name] = loaded
            self._status[flavor.name] = FlavorStatus.ok()
            log.info("flavor loaded", extra={"flavor": flavor.name, "version": flavor.version})

    async def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
        self._loaded.clear()

    async def _infer(self, flavor: Flavor, images: Images, timeout_s: float) -> Raw:
        loaded = self._loaded.get(flavor.name)
        if loaded is None or self._executor is None:
            raise FlavorError("not loaded")
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor, loaded.predict, images)
        try:
            return await asyncio.wait_for(future, timeout_s)
        except TimeoutError:
            raise FlavorError("deadline exceeded") from None
        except FlavorError:
            raise
        except Exception as exc:  # TensorFlow's own errors: the flavor failed, not the request
            raise FlavorError(f"{type(exc).__name__}: {exc}") from exc
