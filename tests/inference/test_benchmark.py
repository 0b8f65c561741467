"""The benchmark runs, bounded, and reports its figures (the raw compute here; the services as
processes are too slow for the suite: run ``python -m bench.inference``)."""

import re
from pathlib import Path

import pytest

from bench import inference as benchmark


def test_the_benchmark_reports_the_raw_figures(
    tiny_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    benchmark.main(
        ["--models-dir", str(tiny_repo), "--requests", "5", "--copies", "4",
         "--concurrency", "2", "--backends", ""]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "3 flavors (tiny-a, tiny-b, tiny-c)" in out
    rows = [line for line in out.splitlines() if line.startswith("| raw") or "backend" in line]
    assert len(rows) == 1  # the backends run as processes: python -m bench.inference
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        figures = [float(c) for c in cells[1:]]
        assert all(value > 0 for value in figures), row
    assert re.search(r"\| raw model compute .*\| 1\.00 \| 1\.00 \|", out)
