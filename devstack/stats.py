"""Latency figures and a bounded closed-loop load runner (asyncio + httpx).

``Figures`` is one row of a benchmark table: p50/p99 latency, throughput, errors. ``run_load``
keeps ``concurrency`` requests in flight (each worker sends its next request as soon as its last
one is answered) until ``requests`` have been sent or ``max_seconds`` have passed, whichever
comes first; ``paced_load`` sends at a steady rate instead (the soak).
"""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import httpx
import numpy as np

# One request of a load run: given the client and the request's index, send it.
Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0 to 100, linear interpolation); NaN for no values."""
    return float(np.percentile(np.asarray(values, dtype=float), q)) if len(values) else float("nan")


@dataclass
class Figures:
    """One measured row: latencies in ms, throughput in requests per second."""

    name: str
    p50_ms: float
    p99_ms: float
    throughput_rps: float
    count: int = 0
    errors: int = 0
    concurrency: int = 1
    statuses: dict[int, int] = field(default_factory=dict)

    @classmethod
    def from_latencies(
        cls,
        name: str,
        latencies_s: Sequence[float],
        elapsed_s: float,
        *,
        errors: int = 0,
        concurrency: int = 1,
        statuses: dict[int, int] | None = None,
    ) -> "Figures":
        return cls(
            name,
            percentile(latencies_s, 50) * 1000,
            percentile(latencies_s, 99) * 1000,
            len(latencies_s) / elapsed_s if elapsed_s > 0 else float("nan"),
            count=len(latencies_s),
            errors=errors,
            concurrency=concurrency,
            statuses=dict(statuses or {}),
        )


@dataclass
class Outcome:
    """What a load run saw: latencies of every answered request, status counts, failures."""

    latencies_s: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)  # transport errors and unexpected statuses
    elapsed_s: float = 0.0

    @property
    def errors(self) -> int:
        return len(self.failures)

    def figures(self, name: str, concurrency: int) -> Figures:
        return Figures.from_latencies(
            name,
            self.latencies_s,
            self.elapsed_s,
            errors=self.errors,
            concurrency=concurrency,
            statuses=dict(self.statuses),
        )


async def _one(
    client: httpx.AsyncClient,
    send: Send,
    index: int,
    expect: Callable[[httpx.Response], bool],
    outcome: Outcome,
) -> None:
    start = time.perf_counter()
    try:
        response = await send(client, index)
    except httpx.HTTPError as exc:
        outcome.failures.append(f"#{index}: {type(exc).__name__}: {exc}")
        return
    outcome.latencies_s.append(time.perf_counter() - start)
    outcome.statuses[response.status_code] += 1
    if not expect(response):
        outcome.failures.append(f"#{index}: HTTP {response.status_code} {response.text[:200]}")


def ok_status(response: httpx.Response) -> bool:
    return response.status_code == 200


async def run_load(
    client: httpx.AsyncClient,
    send: Send,
    *,
    requests: int,
    concurrency: int,
    max_seconds: float,
    offset: int = 0,
    expect: Callable[[httpx.Response], bool] = ok_status,
) -> Outcome:
    """Closed loop: ``concurrency`` workers, request indices ``offset … offset+requests-1``,
    stopped early (no new request) once ``max_seconds`` have passed."""
    outcome = Outcome()
    indices = iter(range(offset, offset + requests))
    deadline = time.monotonic() + max_seconds

    async def worker() -> None:
        for index in indices:
            await _one(client, send, index, expect, outcome)
            if time.monotonic() > deadline:
                return

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    outcome.elapsed_s = time.perf_counter() - start
    return outcome


async def paced_load(
    client: httpx.AsyncClient,
    send: Send,
    *,
    rate_per_s: float,
    max_seconds: float,
    max_requests: int,
    max_in_flight: int = 64,
    expect: Callable[[httpx.Response], bool] = ok_status,
    on_tick: Callable[[int, Outcome], None] | None = None,
) -> Outcome:
    """Open loop at a steady ``rate_per_s`` for ``max_seconds`` (at most ``max_requests``, and
    at most ``max_in_flight`` outstanding: a slow stack is not buried). ``on_tick(sent, outcome)``
    is called once a second."""
    outcome = Outcome()
    slots = asyncio.Semaphore(max_in_flight)
    tasks: set[asyncio.Task[None]] = set()
    interval = 1.0 / rate_per_s
    start = time.perf_counter()
    next_tick = start + 1.0
    sent = 0

    async def guarded(index: int) -> None:
        try:
            await _one(client, send, index, expect, outcome)
        finally:
            slots.release()

    while sent < max_requests:
        now = time.perf_counter()
        if now - start >= max_seconds:
            break
        due = start + sent * interval
        if due > now:
            await asyncio.sleep(due - now)
        await slots.acquire()
        task = asyncio.create_task(guarded(sent))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        sent += 1
        if on_tick is not None and time.perf_counter() >= next_tick:
            next_tick += 1.0
            on_tick(sent, outcome)
    if tasks:
        await asyncio.gather(*tasks)
    outcome.elapsed_s = time.perf_counter() - start
    return outcome


def table(rows: Sequence[Figures], raw: Figures | None = None) -> str:
    """A Markdown table of ``rows`` (with ratios to ``raw`` when given)."""
    header = "| | concurrency | requests | errors | p50 ms | p99 ms | throughput req/s |"
    rule = "|---|---:|---:|---:|---:|---:|---:|"
    if raw is not None:
        header += " p50 / raw | throughput / raw |"
        rule += "---:|---:|"
    lines = [header, rule]
    for row in rows:
        line = (
            f"| {row.name} | {row.concurrency} | {row.count} | {row.errors} | {row.p50_ms:.1f} | "
            f"{row.p99_ms:.1f} | {row.throughput_rps:.1f} |"
        )
        if raw is not None:
            line += (
                f" {row.p50_ms / raw.p50_ms:.2f} | {row.throughput_rps / raw.throughput_rps:.2f} |"
            )
        lines.append(line)
    return "\n".join(lines)
