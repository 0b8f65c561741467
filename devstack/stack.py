"""The whole local stack as processes on loopback: Redis, the SkyServer stand-in, catalog,
preprocessor, inference (embedded SavedModels, or the tfserving backend over the TF Serving
stand-in) and the gateway, wired as ``make run`` wires them.

    with local_stack(models_dir, work_dir) as stack:
        httpx.get(f"{stack.url}/api/pgc/2557")

Used by the gateway and stack tests, the reliability suite, ``bench.gateway``,
``bench.load`` and ``devstack.soak``.
"""

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import httpx

from devstack.processes import (
    RedisServer,
    ServiceProcess,
    cpu_seconds,
    redis_server,
    rss_kib,
    service_process,
)

if TYPE_CHECKING:
    from gateway.settings import GatewaySettings

InferenceBackend = Literal["embedded", "tfserving"]
SERVICES = ("catalog", "preprocessor", "inference", "gateway")


@dataclass
class Stack:
    redis: RedisServer
    skyserver: ServiceProcess
    catalog: ServiceProcess
    preprocessor: ServiceProcess
    inference: ServiceProcess
    gateway: ServiceProcess
    data_dir: Path
    log_dir: Path
    models_dir: Path
    # GATEWAY_* values beyond the wiring (time-outs, sizes) the gateway was started with.
    gateway_options: dict[str, str] = field(default_factory=dict)
    # The TF Serving stand-in, when inference runs its tfserving backend.
    tfserving: ServiceProcess | None = None
    # The stand-in of the other surveys' cutout services (Legacy Surveys, hips2fits).
    surveys: ServiceProcess | None = None

    @property
    def url(self) -> str:
        return self.gateway.url

    def services(self) -> dict[str, ServiceProcess]:
        return {
            "catalog": self.catalog,
            "preprocessor": self.preprocessor,
            "inference": self.inference,
            "gateway": self.gateway,
        }

    def gateway_env(self, **overrides: str) -> dict[str, str]:
        """The GATEWAY_* environment wiring a gateway to this stack (``overrides`` win)."""
        env = {
            "GATEWAY_CATALOG_URL": self.catalog.url,
            "GATEWAY_PREPROCESSOR_URL": self.preprocessor.url,
            "GATEWAY_INFERENCE_URL": self.inference.url,
            "GATEWAY_REDIS_URL": self.redis.url,
            "GATEWAY_DATA_DIR": str(self.data_dir),
            **self.gateway_options,
        }
        env.update(overrides)
        return env

    def settings(self, **overrides: object) -> "GatewaySettings":
        """Settings for an in-process gateway wired to this stack (``overrides`` win)."""
        from gateway.settings import GatewaySettings

        values: dict[str, Any] = {
            key.removeprefix("GATEWAY_").lower(): value for key, value in self.gateway_env().items()
        }
        values.update(overrides)
        return GatewaySettings.model_validate(values)

    def skyserver_mode(self, mode: str, delay_s: float = 0.0) -> None:
        """The SkyServer stand-in's behaviour: ``ok``, ``down`` (503) or ``slow`` (``delay_s``)."""
        response = httpx.get(
            f"{self.skyserver.url}/standin/mode", params={"mode": mode, "delay": delay_s}
        )
        response.raise_for_status()

    def survey_mode(self, survey: str, mode: str, delay_s: float = 0.0) -> None:
        """One survey stand-in's behaviour (``legacy``, ``panstarrs``, ``dss``): ``ok``,
        ``down``, ``slow`` or ``garbage``."""
        assert self.surveys is not None
        response = httpx.get(
            f"{self.surveys.url}/standin/mode",
            params={"remote": survey, "mode": mode, "delay": delay_s},
        )
        response.raise_for_status()

    def gateway_log(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.gateway.log_lines() if line.startswith("{")]

    def readiness(self, timeout_s: float = 10.0) -> dict[str, tuple[int, str]]:
        """Each service's ``/readyz``: (HTTP status, ``status`` field; ``down`` unreachable)."""
        answers: dict[str, tuple[int, str]] = {}
        for name, service in self.services().items():
            try:
                response = httpx.get(f"{service.url}/readyz", timeout=timeout_s)
                answers[name] = (response.status_code, str(response.json().get("status")))
            except (httpx.HTTPError, ValueError):
                answers[name] = (0, "down")
        return answers

    def pids(self) -> dict[str, int]:
        """The process id of each process of the stack, by name."""
        processes: dict[str, int] = {name: s.pid for name, s in self.services().items()}
        processes["redis"] = self.redis.pid
        processes["skyserver-standin"] = self.skyserver.pid
        if self.surveys is not None:
            processes["surveys-standin"] = self.surveys.pid
        if self.tfserving is not None:
            processes["tfserving-standin"] = self.tfserving.pid
        return processes

    def rss_kib(self) -> dict[str, int | None]:
        """Resident memory of each process of the stack (KiB, from /proc)."""
        return {name: rss_kib(pid) for name, pid in self.pids().items()}

    def cpu_seconds(self) -> dict[str, float | None]:
        """CPU time (user + system, seconds) each process of the stack has used so far."""
        return {name: cpu_seconds(pid) for name, pid in self.pids().items()}


@contextmanager
def local_stack(
    models_dir: Path,
    work_dir: Path,
    *,
    gateway_options: Mapping[str, str] | None = None,
    catalog_options: Mapping[str, str] | None = None,
    inference_options: Mapping[str, str] | None = None,
    inference_backend: InferenceBackend = "embedded",
    tfserving_args: tuple[str, ...] = (),
    log_level: str | None = None,
) -> Iterator[Stack]:
    """Start the stack (logs under ``work_dir/logs``, shared storage ``work_dir/data``), yield
    it once every service answers, stop every process on exit.

    ``*_options``: extra environment of that service (``GATEWAY_…``, ``CATALOG_…``,
    ``INFERENCE_…``); ``inference_backend="tfserving"`` also starts
    ``standins.tfserving`` over the same models (``tfserving_args``, e.g.
    ``("--fail", "flavor")``); ``log_level`` sets every service's ``<PREFIX>_LOG_LEVEL``."""
    logs = work_dir / "logs"
    data = work_dir / "data"
    logs.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    models_dir = models_dir.resolve()

    def env(prefix: str, values: Mapping[str, str]) -> dict[str, str]:
        level = {f"{prefix}_LOG_LEVEL": log_level} if log_level else {}
        return {**level, **values}

    with ExitStack() as resources:
        redis = resources.enter_context(redis_server())
        skyserver = resources.enter_context(
            service_process(
                "standins.skyserver",
                {},
                logs,
                args=["--port", "{port}"],
                env_prefix="SKYSERVER_STANDIN",
            )
        )
        surveys = resources.enter_context(
            service_process(
                "standins.cutouts",
                {},
                logs,
                args=["--port", "{port}"],
                env_prefix="SURVEYS_STANDIN",
            )
        )
        catalog = resources.enter_context(
            service_process(
                "catalog",
                env(
                    "CATALOG",
                    {
                        "CATALOG_DATA_DIR": str(data),
                        "CATALOG_SKYSERVER_URL": skyserver.url,
                        "CATALOG_LEGACY_URL": surveys.url,
                        "CATALOG_HIPS2FITS_URL": f"{surveys.url}/hips-image-services/hips2fits",
                        **(catalog_options or {}),
                    },
                ),
                logs,
            )
        )
        preprocessor = resources.enter_context(
            service_process(
                "preprocessor", env("PREPROCESSOR", {"PREPROCESSOR_DATA_DIR": str(data)}), logs
            )
        )
        tfserving = None
        backend: dict[str, str] = {}
        if inference_backend == "tfserving":
            tfserving = resources.enter_context(
                service_process(
                    "standins.tfserving",
                    {},
                    logs,
                    args=["--models-dir", str(models_dir), "--port", "{port}", *tfserving_args],
                    env_prefix="TFSERVING_STANDIN",
                    health_path=None,
                    startup_timeout_s=120,
                )
            )
            backend = {
                "INFERENCE_BACKEND": "tfserving",
                "INFERENCE_TFSERVING_ADDRESS": tfserving.address,
            }
        inference = resources.enter_context(
            service_process(
                "inference",
                env(
                    "INFERENCE",
                    {
                        "INFERENCE_MODELS_DIR": str(models_dir),
                        "INFERENCE_DATA_DIR": str(data),
                        **backend,
                        **(inference_options or {}),
                    },
                ),
                logs,
                startup_timeout_s=120,
            )
        )
        stack = Stack(
            redis=redis,
            skyserver=skyserver,
            catalog=catalog,
            preprocessor=preprocessor,
            inference=inference,
            gateway=None,  # type: ignore[arg-type]  # started next, wired to the others
            data_dir=data,
            log_dir=logs,
            models_dir=models_dir,
            gateway_options=dict(gateway_options or {}),
            tfserving=tfserving,
            surveys=surveys,
        )
        stack.gateway = resources.enter_context(
            service_process("gateway", env("GATEWAY", stack.gateway_env()), logs)
        )
        try:
            yield stack
        finally:
            if stack.redis.running():  # a fault test may have restarted it: stop the new one
                stack.redis.stop()


def ensure_models(models_dir: Path, scratch: Path) -> tuple[Path, str]:
    """``models_dir`` when it holds a model repository (models.config), else the tiny test
    repository trained into ``scratch`` (seconds); returns the folder and a note saying which."""
    config = models_dir / "models.config"
    if config.exists():
        flavors = re.findall(r'name:\s*"([^"]+)"', config.read_text())
        return models_dir.resolve(), f"the repository in {models_dir}/ ({', '.join(flavors)})"
    from training.quick import make_tiny_repository

    tiny = scratch / "tiny-models"
    if not (tiny / "models.config").exists():
        make_tiny_repository(tiny)
    return tiny, "tiny test models (training.quick)"
