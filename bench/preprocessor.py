"""Latency of the preprocessor: a 512x512 JPEG (and a 2048x2048 one, the largest cutout), a
3000x3000 FITS frame (a survey frame, binned before its stretch) and a 3x512x512 FITS cube →
tensor, in process and over HTTP on loopback (a ``python -m preprocessor`` child on a free
port, or ``--url``); and the framing of uploads (``frame=auto``: finding the
galaxy, here in the corner of a 512x512 JPEG, and measuring it centred).

    python -m bench.preprocessor [--count 200] [--max-seconds 20] [--url http://127.0.0.1:8002]

Prints p50/p99 latency and throughput per case. Bounded: each case stops after ``--count``
requests or ``--max-seconds``, whichever comes first.
"""

import argparse
import io
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import numpy.typing as npt
from astropy.io import fits
from PIL import Image

from devstack.fields import exponential_disk, shifted_centre
from devstack.processes import service_process
from devstack.stats import percentile
from preprocessor.pipeline import preprocess_bytes

SIDE = 512


def galaxy(side: int, seed: int = 0, shift: float = 0.0, scale: float = 0.08
           ) -> npt.NDArray[np.float64]:
    """An inclined exponential disk (scale length ``scale`` of the side) on a noisy sky, values
    around [0, 1]; ``shift``: moved that share of the side left and up from the middle."""
    rng = np.random.default_rng(seed)
    disk = exponential_disk(side, scale_length=side * scale, axis_ratio=0.4, angle_deg=35.0,
                            centre=shifted_centre(side, shift))
    noisy: npt.NDArray[np.float64] = 0.05 + 0.9 * disk + rng.normal(0.0, 0.02, size=disk.shape)
    return noisy


def sample_jpeg(side: int = SIDE, shift: float = 0.0, scale: float = 0.08) -> bytes:
    band = galaxy(side, shift=shift, scale=scale)
    rgb = np.stack([band * 1.0, band * 0.9, band * 0.75], axis=-1)
    pixels = (np.clip(rgb, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def sample_fits_frame(side: int = 3000) -> bytes:
    """One band of a survey-size frame (3000 x 3000 float32, 36 MB: binned by 2 before the
    stretch)."""
    buffer = io.BytesIO()
    fits.PrimaryHDU((galaxy(side) * 1000.0).astype(np.float32)).writeto(buffer)
    return buffer.getvalue()


def sample_fits_cube(side: int = SIDE) -> bytes:
    planes = [
        (galaxy(side, seed) * scale * 1000.0).astype(np.float32)
        for seed, scale in enumerate((0.5, 1.0, 1.4))
    ]
    buffer = io.BytesIO()
    fits.PrimaryHDU(np.stack(planes)).writeto(buffer)
    return buffer.getvalue()


@dataclass
class Result:
    case: str
    count: int
    p50_ms: float
    p99_ms: float
    throughput: float  # per second

    @classmethod
    def of(cls, case: str, latencies_s: list[float], elapsed_s: float) -> "Result":
        ms = [t * 1000.0 for t in latencies_s]
        return cls(
            case, len(ms), percentile(ms, 50), percentile(ms, 99), len(ms) / elapsed_s
        )  # fmt: skip

    def line(self) -> str:
        return (
            f"{self.case:<44} n={self.count:<4d} p50 {self.p50_ms:7.2f} ms   "
            f"p99 {self.p99_ms:7.2f} ms   {self.throughput:7.1f}/s"
        )


def measure(case: str, call: Callable[[], object], count: int, max_seconds: float) -> Result:
    call()  # warm-up (imports, first allocation)
    latencies: list[float] = []
    start = time.perf_counter()
    while len(latencies) < count and time.perf_counter() - start < max_seconds:
        t0 = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - start
    return Result.of(case, latencies, elapsed)


def measure_concurrent(
    case: str, call: Callable[[], object], count: int, max_seconds: float, workers: int
) -> Result:
    """``workers`` clients at once; latency per request, throughput over the whole run."""
    call()
    deadline = time.perf_counter() + max_seconds
    per_worker = max(1, count // workers)

    def run() -> list[float]:
        out: list[float] = []
        while len(out) < per_worker and time.perf_counter() < deadline:
            t0 = time.perf_counter()
            call()
            out.append(time.perf_counter() - t0)
        return out

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        latencies = [t for batch in pool.map(lambda _: run(), range(workers)) for t in batch]
    elapsed = time.perf_counter() - start
    return Result.of(case, latencies, elapsed)


@contextmanager
def local_service() -> Iterator[str]:
    """``python -m preprocessor`` on a free loopback port, stopped afterwards."""
    with (
        tempfile.TemporaryDirectory(prefix="preprocessor-bench-") as logs,
        service_process("preprocessor", {"PREPROCESSOR_LOG_LEVEL": "WARNING"}, Path(logs)) as p,
    ):
        yield p.url


def main(argv: list[str] | None = None) -> list[Result]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=200, help="requests per case (max)")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="time per case (max)")
    parser.add_argument("--url", help="an already running preprocessor (default: start one)")
    parser.add_argument("--concurrency", type=int, default=4, help="clients in the HTTP load case")
    args = parser.parse_args(argv)

    jpeg, cube, big_jpeg = sample_jpeg(), sample_fits_cube(), sample_jpeg(2048)
    corner, frame = sample_jpeg(shift=0.3, scale=0.02), sample_fits_frame()
    print(
        f"inputs: {SIDE}x{SIDE} JPEG {len(jpeg):,} B; 3x{SIDE}x{SIDE} float32 FITS cube "
        f"{len(cube):,} B; 3000x3000 float32 FITS frame {len(frame):,} B; {os.cpu_count()} CPUs"
    )
    results = [
        measure(
            "in process: JPEG -> (1,128,128,3)",
            lambda: preprocess_bytes(jpeg, "rgb", "none"),
            args.count,
            args.max_seconds,
        ),
        measure(
            "in process: JPEG -> d4 (8,128,128,3)",
            lambda: preprocess_bytes(jpeg, "rgb", "d4"),
            args.count,
            args.max_seconds,
        ),
        measure(
            "in process: 2048x2048 JPEG -> (1,128,128,3)",
            lambda: preprocess_bytes(big_jpeg, "rgb", "none"),
            args.count,
            args.max_seconds,
        ),
        measure(
            "in process: FITS cube -> (1,128,128,3)",
            lambda: preprocess_bytes(cube, "rgb", "none"),
            args.count,
            args.max_seconds,
        ),
        measure(
            "in process: 3000x3000 FITS -> (1,128,128,3)",
            lambda: preprocess_bytes(frame, "rgb", "none", max_pixels=10**8),
            min(args.count, 40),
            args.max_seconds,
        ),
        measure(
            "in process: JPEG, frame=auto (centred)",
            lambda: preprocess_bytes(jpeg, "rgb", "none", frame="auto"),
            args.count,
            args.max_seconds,
        ),
        measure(
            "in process: JPEG, frame=auto (in a corner)",
            lambda: preprocess_bytes(corner, "rgb", "none", frame="auto"),
            args.count,
            args.max_seconds,
        ),
    ]
    for result in results:
        print(result.line(), flush=True)

    service = local_service() if args.url is None else _given(args.url)
    with service as url, httpx.Client(base_url=url, timeout=60) as client:

        def post(body: bytes, query: str) -> Callable[[], object]:
            def call() -> object:
                response = client.post(f"/preprocess?{query}", content=body)
                response.raise_for_status()
                return response

            return call

        http = [
            measure(
                "HTTP: JPEG -> (1,128,128,3)",
                post(jpeg, "mode=rgb"),
                args.count,
                args.max_seconds,
            ),
            measure(
                "HTTP: JPEG in a corner, frame=auto",
                post(corner, "mode=rgb&frame=auto"),
                args.count,
                args.max_seconds,
            ),
            measure(
                "HTTP: FITS cube -> (1,128,128,3)",
                post(cube, "mode=rgb"),
                args.count,
                args.max_seconds,
            ),
            measure(
                "HTTP: 3000x3000 FITS -> (1,128,128,3)",
                post(frame, "mode=rgb"),
                min(args.count, 40),
                args.max_seconds,
            ),
            measure_concurrent(
                f"HTTP: JPEG, {args.concurrency} clients at once",
                post(jpeg, "mode=rgb"),
                args.count,
                args.max_seconds,
                args.concurrency,
            ),
        ]
    for result in http:
        print(result.line(), flush=True)
    return results + http


@contextmanager
def _given(url: str) -> Iterator[str]:
    yield url.rstrip("/")


if __name__ == "__main__":
    main()
