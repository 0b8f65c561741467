"""The ``incline`` command as a user runs it: the console script of the venv, in a real process,
against the real stack."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from astropy.io.votable import parse_single_table

from gateway.tables import read_rows
from incline.cli import format_answer
from tests.gateway.conftest import Stack
from tests.gateway.factories import example_result, galaxy_image_bytes, older_result

INCLINE = Path(sys.executable).parent / "incline"


def incline(*args: str, url: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [str(INCLINE), *args] + (["--url", url] if url else [])
    return subprocess.run(command, capture_output=True, text=True, timeout=300)


def test_help_from_the_venv() -> None:
    result = incline("--help")
    assert result.returncode == 0
    assert "measure" in result.stdout and "batch" in result.stdout
    assert "interruption" in incline("batch", "--help").stdout


def test_the_command_does_not_import_tensorflow() -> None:
    probe = (
        "import sys, incline.cli, incline.batch\n"
        "heavy = {'tensorflow', 'keras', 'fastapi'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "[]", result.stderr


def test_answer_table_without_the_later_fields() -> None:
    text = format_answer(older_result())
    assert "NGC 224" in text
    assert "axial-ratio inclination 72.3°" in text
    assert "71.4° ± 1.6°" in text
    assert "68%: 69.8° to 73.0°" in text
    assert "verdict" not in text
    assert "alarm" in text and "no (spread 3.7°" in text
    assert "second opinion" not in text


def test_answer_table_with_calibrated_interval_and_rejection() -> None:
    result = example_result(
        inclination={
            "median": 71.4,
            "mean": 70.9,
            "stdev": 1.6,
            "sigma": 2.4,
            "interval": [68.2, 74.9],
            "axial_ratio_deg": 58.0,
            "unit": "deg",
        },
        rejection={"likelihood": 0.07, "verdict": "accept", "threshold": 0.5, "classes": {}},
        alarm={"raised": True, "spread_deg": 31.0, "threshold_deg": 29.1},
    )
    text = format_answer(result)
    assert "71.4° ± 2.4°" in text
    assert "68%: 68.2° to 74.9°" in text
    assert "accept (likelihood 0.07, threshold 0.50)" in text
    assert "the image's axial ratio says 58.0° (13.4° from the answer)\n" in text + "\n"
    result["inclination"]["axial_ratio_departs"] = True
    assert ("the image's axial ratio says 58.0° (13.4° from the answer): a doubtful answer, "
            "look at the galaxy") in format_answer(result)
    assert "RAISED" in text


def test_unreachable_gateway_is_one_line_and_a_failure(dead_url: str) -> None:
    result = incline("measure", "M101", url=dead_url)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "cannot reach the gateway" in result.stderr


def test_usage_errors() -> None:
    result = incline("measure")
    assert result.returncode == 2
    assert result.stderr.startswith("incline: give one of")
    assert incline("measure", "--ra", "10").returncode == 2
    missing = incline("measure", "no-such-galaxy.jpg")
    assert missing.returncode == 1 and "no such image file" in missing.stderr


@pytest.mark.slow
def test_measure_every_way(stack: Stack, tmp_path: Path) -> None:
    by_name = incline("measure", "NGC 4565", url=stack.url)
    assert by_name.returncode == 0, by_name.stderr
    assert "inclination" in by_name.stdout and "NGC 4565" in by_name.stdout
    by_pgc = incline("measure", "--pgc", "2557", "--json", url=stack.url)
    assert by_pgc.returncode == 0, by_pgc.stderr
    assert json.loads(by_pgc.stdout)["galaxy"]["pgc"] == 2557
    by_position = incline(
        "measure",
        "--ra",
        "10h00m29.52s",
        "--dec",
        "+02:20:42",
        "--fov",
        "1.5",
        "--json",
        url=stack.url,
    )
    assert by_position.returncode == 0, by_position.stderr
    assert json.loads(by_position.stdout)["query"]["ra"] == pytest.approx(150.123)
    image = tmp_path / "galaxy.jpg"
    image.write_bytes(galaxy_image_bytes("JPEG", seed=3))
    by_image = incline("measure", str(image), url=stack.url)
    assert by_image.returncode == 0, by_image.stderr
    assert "uploaded galaxy.jpg" in by_image.stdout
    assert "framing" not in by_image.stdout  # centred: measured as framed
    corner = tmp_path / "corner.png"
    corner.write_bytes(galaxy_image_bytes("PNG", seed=4, shift=0.3, scale=0.03))
    framed = incline("measure", str(corner), url=stack.url)
    assert framed.returncode == 0, framed.stderr
    assert "galaxy found off centre" in framed.stdout
    as_is = incline("measure", str(corner), "--frame", "as-is", "--json", url=stack.url)
    assert as_is.returncode == 0, as_is.stderr
    assert json.loads(as_is.stdout)["image"]["framing"] is None


@pytest.mark.slow
def test_unknown_galaxy_is_one_readable_line(stack: Stack) -> None:
    result = incline("measure", "--pgc", "99999955", url=stack.url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("incline: 404 ")
    assert result.stderr.count("\n") == 1


def votable_rows(path: Path) -> list[dict[str, object]]:
    table = parse_single_table(str(path)).to_table()
    return [{name: row[name] for name in table.colnames} for row in table]


@pytest.mark.slow
def test_batch_csv_of_three_into_a_votable_with_the_unknown_one_in_error(
    stack: Stack, tmp_path: Path
) -> None:
    galaxies = tmp_path / "galaxies.csv"
    galaxies.write_text("name,pgc\nNGC 4565,\n,99999977\nM31,\n")
    output = tmp_path / "results.vot"
    result = incline("batch", str(galaxies), "-o", str(output), "--progress", url=stack.url)
    assert result.returncode == 0, result.stderr
    assert "3/3 [" in result.stderr
    assert "3 rows in" in result.stderr and "1 with an error" in result.stderr
    rows = votable_rows(output)
    assert [r["row"] for r in rows] == [0, 1, 2]
    assert [r["status"] for r in rows] == [200, 404, 200]
    assert "99999977" in str(rows[1]["error"])
    assert rows[0]["galaxy_pgc"] == 42038 and rows[2]["galaxy_pgc"] == 2557
    assert 0 <= float(rows[0]["inclination"]) <= 90  # type: ignore[arg-type]


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".csv", ".ecsv", ".fits"])
def test_batch_resumes_from_what_the_output_already_holds(
    stack: Stack, tmp_path: Path, suffix: str
) -> None:
    from gateway.tables import format_for_path, write_table

    galaxies = tmp_path / "galaxies.csv"
    galaxies.write_text("pgc\n2557\n42038\n9031\n")
    output = tmp_path / f"results{suffix}"
    fmt = format_for_path(str(output))
    # What an interrupted run leaves: the first row done (a value no run would give, to see it
    # kept), the third failed on a dependency being down (to be tried again).
    earlier: list[dict[str, Any]] = [
        {"row": 0, "pgc": 2557, "status": 200, "inclination": 12.345},
        {"row": 2, "pgc": 9031, "status": 503, "error": "the inference service is down"},
    ]
    output.write_bytes(write_table(earlier, fmt))
    result = incline("batch", str(galaxies), "-o", str(output), "--chunk", "1", url=stack.url)
    assert result.returncode == 0, result.stderr
    assert "resuming: 1 of 3 rows" in result.stderr
    rows = read_rows(output.read_bytes(), fmt)
    assert [r["row"] for r in rows] == [0, 1, 2]
    assert rows[0]["inclination"] == pytest.approx(12.345)
    assert [r["status"] for r in rows] == [200, 200, 200]
    assert rows[2]["galaxy_pgc"] == 9031 and rows[2]["error"] is None


def test_batch_refuses_an_output_it_did_not_write(tmp_path: Path, dead_url: str) -> None:
    galaxies = tmp_path / "galaxies.csv"
    galaxies.write_text("pgc\n2557\n")
    output = tmp_path / "mine.csv"
    output.write_text("a,b\n1,2\n")
    result = incline("batch", str(galaxies), "-o", str(output), url=dead_url)
    assert result.returncode == 1
    assert "not an incline output" in result.stderr
    assert output.read_text() == "a,b\n1,2\n"


@pytest.mark.slow
def test_an_interrupted_batch_keeps_its_rows_and_the_next_run_finishes_it(
    stack: Stack, tmp_path: Path
) -> None:
    galaxies = tmp_path / "fields.csv"
    fields = [f"{150 + 0.05 * i:.2f},{3.5 + 0.05 * i:.2f},1.0" for i in range(12)]
    galaxies.write_text("ra,dec,fov\n" + "\n".join(fields) + "\n")
    output = tmp_path / "fields.fits"
    command = [str(INCLINE), "batch", str(galaxies), "-o", str(output), "--url", stack.url]
    # SIGINT back to its default in the child: a test run started in the background (nohup, &)
    # ignores SIGINT, and a child that inherits the ignore would never see the Ctrl-C.
    process = subprocess.Popen(
        [*command, "--chunk", "1", "--jobs", "1"], stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while not output.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "run the same command again" in stderr
    kept = len(read_rows(output.read_bytes(), "fits"))
    assert 1 <= kept < 12

    again = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"resuming: {kept} of 12 rows" in again.stderr
    rows = read_rows(output.read_bytes(), "fits")
    assert [r["row"] for r in rows] == list(range(12))
    assert all(r["status"] == 200 for r in rows)
