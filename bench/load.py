"""Load on the whole local stack, against the raw model compute of the same run.

    python -m bench.load [--models-dir models] [--url URL] [--concurrency 1,8,32]
        [--requests 120] [--max-seconds 20] [--write docs/benchmarks.md]

Starts Redis, the SkyServer stand-in, catalog, preprocessor, inference (embedded) and gateway
as processes on loopback (``devstack.stack``), or uses the gateway at ``--url``. At each
concurrency (closed loop: that many requests always in flight) it measures

- upload → JSON, uncached (a new image each request) and cached (a few images asked again);
- PGC → JSON, uncached (the result cache emptied first; cutouts already in the catalog's store)
  and cached;
- a mix of the four, one in four each;

p50/p99 latency, throughput and errors, and the ratios to the raw model compute (every flavor
on one galaxy's copies, in this process, measured before the stack starts). Bounded: at most
``--requests`` requests and ``--max-seconds`` per row. Without a model repository in
``--models-dir`` it trains the tiny test repository first and says so.
"""

import argparse
import asyncio
import itertools
import sys
import tempfile
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path

import httpx

from bench.gateway import measure_raw
from devstack.processes import exit_on_sigterm
from devstack.report import provenance, write_section
from devstack.stack import ensure_models, local_stack
from devstack.stats import Figures, run_load, table
from devstack.workload import COPIES, galaxy_jpeg, pick_galaxies, warm_cutouts


def flush_results(redis_url: str | None) -> None:
    """Empty the result cache (Redis) so that the next answers are computed."""
    if redis_url is None:
        return
    from redis import Redis

    with Redis.from_url(redis_url) as client:
        client.flushdb()


class Workload:
    """The requests of one run: deterministic images and galaxies, each index its own."""

    def __init__(self, pgcs: list[int], images: int, cached_images: int = 4) -> None:
        self.pgcs = pgcs
        self.fresh = itertools.count(10_000)
        self.cached = [galaxy_jpeg(seed, side=256) for seed in range(cached_images)]
        self.pool = [galaxy_jpeg(next(self.fresh), side=256) for _ in range(images)]
        self.used = 0
        self.pgc_cursor = 0

    def new_image(self) -> bytes:
        if self.used < len(self.pool):
            self.used += 1
            return self.pool[self.used - 1]
        return galaxy_jpeg(next(self.fresh), side=256)

    def next_pgc(self) -> int:
        self.pgc_cursor += 1
        return self.pgcs[(self.pgc_cursor - 1) % len(self.pgcs)]

    def upload_new(self, client: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        return client.post("/api/file", files={"file": ("g.jpg", self.new_image())})

    def upload_cached(self, client: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        data = self.cached[i % len(self.cached)]
        return client.post("/api/file", files={"file": ("g.jpg", data)})

    def pgc_uncached(self, client: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        return client.get(f"/api/pgc/{self.next_pgc()}")

    def pgc_cached(self, client: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        return client.get(f"/api/pgc/{self.pgcs[i % 4]}")

    def mixed(self, client: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        kinds = (self.upload_new, self.upload_cached, self.pgc_uncached, self.pgc_cached)
        return kinds[i % 4](client, i)


async def warm(url: str, work: Workload) -> None:
    """The cached rows' answers computed once, so that they really are cached."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        for i in range(4):
            (await work.upload_cached(client, i)).raise_for_status()
            (await work.pgc_cached(client, i)).raise_for_status()


async def measure_all(
    url: str,
    work: Workload,
    levels: list[int],
    requests: int,
    max_seconds: float,
    redis_url: str | None,
) -> list[Figures]:
    rows: list[Figures] = []
    scenarios: list[tuple[str, Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]]] = [
        ("upload → JSON, uncached", work.upload_new),
        ("upload → JSON, cached", work.upload_cached),
        ("PGC → JSON, uncached (cutout in store)", work.pgc_uncached),
        ("PGC → JSON, cached", work.pgc_cached),
        ("mixed: the four above in turn", work.mixed),
    ]
    limits = httpx.Limits(max_connections=max(levels) + 8, max_keepalive_connections=max(levels))
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        for concurrency in levels:
            for name, send in scenarios:
                if "uncached" in name or name.startswith("mixed"):
                    await asyncio.to_thread(flush_results, redis_url)
                    await warm(url, work)
                    work.pgc_cursor = 4  # the first four galaxies are the cached ones
                n = requests
                if name.startswith("PGC") and "uncached" in name:
                    n = min(requests, len(work.pgcs) - 4)
                outcome = await run_load(
                    client, send, requests=n, concurrency=concurrency, max_seconds=max_seconds
                )
                row = outcome.figures(name, concurrency)
                rows.append(row)
                print(
                    f"c={concurrency:>2} {name}: n={row.count} p50 {row.p50_ms:.1f} ms "
                    f"p99 {row.p99_ms:.1f} ms {row.throughput_rps:.1f}/s errors {row.errors}",
                    file=sys.stderr,
                )
                for failure in outcome.failures[:3]:
                    print(f"    {failure}", file=sys.stderr)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--url", help="a running gateway instead of a stack started here")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated levels")
    parser.add_argument("--requests", type=int, default=120, help="at most, per row")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="at most, per row")
    parser.add_argument("--galaxies", type=int, default=124, help="catalog galaxies used")
    parser.add_argument("--copies", choices=sorted(COPIES), default="rot4")
    parser.add_argument(
        "--pgcs", default="2557,42038,41517,43451", help="with --url: galaxies to ask for"
    )
    parser.add_argument("--write", type=Path, help="write the table into this Markdown file")
    args = parser.parse_args(argv)
    exit_on_sigterm()
    levels = [int(level) for level in args.concurrency.split(",")]

    with tempfile.TemporaryDirectory(prefix="incline-load-") as tmp, ExitStack() as resources:
        work_dir = Path(tmp)
        models_dir, note = ensure_models(args.models_dir, work_dir)
        raw = measure_raw(models_dir, COPIES[args.copies], 60, 8)
        raw.concurrency, raw.count = 8, 60
        print(f"raw compute: p50 {raw.p50_ms:.1f} ms, {raw.throughput_rps:.1f}/s", file=sys.stderr)
        if args.url:
            url, catalog_url, redis_url = args.url.rstrip("/"), None, None
            where = f"the gateway at {url}"
        else:
            stack = resources.enter_context(
                local_stack(
                    models_dir,
                    work_dir,
                    gateway_options={"GATEWAY_COPIES": args.copies},
                    log_level="WARNING",
                )
            )
            url, catalog_url, redis_url = stack.url, stack.catalog.url, stack.redis.url
            where = "the local stack started by the command (Redis cache, embedded inference)"
        if catalog_url:
            pgcs = asyncio.run(pick_galaxies(catalog_url, args.galaxies))
        else:
            pgcs = [int(pgc) for pgc in args.pgcs.split(",")]
        asyncio.run(warm_cutouts(url, pgcs))
        work = Workload(pgcs, images=args.requests * len(levels) * 2)
        rows = asyncio.run(
            measure_all(url, work, levels, args.requests, args.max_seconds, redis_url)
        )

    errors = sum(row.errors for row in rows)
    command = "python -m bench.load " + " ".join(argv if argv is not None else sys.argv[1:])
    text = "\n".join(
        [
            f"`nice -n 10 .venv/bin/{command.strip()}` against {where}; models: {note}; "
            f"copies={args.copies}. Closed loop: at each concurrency that many requests are "
            f"always in flight; at most {args.requests} requests or {args.max_seconds:g} s per "
            "row. Uncached rows empty the result cache first; PGC rows use catalog galaxies "
            "whose SDSS cutouts are already in the catalog's store (the SkyServer stand-in "
            "serves them). Ratios are to the raw compute in the first row (every flavor on "
            "one galaxy's copies, in this process; its throughput from 8 threads).",
            "",
            table([raw, *rows], raw),
            "",
            f"Errors: {errors}. {provenance()}",
        ]
    )
    print(text)
    if args.write:
        write_section(args.write, "load", text, "Benchmarks")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
