"""Run the reliability suite (tests/reliability) and write what it observed to
docs/reliability.md: the faults and how the stack degraded and recovered, the bad-input corpus
and the answer to each, and the Schemathesis cases per operation.

    python -m devstack.reliability [--fuzz-examples 100] [--write docs/reliability.md]

``--fuzz-examples``: Schemathesis examples per operation (CI runs 12, about 130 cases; 100
gives over 1,000). Exit status: pytest's.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from devstack.processes import REPO_ROOT
from devstack.report import provenance, write_section

REPORT_ENV = "INCLINE_RELIABILITY_REPORT"


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(rows: list[dict[str, Any]], summary: str, command: str, seconds: float) -> str:
    faults = [r for r in rows if r["suite"] == "fault"]
    bad = [r for r in rows if r["suite"] == "bad input"]
    fuzz = [r for r in rows if r["suite"] == "schemathesis"]
    lines = [
        f"`{command}` — pytest: {summary} ({seconds:.0f} s wall).",
        "",
        "### Faults",
        "",
        "Each provoked on the running stack (inference on its tfserving backend over the TF "
        "Serving stand-in); *seconds*: the slowest answer during the fault (a hang would show "
        "here); *recovery*: from the fault's end until the stack answered normally again, with "
        "nothing restarted but the broken process.",
        "",
        "| fault | expected (docs) | observed | seconds | recovery s |",
        "|---|---|---|---:|---:|",
    ]
    for r in faults:
        lines.append(
            f"| {_cell(r['case'])} | {_cell(r['expected'])} | {_cell(r['status'])} | "
            f"{r['seconds']} | {r['recovery_s']} |"
        )
    statuses: dict[int, int] = defaultdict(int)
    for r in bad:
        statuses[int(r["status"])] += 1
    lines += [
        "",
        f"### Bad inputs ({len(bad)} cases)",
        "",
        "Built by `tests/reliability/bad_inputs.py` (deterministic, in memory). Every one must "
        "be a 4xx problem+json; the stack's `/readyz` is checked after the whole corpus. Statuses: "
        + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items()))
        + ".",
        "",
        "| kind | case | request | status | seconds | detail (start) |",
        "|---|---|---|---:|---:|---|",
    ]
    for r in sorted(bad, key=lambda r: (r["kind"], r["case"])):
        lines.append(
            f"| {_cell(r['kind'])} | {_cell(r['case'])} | `{_cell(r['request'][:50])}` | "
            f"{r['status']} | {r['seconds']} | {_cell(r['detail'][:70])} |"
        )
    per_operation: dict[str, dict[str, int]] = defaultdict(dict)
    for r in fuzz:
        per_operation[str(r["case"])][str(r["status"])] = int(r["count"])
    total = sum(sum(v.values()) for v in per_operation.values())
    five = sum(v.get("5xx", 0) for v in per_operation.values())
    lines += [
        "",
        f"### Schemathesis ({total} cases, {five} answered 5xx)",
        "",
        "Generated from the gateway's OpenAPI document (valid and invalid data, every "
        "operation, plus unexpected methods); checks: no 5xx, status codes documented, content "
        "types documented, bodies matching their schemas, invalid data rejected (except in a "
        "batch, which by design answers each item on its own line).",
        "",
        "| operation | 2xx | 4xx | 5xx |",
        "|---|---:|---:|---:|",
    ]
    other = {"count": 0, "4xx": 0}
    for operation, counts in sorted(per_operation.items()):
        if sum(counts.values()) == 1 and counts.get("4xx") == 1:  # a method the path lacks
            other["count"] += 1
            continue
        lines.append(
            f"| `{operation}` | {counts.get('2xx', 0)} | {counts.get('4xx', 0)} | "
            f"{counts.get('5xx', 0)} |"
        )
    if other["count"]:
        lines.append(f"| undocumented methods on documented paths | 0 | {other['count']} | 0 |")
    lines += ["", provenance()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--fuzz-examples", type=int, default=100)
    parser.add_argument("--write", type=Path, help="write the tables into this Markdown file")
    args = parser.parse_args(argv)
    command = "python -m devstack.reliability " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    with tempfile.TemporaryDirectory(prefix="incline-reliability-") as tmp:
        report = Path(tmp) / "observations.json"
        env = {
            **os.environ,
            REPORT_ENV: str(report),
            "INCLINE_FUZZ_EXAMPLES": str(args.fuzz_examples),
        }
        start = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "tests/reliability", "-q", "-p", "no:cacheprovider"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.monotonic() - start
        tail = [line for line in result.stdout.splitlines() if line.strip()]
        summary = tail[-1].strip("= ") if tail else f"exit {result.returncode}"
        if result.returncode != 0:
            print(result.stdout[-6000:], file=sys.stderr)
        rows = json.loads(report.read_text()) if report.exists() else []
    text = render(rows, summary, f"nice -n 10 .venv/bin/{command.strip()}", seconds)
    print(text)
    if args.write:
        write_section(args.write, "reliability", text, "Reliability")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
