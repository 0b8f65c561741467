"""The ensemble: every flavor on the batch at once, test-time copies combined by median, then
median, mean, spread and the discrepancy alarm over the flavors, and the image's axial-ratio
inclination beside them (a classical second opinion, with a flag where it departs far from the
median). Protocol-neutral: it takes an
array and returns dataclasses; it does not know which backend runs the flavors."""

import asyncio
import math
import statistics
import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from prometheus_client import Counter, Histogram

from inference.alarms import AlarmLog
from inference.axial_ratio import DEPARTURE_DOUBT_DEG, image_inclination
from inference.backends.base import Backend, Images
from inference.calibration import corrected, uncertainty
from inference.errors import FlavorError, InvalidTensor, QuorumNotMet, TooManyImages
from inference.manifest import ColorMode
from inference.registry import Flavor, Registry
from inference.settings import InferenceSettings
from servicekit.logging import get_logger

log = get_logger("inference.ensemble")

FLAVOR_SECONDS = Histogram(
    "incline_inference_flavor_duration_seconds",
    "Time one flavor took on one request, by flavor and backend.",
    ["flavor", "backend"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
FLAVOR_FAILURES = Counter(
    "incline_inference_flavor_failures_total",
    "Flavors left out of an answer, by flavor and kind (deadline, error, unavailable).",
    ["flavor", "kind"],
)

CHANNELS: dict[ColorMode, int] = {"rgb": 3, "gray": 1}
LUMA = np.asarray([0.299, 0.587, 0.114], np.float32)  # ITU-R 601, as preprocessor.imaging


@dataclass(frozen=True)
class FlavorValue:
    name: str
    version: int
    inclination_deg: float
    clipped: bool


@dataclass(frozen=True)
class Summary:
    median: float
    mean: float
    stdev: float  # sample standard deviation over flavors; 0 with one flavor
    min: float
    max: float
    sigma: float  # calibrated 1-sigma error of the median (inference.calibration)
    interval: tuple[float, float]  # 68%
    calibrated: bool
    axial_ratio_deg: float | None  # the classical second opinion (inference.axial_ratio)
    axial_ratio_departs: bool  # it lies DEPARTURE_DOUBT_DEG or more from the median


@dataclass(frozen=True)
class Alarm:
    raised: bool
    spread_deg: float
    threshold_deg: float


@dataclass(frozen=True)
class GalaxyEstimate:
    inclination: Summary
    flavors: list[FlavorValue]
    alarm: Alarm


@dataclass(frozen=True)
class FailedFlavor:
    name: str
    reason: str


@dataclass(frozen=True)
class EnsembleResult:
    model_set_version: str
    backend: str
    galaxies: list[GalaxyEstimate]
    failed_flavors: list[FailedFlavor] = field(default_factory=list)


def _failure_kind(reason: str) -> str:
    if reason.startswith("deadline"):
        return "deadline"
    if reason.startswith("unavailable"):
        return "unavailable"
    return "error"


def second_opinions_of(originals: Images) -> list[float | None]:
    """Each galaxy's axial-ratio inclination (:mod:`inference.axial_ratio`) from its first copy,
    the image as sent (rounded as the answers are), None where nothing stands out."""
    degrees = (image_inclination(image) for image in originals)
    return [round(d, 4) if math.isfinite(d) else None for d in degrees]


class Ensemble:
    def __init__(
        self,
        registry: Registry,
        backend: Backend,
        settings: InferenceSettings,
        alarm_log: AlarmLog,
    ) -> None:
        self.registry = registry
        self.backend = backend
        self.settings = settings
        self.alarm_log = alarm_log

    # -- what a request may ask --------------------------------------------------------------

    def flavors_for(self, mode: ColorMode) -> list[Flavor]:
        return [f for f in self.registry.flavors if f.accepts(mode)]

    def quorum(self, registered: int) -> int:
        if self.settings.quorum == "majority":
            return registered // 2 + 1
        return max(1, int(self.settings.quorum))

    def threshold(self, flavors: list[Flavor]) -> float:
        if self.settings.alarm_threshold_deg is not None:
            return self.settings.alarm_threshold_deg
        calibration = self.registry.calibration
        if calibration is not None and {f.name for f in flavors} <= set(calibration.flavors):
            return calibration.alarm_threshold_deg
        return float(statistics.median(f.manifest.alarm_threshold_deg for f in flavors))

    def validate(
        self, tensor: npt.NDArray[np.generic], copies: int, mode: ColorMode | None
    ) -> tuple[Images, ColorMode]:
        """The request's array as float32 images in its colour mode, or InvalidTensor."""
        if tensor.dtype != np.float32:
            raise InvalidTensor(f"expected a float32 tensor, got {tensor.dtype}")
        if tensor.ndim != 4:
            raise InvalidTensor(
                f"expected shape (N, height, width, channels), got {tuple(tensor.shape)}"
            )
        n, height, width, channels = tensor.shape
        if mode is None:
            by_channels = {c: m for m, c in CHANNELS.items()}
            if channels not in by_channels:
                raise InvalidTensor(f"{channels} channels: expected 3 (rgb) or 1 (gray)")
            mode = by_channels[channels]
        elif channels != CHANNELS[mode]:
            raise InvalidTensor(
                f"mode={mode} needs {CHANNELS[mode]} channel(s), the tensor has {channels}"
            )
        if n == 0:
            raise InvalidTensor("the tensor holds no images")
        if n > self.settings.max_images:
            raise TooManyImages(
                f"{n} images in one request; at most {self.settings.max_images} "
                "(galaxies x copies): split the batch"
            )
        if n % copies:
            raise InvalidTensor(f"{n} images is not a multiple of copies_per_galaxy={copies}")
        sizes = {f.manifest.input.shape[:2] for f in self.flavors_for(mode)}
        if sizes and (height, width) not in sizes:
            wanted = " or ".join(f"{h}x{w}" for h, w in sorted(sizes))
            raise InvalidTensor(f"images are {height}x{width}; the flavors take {wanted}")
        if not np.isfinite(tensor).all():
            raise InvalidTensor("the tensor contains NaN or infinite values")
        return tensor.astype(np.float32, copy=False), mode

    # -- running it ----------------------------------------------------------------------------

    def _adapt(self, images: Images, flavor: Flavor) -> Images:
        """The images with the channel count the flavor's signature takes."""
        want = flavor.manifest.input.shape[2]
        have = images.shape[3]
        if want == have:
            return images
        if have == 1:
            return np.repeat(images, want, axis=3)
        if have == 3 and want == 1:
            return np.asarray(images @ LUMA, np.float32)[..., np.newaxis]
        raise FlavorError(f"cannot feed {have}-channel images to a {want}-channel flavor")

    async def _run(
        self, flavor: Flavor, images: Images, timeout_s: float
    ) -> npt.NDArray[np.float32]:
        start = time.perf_counter()
        try:
            # The backend keeps to the deadline; wait_for is the backstop so nothing hangs.
            return await asyncio.wait_for(
                self.backend.predict(flavor, self._adapt(images, flavor), timeout_s),
                timeout_s + 1.0,
            )
        except TimeoutError:
            raise FlavorError("deadline exceeded") from None
        finally:
            FLAVOR_SECONDS.labels(flavor.name, self.backend.name).observe(
                time.perf_counter() - start
            )

    async def _second_opinions(self, originals: Images) -> list[float | None]:
        """:func:`second_opinions_of` in a thread; None for each galaxy if it fails (it never
        costs the answer)."""
        try:
            return await asyncio.to_thread(second_opinions_of, originals)
        except Exception:
            log.exception("the axial-ratio second opinion failed")
            return [None] * len(originals)

    async def predict(
        self, tensor: npt.NDArray[np.generic], copies: int = 1, mode: ColorMode | None = None
    ) -> EnsembleResult:
        images, mode = self.validate(tensor, copies, mode)
        flavors = self.flavors_for(mode)
        if not flavors:
            if not self.registry.flavors:
                raise QuorumNotMet("no model flavors are registered", failed_flavors=[])
            modes = sorted({m for f in self.registry.flavors for m in f.manifest.color_modes})
            raise InvalidTensor(f"no flavor takes mode={mode}; the flavors take {modes}")

        if any(not self.backend.status(f.name).available for f in flavors):
            self.backend.refresh_soon()
        timeout_s = self.settings.flavor_timeout_s + self.settings.flavor_timeout_per_image_s * len(
            images
        )
        # the classical second opinion of each galaxy (its first copy), beside the flavors
        seconds, outcomes = await asyncio.gather(
            self._second_opinions(images[::copies]),
            asyncio.gather(*(self._run(f, images, timeout_s) for f in flavors),
                           return_exceptions=True),
        )

        answered: list[tuple[Flavor, npt.NDArray[np.float32]]] = []
        failed: list[FailedFlavor] = []
        for flavor, outcome in zip(flavors, outcomes, strict=True):
            if isinstance(outcome, BaseException):
                if not isinstance(outcome, Exception):
                    raise outcome  # cancellation and the like are not a flavor's failure
                if isinstance(outcome, FlavorError):
                    reason = outcome.reason
                else:
                    reason = f"unexpected error: {type(outcome).__name__}"
                    log.error(
                        "flavor raised an unexpected error",
                        extra={"flavor": flavor.name},
                        exc_info=(type(outcome), outcome, outcome.__traceback__),
                    )
                failed.append(FailedFlavor(flavor.name, reason))
            elif not np.isfinite(outcome).all():
                failed.append(FailedFlavor(flavor.name, "non-finite output"))
            else:
                answered.append((flavor, outcome))
        for failure in failed:
            FLAVOR_FAILURES.labels(failure.name, _failure_kind(failure.reason)).inc()
        if failed:
            log.warning("flavors left out", extra={"failed": {f.name: f.reason for f in failed}})

        needed = self.quorum(len(flavors))
        if len(answered) < needed:
            raise QuorumNotMet(
                f"{len(answered)} of {len(flavors)} flavors answered; the quorum is {needed}",
                failed_flavors=[{"name": f.name, "reason": f.reason} for f in failed],
            )
        galaxies = self._combine(answered, copies, self.threshold(flavors), seconds)
        return EnsembleResult(
            model_set_version=self.registry.model_set_version,
            backend=self.backend.name,
            galaxies=galaxies,
            failed_flavors=failed,
        )

    def _combine(
        self,
        answered: list[tuple[Flavor, npt.NDArray[np.float32]]],
        copies: int,
        threshold: float,
        second_opinions: list[float | None],
    ) -> list[GalaxyEstimate]:
        """The flavors' answers per galaxy, their median and its calibrated uncertainty, which
        widens by each galaxy's departure from ``second_opinions`` (:func:`second_opinions_of`)."""
        per_flavor: list[tuple[Flavor, npt.NDArray[np.float64], npt.NDArray[np.bool_]]] = []
        for flavor, raw in answered:
            out = flavor.manifest.output
            degrees = out.offset_deg + out.scale_deg * raw.astype(np.float64)
            per_galaxy = np.median(degrees.reshape(-1, copies), axis=1)
            clipped = (per_galaxy < out.min_deg) | (per_galaxy > out.max_deg)
            answers = corrected(self.registry.calibration, flavor.name,
                                np.clip(per_galaxy, out.min_deg, out.max_deg))
            per_flavor.append((flavor, answers, clipped))

        galaxies: list[GalaxyEstimate] = []
        for index in range(len(per_flavor[0][1])):
            values = [
                FlavorValue(f.name, f.version, round(float(v[index]), 4), bool(c[index]))
                for f, v, c in per_flavor
            ]
            values_deg = [v.inclination_deg for v in values]
            spread = max(values_deg) - min(values_deg)
            median = round(statistics.median(values_deg), 4)
            stdev = round(statistics.stdev(values_deg), 4) if len(values_deg) > 1 else 0.0
            axial_ratio_deg = second_opinions[index]
            sigma, interval, calibrated = uncertainty(
                self.registry.calibration, [v.name for v in values], median, stdev,
                axial_ratio_deg,
            )
            summary = Summary(
                median=median,
                mean=round(statistics.fmean(values_deg), 4),
                stdev=stdev,
                min=min(values_deg),
                max=max(values_deg),
                sigma=sigma,
                interval=interval,
                calibrated=calibrated,
                axial_ratio_deg=axial_ratio_deg,
                axial_ratio_departs=(axial_ratio_deg is not None and abs(
                    median - axial_ratio_deg) >= DEPARTURE_DOUBT_DEG),
            )
            alarm = Alarm(spread > threshold, round(spread, 4), threshold)
            if alarm.raised:
                self.alarm_log.record(
                    {
                        "model_set_version": self.registry.model_set_version,
                        "galaxy_index": index,
                        "spread_deg": alarm.spread_deg,
                        "threshold_deg": threshold,
                        "median_deg": summary.median,
                        "flavors": {v.name: v.inclination_deg for v in values},
                    }
                )
            galaxies.append(GalaxyEstimate(summary, values, alarm))
        return galaxies
