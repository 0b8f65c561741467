"""Online lookups and survey cutouts through the stand-ins: miss and hit latency.

    python -m bench.online [--galaxies 40] [--cutouts 15] [--fov 4]

``python -m catalog`` runs as a child process with online lookups on, pointed at stand-ins in
threads of this process: VizieR (HyperLEDA VII/237, ``standins.vizier``, with ``--galaxies``
synthetic PGC rows), SkyServer, and Legacy Surveys + hips2fits (``standins.cutouts``).

- online lookup: ``/galaxies/pgc/{n}`` for PGC numbers OpenNGC lacks. Miss = the first lookup
  (astroquery → VizieR stand-in → VOTable → SQLite); hit = the same again (SQLite only).
- cutout per survey: ``/cutouts?ra=&dec=&fov_arcmin=&survey=`` at fresh positions (miss: fetched
  from the stand-in, blank check, stored), then the same again (hit: read from the store).

The figures measure this service's own overhead on loopback plus the stand-ins' rendering; the
real remotes add their network and service time. Nothing leaves 127.0.0.1.
"""

import argparse
import tempfile
import time
from pathlib import Path

import httpx

from devstack.processes import service_process
from devstack.stats import percentile
from standins.cutouts import StandinCutouts
from standins.skyserver import StandinSkyServer
from standins.vizier import PGCRow, StandinVizier

FIRST_PGC = 5_000_000  # far above OpenNGC's numbers: every one is an online lookup
SURVEY_DEC = {"sdss": 10.0, "legacy": 10.0, "panstarrs": 10.0, "dss": 10.0}


def rows(count: int) -> tuple[PGCRow, ...]:
    return tuple(
        PGCRow(FIRST_PGC + i, (7.3 * i) % 360.0, -60.0 + (97.0 * i) % 120.0, "Sc", 1.0, 0.3, 45.0)
        for i in range(count)
    )


def timed(client: httpx.Client, path: str, params: dict[str, str | float] | None = None) -> float:
    """Milliseconds for one GET (which must succeed)."""
    start = time.perf_counter()
    response = client.get(path, params=params)
    elapsed = time.perf_counter() - start
    response.raise_for_status()
    return elapsed * 1000.0


def summary(label: str, values: list[float]) -> None:
    print(
        f"  {label:<30} p50 {percentile(values, 50):7.1f} ms   "
        f"p90 {percentile(values, 90):7.1f} ms   max {max(values):7.1f} ms   (n={len(values)})"
    )


def run(galaxies: int, cutouts: int, fov: float) -> None:
    with (
        tempfile.TemporaryDirectory() as tmp,
        StandinVizier(rows(galaxies)) as vizier,
        StandinSkyServer() as sky,
        StandinCutouts() as surveys,
    ):
        root = Path(tmp)
        env = {
            "CATALOG_DATA_DIR": str(root / "data"),
            "CATALOG_ONLINE_LOOKUPS": "true",
            "CATALOG_VIZIER_URL": vizier.url,
            "CATALOG_SKYSERVER_URL": sky.url,
            **surveys.environment(),
            "CATALOG_LOG_LEVEL": "WARNING",
        }
        with (
            service_process("catalog", env, root) as catalog,
            httpx.Client(base_url=catalog.url, timeout=60) as client,
        ):
            client.get("/galaxies/pgc/2557").raise_for_status()  # warm the process
            print(f"online lookup (HyperLEDA via the VizieR stand-in, {galaxies} PGC numbers):")
            numbers = [FIRST_PGC + i for i in range(galaxies)]
            misses = [timed(client, f"/galaxies/pgc/{n}") for n in numbers]
            asked = vizier.requests("vizier")
            hits = [timed(client, f"/galaxies/pgc/{n}") for n in numbers]
            assert vizier.requests("vizier") == asked, "hits must not ask VizieR"
            summary("miss (VizieR + store)", misses[1:])  # the first one also imports astroquery
            summary("hit (SQLite store)", hits)
            embedded = [timed(client, "/galaxies/pgc/2557") for _ in range(galaxies)]
            summary("embedded OpenNGC, for scale", embedded)
            print(f"cutouts, {fov:g}' field, per survey ({cutouts} positions each):")
            for survey, dec in SURVEY_DEC.items():
                params: list[dict[str, str | float]] = [
                    {"ra": f"{20 + 0.5 * i:.2f}", "dec": dec, "fov_arcmin": fov, "survey": survey}
                    for i in range(cutouts)
                ]
                miss = [timed(client, "/cutouts", p) for p in params]
                hit = [timed(client, "/cutouts", p) for p in params]
                pixels = client.get("/cutouts", params=params[0]).headers["x-cutout-pixels"]
                summary(f"{survey} miss ({pixels} px)", miss)
                summary(f"{survey} hit", hit)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--galaxies", type=int, default=40)
    parser.add_argument("--cutouts", type=int, default=15)
    parser.add_argument("--fov", type=float, default=4.0)
    args = parser.parse_args()
    run(args.galaxies, args.cutouts, args.fov)


if __name__ == "__main__":
    main()
