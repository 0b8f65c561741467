"""Benchmark of the gateway over the whole local stack, against the raw model compute.

Starts Redis, the SkyServer stand-in, catalog, preprocessor, inference (embedded backend) and
the gateway as real processes on loopback, then measures in one run:

- raw: the flavors' compiled serving functions called in this process on one galaxy's K
  test-time copies (what an answer costs in model compute alone), sequentially and from 8
  threads; measured before the stack starts so that nothing competes with it;
- upload → JSON (``POST /api/file``), uncached (a different image each request) and cached;
- PGC → JSON (``GET /api/pgc/{pgc}``) with the cutout already in the catalog's store (warmed
  beforehand), uncached (a different galaxy each request) and cached;

each as p50/p99 of sequential requests and throughput at concurrency 8, with the ratio to the
raw compute (latency ratio = p50 / raw p50; throughput ratio = req/s / raw galaxies/s).

    python -m bench.gateway [--models-dir models] [--requests 40] [--concurrency 8]

Without a model repository in ``--models-dir`` (no models.config) it trains the tiny test
repository (``training.quick``) into a temporary folder first and says so. Bounded: at most
``--requests`` requests and ``--max-seconds`` per measurement. Loopback only.
"""

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Awaitable
from pathlib import Path

import httpx

from devstack.stack import ensure_models, local_stack
from devstack.stats import Figures, Send, percentile, run_load
from devstack.workload import COPIES, galaxy_jpeg, pick_galaxies, warm_cutouts

# -- inputs -------------------------------------------------------------------------------


def measure_raw(models_dir: Path, copies: int, requests: int, concurrency: int) -> Figures:
    """The flavors' serving functions in this process, as ``bench.inference`` measures them
    (imports TensorFlow: the benchmark may, the gateway never does)."""
    from bench.inference import galaxy_copies
    from bench.inference import measure_raw as measure_models
    from inference.registry import load_registry

    channels = load_registry(models_dir).flavors[0].manifest.input.shape[2]
    return measure_models(models_dir, galaxy_copies(copies, channels), requests, concurrency)


# -- measurements -------------------------------------------------------------------------


async def measure(
    name: str,
    url: str,
    send: Send,
    requests: int,
    concurrency: int,
    max_seconds: float,
    offset: int = 0,
) -> Figures:
    """Sequential latency over requests [offset, offset+n), throughput at ``concurrency``
    over [offset+n, offset+2n)."""
    async with httpx.AsyncClient(base_url=url, timeout=120) as client:
        sequential = await run_load(
            client, send, requests=requests, concurrency=1, max_seconds=max_seconds, offset=offset
        )
        concurrent = await run_load(
            client,
            send,
            requests=requests,
            concurrency=concurrency,
            max_seconds=max_seconds,
            offset=offset + requests,
        )
    failures = sequential.failures + concurrent.failures
    if failures:
        raise RuntimeError(f"{name}: {failures[0]}")
    return Figures(
        name,
        percentile(sequential.latencies_s, 50) * 1000,
        percentile(sequential.latencies_s, 99) * 1000,
        len(concurrent.latencies_s) / concurrent.elapsed_s,
    )


def report(raw: Figures, rows: list[Figures], args: argparse.Namespace, note: str) -> str:
    lines = [
        f"Gateway over the local stack (embedded inference, {note}), copies={args.copies}; "
        f"latency over {args.requests} sequential requests, throughput at concurrency "
        f"{args.concurrency}.",
        "",
        "| | p50 ms | p99 ms | throughput req/s | p50 / raw | throughput / raw |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in [raw, *rows]:
        lines.append(
            f"| {row.name} | {row.p50_ms:.1f} | {row.p99_ms:.1f} | {row.throughput_rps:.1f} | "
            f"{row.p50_ms / raw.p50_ms:.2f} | {row.throughput_rps / raw.throughput_rps:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Gateway latency and throughput vs raw compute.")
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--copies", choices=sorted(COPIES), default="rot4")
    parser.add_argument("--requests", type=int, default=40, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="cap per measurement")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="incline-gateway-bench-") as tmp:
        work = Path(tmp)
        if not (args.models_dir / "models.config").exists():
            print(f"no model repository in {args.models_dir}: training the tiny test repository",
                  file=sys.stderr)  # fmt: skip
        models_dir, note = ensure_models(args.models_dir, work)
        raw = measure_raw(models_dir, COPIES[args.copies], max(args.requests, 20), args.concurrency)
        print(f"raw compute: p50 {raw.p50_ms:.1f} ms", file=sys.stderr)
        n = args.requests
        uploads = [galaxy_jpeg(seed) for seed in range(2 * n + 1)]
        with local_stack(
            models_dir, work, gateway_options={"GATEWAY_COPIES": args.copies}, log_level="WARNING"
        ) as stack:
            pgcs = asyncio.run(pick_galaxies(stack.catalog.url, 2 * n))
            asyncio.run(warm_cutouts(stack.url, pgcs))

            def post_file(i: int) -> Send:
                return lambda c, j: c.post(
                    "/api/file", files={"file": ("g.jpg", uploads[j if i < 0 else i])}
                )

            def get_pgc(client: httpx.AsyncClient, j: int) -> Awaitable[httpx.Response]:
                return client.get(f"/api/pgc/{pgcs[j % len(pgcs)]}")

            def run(name: str, send: Send) -> Figures:
                figures = asyncio.run(
                    measure(name, stack.url, send, n, args.concurrency, args.max_seconds)
                )
                print(f"{name}: p50 {figures.p50_ms:.1f} ms", file=sys.stderr)
                return figures

            rows = [
                run("upload → JSON, uncached", post_file(-1)),
                run("upload → JSON, cached", post_file(2 * n)),
                run("PGC → JSON, cutout in store, uncached", get_pgc),
                run("PGC → JSON, cached", get_pgc),
            ]
    print(report(raw, rows, args, note))


if __name__ == "__main__":
    main()
