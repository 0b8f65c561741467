"""The benchmark script runs end to end (tiny counts) and reports sane figures."""

import pytest

from bench.preprocessor import main

pytestmark = pytest.mark.slow


def test_benchmark_runs_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    results = main(["--count", "3", "--max-seconds", "2", "--concurrency", "2"])
    assert {r.case.split(":")[0] for r in results} == {"in process", "HTTP"}
    for result in results:
        assert 1 <= result.count <= 3
        assert 0 < result.p50_ms <= result.p99_ms
    assert "p50" in capsys.readouterr().out
