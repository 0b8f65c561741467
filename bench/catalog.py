"""Catalog benchmark: lookups in process, then p50/p99 over HTTP on loopback.

    python -m bench.catalog [--lookups 20000] [--requests 300] [--concurrency 8]

In process: lookups per second by PGC, by name (mixed spellings) and by position (5' cone).
Over HTTP: ``python -m catalog`` as a child process on a free loopback port, pointed at the
stand-in SkyServer (``standins.skyserver``) in a thread: sequential p50/p99 per route,
concurrent throughput, and a cutout served from the store (after one miss that fills it).
Nothing leaves 127.0.0.1; every loop is bounded in count and time.
"""

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from catalog import index, names, openngc
from devstack.stats import percentile
from standins.skyserver import StandinSkyServer

TIME_LIMIT_S = 20.0  # per measured loop


def rate(label: str, count: int, call: Callable[[int], object]) -> None:
    start = time.perf_counter()
    done = 0
    while done < count and time.perf_counter() - start < TIME_LIMIT_S:
        call(done)
        done += 1
    elapsed = time.perf_counter() - start
    print(f"  {label:<34} {done / elapsed:>12,.0f} /s   ({done} in {elapsed:.2f} s)")


def in_process(lookups: int) -> index.Catalog:
    start = time.perf_counter()
    catalog = index.build(openngc.load())
    print(f"catalog build (OpenNGC, {len(catalog)} galaxies): {time.perf_counter() - start:.2f} s")
    rng = random.Random(42)
    galaxies = [g for g in (catalog.by_pgc(p) for p in range(1, 200_000)) if g is not None]
    sample = [rng.choice(galaxies) for _ in range(1000)]
    spellings = [
        spelling
        for g in sample
        for spelling in (g.names[0], g.names[0].lower().replace(" ", ""), f"PGC {g.pgc}")
    ]
    print("in process:")
    rate("by PGC", lookups, lambda i: catalog.by_pgc(sample[i % 1000].pgc))
    rate("by name (mixed spellings)", lookups, lambda i: catalog.by_name(spellings[i % 3000]))
    rate("name normalisation only", lookups, lambda i: names.normalise(spellings[i % 3000]))
    rate(
        "by position (5' cone, <= 20 results)",
        lookups // 4,
        lambda i: catalog.near(sample[i % 1000].ra, sample[i % 1000].dec, 5.0, 20),
    )
    return catalog


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_service(sky_url: str, data_dir: Path) -> tuple[subprocess.Popen[bytes], str, float]:
    port = free_port()
    env = {
        **os.environ,
        "CATALOG_HOST": "127.0.0.1",
        "CATALOG_PORT": str(port),
        "CATALOG_DATA_DIR": str(data_dir),
        "CATALOG_SKYSERVER_URL": sky_url,
        "CATALOG_LOG_LEVEL": "WARNING",
    }
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "catalog"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    while time.perf_counter() - start < 60:
        if process.poll() is not None:
            raise RuntimeError(f"the catalog service exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return process, url, time.perf_counter() - start
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise TimeoutError("the catalog service did not start within 60 s")


def sequential(client: httpx.Client, label: str, paths: list[str]) -> None:
    client.get(paths[0])  # warm
    latencies: list[float] = []
    deadline = time.perf_counter() + TIME_LIMIT_S
    for path in paths:
        start = time.perf_counter()
        response = client.get(path)
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {response.status_code} {response.text[:200]}")
        if time.perf_counter() > deadline:
            break
    print(
        f"  {label:<34} p50 {percentile(latencies, 50):6.2f} ms   "
        f"p99 {percentile(latencies, 99):6.2f} ms   (n={len(latencies)})"
    )


async def concurrent(url: str, paths: list[str], concurrency: int) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        queue = list(paths)

        async def worker() -> None:
            while queue:
                (await client.get(queue.pop())).raise_for_status()

        start = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(concurrency))), 60)
        elapsed = time.perf_counter() - start
    print(
        f"  {'mixed lookups, ' + str(concurrency) + ' concurrent':<34} "
        f"{len(paths) / elapsed:8,.0f} req/s  ({len(paths)} in {elapsed:.2f} s)"
    )


def over_http(catalog: index.Catalog, requests: int, concurrency: int) -> None:
    rng = random.Random(7)
    galaxies = [g for g in (catalog.by_pgc(p) for p in range(1, 200_000)) if g is not None]
    sample = [rng.choice(galaxies) for _ in range(requests)]
    with StandinSkyServer() as sky, tempfile.TemporaryDirectory() as data:
        process, url, startup = start_service(sky.url, Path(data))
        try:
            print(f"over HTTP (python -m catalog, ready in {startup:.2f} s incl. interpreter):")
            with httpx.Client(base_url=url, timeout=30) as client:
                sequential(
                    client, "GET /galaxies/pgc/{pgc}", [f"/galaxies/pgc/{g.pgc}" for g in sample]
                )
                sequential(
                    client,
                    "GET /galaxies/name/{name}",
                    [f"/galaxies/name/{g.names[0]}" for g in sample],
                )
                sequential(
                    client,
                    "GET /galaxies/near (5')",
                    [f"/galaxies/near?ra={g.ra}&dec={g.dec}&radius=5" for g in sample],
                )
                sexagesimal = "/galaxies/near?ra=00h42m44.3s&dec=%2B41d16m09s"
                sequential(client, "GET /galaxies/near (sexagesimal)", [sexagesimal] * requests)
                cutout = "/cutouts?name=M51"
                miss = client.get(cutout)
                assert miss.headers["x-cutout-cache"] == "miss", miss.text
                miss_ms = miss.elapsed.total_seconds() * 1000
                print(
                    f"  cutout miss (stand-in, {miss.headers['x-cutout-pixels']} px, "
                    f"{len(miss.content) // 1024} KiB): {miss_ms:.1f} ms"
                )
                sequential(
                    client, "GET /cutouts from the store (hit)", [cutout] * min(requests, 200)
                )
                assert client.get(cutout).headers["x-cutout-cache"] == "hit"
            mixed = [
                p
                for g in sample
                for p in (f"/galaxies/pgc/{g.pgc}", f"/galaxies/name/{g.names[0]}")
            ]
            asyncio.run(concurrent(url, mixed, concurrency))
        finally:
            process.terminate()
            process.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    catalog = in_process(args.lookups)
    over_http(catalog, args.requests, args.concurrency)


if __name__ == "__main__":
    main()
