"""Benchmark of the inference service, both backends, against the raw model compute.

For every flavor of a model repository (the shipped ``models/`` by default), measured in one run:

- raw: the flavors' compiled serving functions called in this process, one after the other, on
  one galaxy's K test-time copies (what a request costs in model compute alone), and the same
  from 8 threads (the most the compute alone can do at concurrency 8);
- each backend: the inference service as a real process (uvicorn, loopback HTTP), ``embedded``
  and ``tfserving`` (against the TF Serving stand-in as a second process, over loopback gRPC):
  latency p50/p99 of sequential requests of one galaxy x K copies, and throughput at
  concurrency 8; each reported as a ratio to the raw figure.

    python -m bench.inference [--models-dir models] [--copies 4] [--requests 200]

Bounded: ``--requests`` per measurement, ``--max-seconds`` per measurement. Loopback only.
"""

import argparse
import asyncio
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt

from devstack.processes import service_process
from devstack.stats import Figures, percentile
from inference.registry import load_registry
from servicekit import npy


def galaxy_copies(copies: int, channels: int, seed: int = 0) -> npt.NDArray[np.float32]:
    """One deterministic synthetic galaxy (a smooth inclined disk on noise) x ``copies``
    rotations, (copies, 128, 128, C) float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:128, 0:128] - 63.5
    disk = np.exp(-np.sqrt(xx**2 + (yy / 0.4) ** 2) / 12.0)
    image = np.clip(disk[..., None] + rng.normal(0, 0.02, (128, 128, channels)), 0, 1)
    return np.stack([np.rot90(image, k % 4) for k in range(copies)]).astype(np.float32)


def measure_raw(
    models_dir: Path, images: npt.NDArray[np.float32], requests: int, concurrency: int
) -> Figures:
    from inference.runtime import LoadedFlavor, configure_threads

    configure_threads(1, 1)
    loaded = [LoadedFlavor(f) for f in load_registry(models_dir).flavors]
    copies = images.shape[0]

    def one() -> float:
        start = time.perf_counter()
        for flavor in loaded:
            flavor.predict(images)
        return time.perf_counter() - start

    for _ in range(5):
        one()
    latencies = [one() for _ in range(requests)]
    with ThreadPoolExecutor(concurrency) as pool:
        start = time.perf_counter()
        list(pool.map(lambda _: one(), range(requests)))
        elapsed = time.perf_counter() - start
    return Figures(
        f"raw model compute ({len(loaded)} flavors x {copies} copies, in process)",
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        requests / elapsed,
    )


async def measure_service(
    name: str, url: str, body: bytes, copies: int, requests: int, concurrency: int, limit_s: float
) -> Figures:
    params = {"copies_per_galaxy": str(copies)}
    headers = {"content-type": npy.NPY_MEDIA_TYPE}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:

        async def one() -> float:
            start = time.perf_counter()
            response = await client.post("/predict", content=body, params=params, headers=headers)
            elapsed = time.perf_counter() - start
            response.raise_for_status()
            if response.json()["failed_flavors"]:
                raise RuntimeError(f"{name}: flavors failed: {response.json()['failed_flavors']}")
            return elapsed

        for _ in range(5):
            await one()
        latencies: list[float] = []
        stop = time.monotonic() + limit_s
        while len(latencies) < requests and time.monotonic() < stop:
            latencies.append(await one())

        done = 0
        stop = time.monotonic() + limit_s

        async def worker() -> None:
            nonlocal done
            while done < requests and time.monotonic() < stop:
                done += 1
                await one()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    return Figures(
        name,
        percentile(latencies, 50) * 1000,
        percentile(latencies, 99) * 1000,
        done / elapsed,
    )


def run_backend(backend: str, models_dir: Path, body: bytes, args: argparse.Namespace) -> Figures:
    """The inference service as a process with ``backend``; tfserving talks to the TF Serving
    stand-in, a second process over loopback gRPC."""
    logs = Path(tempfile.mkdtemp(prefix="incline-bench-"))
    env = {
        "INFERENCE_MODELS_DIR": str(models_dir),
        "INFERENCE_BACKEND": backend,
        "INFERENCE_LOG_LEVEL": "WARNING",
        "INFERENCE_DATA_DIR": str(logs),
    }
    name = {
        "embedded": "service, embedded backend (HTTP)",
        "tfserving": "service, tfserving backend (HTTP + gRPC stand-in)",
    }[backend]

    def measure() -> Figures:
        with service_process(
            "inference", env, logs, health_path="/readyz", startup_timeout_s=120
        ) as service:
            return asyncio.run(
                measure_service(
                    name, service.url, body, args.copies, args.requests, args.concurrency,
                    args.max_seconds,
                )
            )  # fmt: skip

    if backend == "embedded":
        return measure()
    standin_args = ["--models-dir", str(models_dir), "--port", "{port}"]
    with service_process(
        "standins.tfserving", {}, logs, args=standin_args,
        env_prefix="TFSERVING_STANDIN", health_path=None, startup_timeout_s=120,
    ) as standin:  # fmt: skip
        env["INFERENCE_TFSERVING_ADDRESS"] = f"127.0.0.1:{standin.port}"
        return measure()


def report(raw: Figures, rows: list[Figures], args: argparse.Namespace, flavors: list[str]) -> str:
    lines = [
        f"{len(flavors)} flavors ({', '.join(flavors)}), one galaxy x {args.copies} copies per "
        f"request; latency over {args.requests} sequential requests, throughput at "
        f"concurrency {args.concurrency}.",
        "",
        "| | p50 ms | p99 ms | throughput req/s | p50 / raw | throughput / raw |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for row in [raw, *rows]:
        lines.append(
            f"| {row.name} | {row.p50_ms:.1f} | {row.p99_ms:.1f} | {row.throughput_rps:.0f} | "
            f"{row.p50_ms / raw.p50_ms:.2f} | {row.throughput_rps / raw.throughput_rps:.2f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Inference latency and throughput, both backends.")
    parser.add_argument("--models-dir", type=Path, default=Path("models"))
    parser.add_argument("--copies", type=int, default=4, help="test-time copies per galaxy (K)")
    parser.add_argument("--requests", type=int, default=200, help="requests per measurement")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="cap per measurement")
    parser.add_argument("--backends", default="embedded,tfserving")
    args = parser.parse_args(argv)

    models_dir = args.models_dir.resolve()
    registry = load_registry(models_dir)
    if not registry.flavors:
        sys.exit(f"no usable flavors in {models_dir} (models.config + manifests)")
    channels = registry.flavors[0].manifest.input.shape[2]
    images = galaxy_copies(args.copies, channels)
    body = npy.encode(images)

    raw = measure_raw(models_dir, images, args.requests, args.concurrency)
    rows = [run_backend(b, models_dir, body, args) for b in args.backends.split(",") if b]
    print(report(raw, rows, args, registry.names))


if __name__ == "__main__":
    main()
