"""Generated sections of docs/benchmarks.md and docs/reliability.md: each command owns the text
between ``<!-- <name>:start -->`` and ``<!-- <name>:end -->`` and rewrites only that."""

import platform
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from devstack.processes import REPO_ROOT


def write_section(path: Path, name: str, body: str, title: str) -> None:
    """Replace (or append) the ``name`` section of ``path``; a new file starts with ``title``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{body.strip()}\n{end}"
    text = path.read_text() if path.exists() else f"# {title}\n\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(text)


def provenance() -> str:
    """When, on what, at which commit: one line under every generated table."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT, capture_output=True, text=True, check=False,
        ).stdout.strip()  # fmt: skip
    except OSError:
        commit = "?"
    load = Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else "?"
    import os

    return (
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit or '?'}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, load average {load} "
        "at the end (the machine is shared: read medians and ratios within one run)."
    )
