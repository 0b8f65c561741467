"""devstack's own pieces: the bounded load runners, percentiles, the report sections, and the
layering (the services never import it)."""

import asyncio
import time
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from devstack.processes import REPO_ROOT
from devstack.report import write_section
from devstack.stats import Figures, paced_load, percentile, run_load, table


async def _answer(request: Request) -> PlainTextResponse:
    index = int(request.path_params["index"])
    await asyncio.sleep(float(request.query_params.get("sleep", "0")))
    return PlainTextResponse("no", status_code=500) if index % 5 == 4 else PlainTextResponse("ok")


def _client() -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/item/{index}", _answer)])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://load")


def test_percentile_interpolates_and_is_nan_for_nothing() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.5
    assert percentile(values, 99) == 99.01
    assert percentile([], 50) != percentile([], 50)  # NaN


async def test_run_load_sends_exactly_the_requests_asked_and_counts_failures() -> None:
    async with _client() as client:
        outcome = await run_load(
            client, lambda c, i: c.get(f"/item/{i}"), requests=20, concurrency=3, max_seconds=30
        )
    assert len(outcome.latencies_s) == 20
    assert outcome.statuses[200] == 16 and outcome.statuses[500] == 4
    assert outcome.errors == 4
    figures = outcome.figures("demo", 3)
    assert figures.count == 20 and figures.errors == 4 and figures.throughput_rps > 0


async def test_run_load_stops_at_its_time_limit() -> None:
    start = time.monotonic()
    async with _client() as client:
        outcome = await run_load(
            client,
            lambda c, i: c.get(f"/item/{i}", params={"sleep": 0.02}),
            requests=100_000,
            concurrency=4,
            max_seconds=0.3,
        )
    assert 4 <= len(outcome.latencies_s) < 1000
    assert time.monotonic() - start < 3


async def test_paced_load_keeps_its_rate() -> None:
    ticks: list[int] = []
    async with _client() as client:
        outcome = await paced_load(
            client,
            lambda c, i: c.get(f"/item/{i * 5}"),  # never a 500
            rate_per_s=40,
            max_seconds=1.2,
            max_requests=10_000,
            on_tick=lambda sent, _: ticks.append(sent),
        )
    assert 40 <= len(outcome.latencies_s) <= 49
    assert outcome.errors == 0
    assert ticks and 30 <= ticks[0] <= 45


def test_table_has_ratios_to_the_raw_row() -> None:
    raw = Figures("raw", 2.0, 4.0, 100.0, count=10)
    row = Figures("row", 10.0, 20.0, 50.0, count=10, concurrency=8)
    text = table([raw, row], raw)
    assert "| row | 8 | 10 | 0 | 10.0 | 20.0 | 50.0 | 5.00 | 0.50 |" in text


def test_write_section_replaces_only_its_own_markers(tmp_path: Path) -> None:
    path = tmp_path / "bench.md"
    write_section(path, "load", "first", "Benchmarks")
    write_section(path, "soak", "soak text", "Benchmarks")
    path.write_text(path.read_text() + "\nhand-written tail\n")
    write_section(path, "load", "second", "Benchmarks")
    text = path.read_text()
    assert text.startswith("# Benchmarks\n")
    assert "second" in text and "first" not in text
    assert "soak text" in text and "hand-written tail" in text
    assert text.count("<!-- load:start -->") == 1


def test_no_service_imports_dev_tooling() -> None:
    tooling = tuple(
        f"{verb} {package}"
        for package in ("devstack", "standins", "bench")
        for verb in ("import", "from")
    )
    offenders = []
    for package in ("servicekit", "gateway", "catalog", "preprocessor", "inference"):
        for path in (REPO_ROOT / package).rglob("*.py"):
            lines = [line.lstrip() for line in path.read_text().splitlines()]
            if any(line.startswith(tooling) for line in lines):
                offenders.append(str(path.relative_to(REPO_ROOT)))
    assert offenders == []
