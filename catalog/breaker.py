"""A circuit breaker: after a failed call a dead remote is not asked again for ``reset_after_s``,
so it costs one time-out, not one per request. Then one call is let through (half-open): its
success closes the breaker, its failure opens it again."""

import time
from collections.abc import Callable


class CircuitOpen(Exception):
    """The remote failed recently; it is not asked until the breaker lets a call through."""

    def __init__(self, reason: str, retry_in_s: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_in_s = retry_in_s


class CircuitBreaker:
    def __init__(self, reset_after_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.reset_after_s = reset_after_s
        self._clock = clock
        self._opened_at: float | None = None
        self._reason = ""
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._opened_at is not None

    def before_call(self) -> None:
        """Raises CircuitOpen while the remote is resting; lets one probe through afterwards."""
        if self._opened_at is None:
            return
        waited = self._clock() - self._opened_at
        if waited < self.reset_after_s or self._probing:
            raise CircuitOpen(self._reason, max(self.reset_after_s - waited, 0.0))
        self._probing = True

    def succeeded(self) -> None:
        self._opened_at, self._reason, self._probing = None, "", False

    def release(self) -> None:
        """A call ended without a verdict (cancelled): the next one may probe."""
        self._probing = False

    def failed(self, reason: str) -> None:
        self._opened_at, self._reason, self._probing = self._clock(), reason, False

    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._probing else f"open ({self._reason})"
