"""A soak: the whole local stack at a steady request rate for minutes; every answer must be a
200, and the memory of each process is sampled at the start, every minute and at the end.

    python -m devstack.soak [--minutes 10] [--rate 4] [--models-dir models] [--write FILE]

The requests cycle through four kinds: an upload never seen (computed), an upload seen before
(cached), a PGC lookup among a few dozen catalog galaxies (computed the first time, cached
after) and a field by coordinates never asked before (a new SDSS cutout from the stand-in,
computed). Bounded: ``--minutes`` and ``rate x minutes x 60`` requests, at most
``--max-in-flight`` outstanding. RSS from /proc/<pid>/status (VmRSS), CPU time from
/proc/<pid>/stat. Exit status 1 on any error.

The leak verdict reads the floor of each process's RSS: the lowest sample in each quarter of the
run. A leak raises the floor (what is leaked is never given back); a heap that grows and is
given back (a saw-tooth: the allocator returning freed arenas) does not. A process whose floor
rises by more than ``LEAK_MIB_PER_HOUR`` from the second quarter (after warm-up) to the last is
called growing; below it, a plateau. The least-squares slope over the second half is printed
beside it (it follows the saw-tooth, so it is not the verdict). Redis's memory is its data: the
result cache fills with every new answer until entries expire or ``maxmemory`` evicts them.
"""

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable
from pathlib import Path

import httpx

from devstack.processes import exit_on_sigterm
from devstack.report import provenance, write_section
from devstack.stack import Stack, ensure_models, local_stack
from devstack.stats import Outcome, paced_load
from devstack.workload import galaxy_jpeg, pick_galaxies, warm_cutouts

LEAK_MIB_PER_HOUR = 4.0
Sample = tuple[float, dict[str, int | None], dict[str, float | None]]


class SoakWork:
    def __init__(self, pgcs: list[int]) -> None:
        self.pgcs = pgcs
        self.seen = [galaxy_jpeg(seed, side=256) for seed in range(8)]

    async def send(self, client: httpx.AsyncClient, i: int) -> httpx.Response:
        kind = i % 4
        if kind == 0:
            data = await asyncio.to_thread(galaxy_jpeg, 100_000 + i, 256)
            return await client.post("/api/file", files={"file": ("new.jpg", data)})
        if kind == 1:
            data = self.seen[(i // 4) % len(self.seen)]
            return await client.post("/api/file", files={"file": ("seen.jpg", data)})
        if kind == 2:
            return await client.get(f"/api/pgc/{self.pgcs[(i // 4) % len(self.pgcs)]}")
        # A new field each time, inside the stand-in's footprint (dec >= -25).
        ra = (150.0 + 0.013 * i) % 360.0
        dec = 5.0 + (i % 97) * 0.1
        return await client.get("/api/coord", params={"ra": ra, "dec": dec, "fov": 1.0})


def mib(kib: int | None) -> str:
    return "—" if kib is None else f"{kib / 1024:.0f}"


def slope_mib_per_hour(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of (minute, KiB) points, in MiB per hour."""
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_v = sum(v for _, v in points) / len(points)
    var = sum((t - mean_t) ** 2 for t, _ in points)
    if var == 0:
        return 0.0
    cov = sum((t - mean_t) * (v - mean_v) for t, v in points)
    return cov / var * 60 / 1024


def second_half_slopes(samples: list[Sample]) -> dict[str, float]:
    """Each process's RSS slope (MiB/h) over the second half of the run."""
    half = samples[-1][0] / 2
    late = [s for s in samples if s[0] >= half]
    return {
        name: slope_mib_per_hour([(t, float(v)) for t, rss, _ in late if (v := rss[name])])
        for name in samples[0][1]
    }


def quarter_floors(samples: list[Sample]) -> dict[str, list[float]]:
    """Each process's lowest RSS (MiB) in each quarter of the run."""
    end = samples[-1][0]
    floors: dict[str, list[float]] = {}
    for name in samples[0][1]:
        for q in range(4):
            window = [
                v for t, rss, _ in samples
                if q * end / 4 <= t < (q + 1) * end / 4 or (q == 3 and t == end)
                if (v := rss[name]) is not None
            ]  # fmt: skip
            floors.setdefault(name, []).append(min(window) / 1024 if window else float("nan"))
    return floors


def floor_rise_mib_per_hour(floors: list[float], minutes: float) -> float:
    """The floor's rise from the second quarter to the last, in MiB per hour."""
    return (floors[3] - floors[1]) / (minutes / 2) * 60 if minutes > 0 else 0.0


def cpu_cores(samples: list[Sample]) -> dict[str, float]:
    """Mean CPU use of each process over the run, in cores."""
    (t0, _, first), (t1, _, last) = samples[0], samples[-1]
    seconds = (t1 - t0) * 60
    return {
        name: ((last[name] or 0.0) - (first[name] or 0.0)) / seconds
        for name in first
        if seconds > 0 and first[name] is not None and last[name] is not None
    }


def render(
    command: str,
    note: str,
    args: argparse.Namespace,
    outcome: Outcome,
    samples: list[Sample],
) -> str:
    from devstack.stats import percentile

    errors = outcome.errors
    answered = len(outcome.latencies_s)
    statuses = ", ".join(f"{s}: {n}" for s, n in sorted(outcome.statuses.items()))
    lines = [
        f"`{command}` on the local stack started by the command (Redis cache, embedded "
        f"inference); models: {note}. Target {args.rate:g} requests/s for {args.minutes:g} "
        "min: uploads never seen, uploads seen before, PGC lookups (a few dozen galaxies, "
        "cached after their first answer) and new fields by coordinates (a new cutout each), "
        "in turn.",
        "",
        "| requests answered | errors | statuses | achieved rate /s | p50 ms | p99 ms | max ms |",
        "|---:|---:|---|---:|---:|---:|---:|",
        f"| {answered} | {errors} | {statuses} | {answered / outcome.elapsed_s:.2f} | "
        f"{percentile(outcome.latencies_s, 50) * 1000:.1f} | "
        f"{percentile(outcome.latencies_s, 99) * 1000:.1f} | "
        f"{max(outcome.latencies_s, default=float('nan')) * 1000:.1f} |",
        "",
        "Resident memory (MiB, VmRSS) of each process, after warm-up, then every minute:",
        "",
    ]
    names = list(samples[0][1])
    header = "| minute | " + " | ".join(names) + " |"
    lines += [header, "|---:|" + "---:|" * len(names)]
    every = max(1, round(len(samples) / 20))  # at most ~20 rows; the last always shown
    for i, (minute, rss, _) in enumerate(samples):
        if i % every == 0 or i == len(samples) - 1:
            lines.append(f"| {minute:.1f} | " + " | ".join(mib(rss[n]) for n in names) + " |")
    first, last = samples[0][1], samples[-1][1]
    growth = ", ".join(
        f"{n} {((last[n] or 0) - (first[n] or 0)) / 1024:+.0f}"
        for n in names
        if first[n] is not None and last[n] is not None
    )
    peak = ", ".join(
        f"{n} {max((rss[n] or 0) for _, rss, _ in samples) / 1024:.0f}" for n in names
    )
    slopes = second_half_slopes(samples)
    slope_text = ", ".join(f"{n} {v:+.1f}" for n, v in slopes.items())
    floors = quarter_floors(samples)
    rises = {n: floor_rise_mib_per_hour(f, samples[-1][0]) for n, f in floors.items()}
    floor_text = ", ".join(
        f"{n} {' / '.join(f'{v:.0f}' for v in f)} ({rises[n]:+.1f} MiB/h)"
        for n, f in floors.items()
    )
    cores = ", ".join(f"{n} {v:.3f}" for n, v in cpu_cores(samples).items())
    growing = [n for n, v in rises.items() if v > LEAK_MIB_PER_HOUR]
    verdict = (
        f"floor rising faster than {LEAK_MIB_PER_HOUR:g} MiB/h: " + ", ".join(growing)
        if growing
        else f"no floor rises faster than {LEAK_MIB_PER_HOUR:g} MiB/h: plateaus, no leak"
    )
    lines += [
        "",
        f"Growth start → end (MiB): {growth}.",
        f"Peak (MiB): {peak}.",
        f"Floor (lowest RSS, MiB) in each quarter, and its rise from the second to the last: "
        f"{floor_text}.",
        f"RSS slope over the second half (least squares, MiB/h; follows any saw-tooth): "
        f"{slope_text}.",
        f"Mean CPU over the run (cores): {cores}.",
        f"Verdict: {verdict}.",
        "",
        provenance(),
    ]
    for failure in outcome.failures[:5]:
        lines.insert(1, f"First errors: {failure}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=4.0, help="requests per second")
    parser.add_argument("--max-in-flight", type=int, default=32)
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--galaxies", type=int, default=40)
    parser.add_argument("--write", type=Path, help="write the tables into this Markdown file")
    parser.add_argument("--raw", type=Path, help="write every sample (JSON) into this file")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    command = "nice -n 10 .venv/bin/python -m devstack.soak " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    with tempfile.TemporaryDirectory(prefix="incline-soak-") as tmp:
        work_dir = Path(tmp)
        models_dir, note = ensure_models(args.models_dir, work_dir)
        with local_stack(models_dir, work_dir, log_level="WARNING") as stack:
            outcome, samples = asyncio.run(soak(stack, args))
    if args.raw:
        args.raw.write_text(json.dumps(samples))
    text = render(command.strip(), note, args, outcome, samples)
    print(text)
    if args.write:
        write_section(args.write, "soak", text, "Benchmarks")
    return 1 if outcome.errors else 0


async def soak(stack: Stack, args: argparse.Namespace) -> tuple[Outcome, list[Sample]]:
    pgcs = await pick_galaxies(stack.catalog.url, args.galaxies)
    await warm_cutouts(stack.url, pgcs)
    work = SoakWork(pgcs)
    async with httpx.AsyncClient(base_url=stack.url, timeout=60) as client:
        for i in range(8):  # warm-up: every kind once or twice, then the first sample
            (await work.send(client, i)).raise_for_status()
        start = time.monotonic()
        samples: list[Sample] = [(0.0, stack.rss_kib(), stack.cpu_seconds())]

        def tick(sent: int, outcome: Outcome) -> None:
            minutes = (time.monotonic() - start) / 60
            if minutes >= len(samples):
                samples.append((minutes, stack.rss_kib(), stack.cpu_seconds()))
                print(
                    f"{minutes:5.1f} min: {sent} sent, {len(outcome.latencies_s)} answered, "
                    f"{outcome.errors} errors; gateway {mib(samples[-1][1].get('gateway'))} MiB",
                    file=sys.stderr,
                    flush=True,
                )

        def send(c: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
            return work.send(c, i + 8)

        outcome = await paced_load(
            client,
            send,
            rate_per_s=args.rate,
            max_seconds=args.minutes * 60,
            max_requests=int(args.rate * args.minutes * 60) + 1,
            max_in_flight=args.max_in_flight,
            on_tick=tick,
        )
        end = ((time.monotonic() - start) / 60, stack.rss_kib(), stack.cpu_seconds())
        if end[0] - samples[-1][0] < 0.05:  # the last minute's sample was just taken
            samples.pop()
        samples.append(end)
    return outcome, samples


if __name__ == "__main__":
    sys.exit(main())
