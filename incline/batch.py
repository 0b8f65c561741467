"""``incline batch``: a table of galaxies through the gateway's ``/api/batch``, in chunks with a
bounded number in flight, into an output table rewritten as rows arrive (so an interruption
loses at most the chunks in flight) and resumed from it on the next run."""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

import httpx

from gateway.tables import (
    TableError,
    TableFormat,
    format_for_path,
    line_row,
    read_items,
    read_rows,
    write_table,
)
from incline.cli import EXIT_INTERRUPTED, EXIT_OK, CliError, problem_line, transport_error

# A row whose error is the gateway's or a dependency's (5xx) is tried again on resume; an
# unknown galaxy (404) or an unreadable row (422) is an answer and is kept.
_RETRY_FROM_STATUS = 500
_SAVE_EVERY_S = 2.0


class Progress:
    """A one-line progress bar on a terminal; nothing elsewhere."""

    def __init__(self, total: int, done: int, stream: TextIO, enabled: bool) -> None:
        self.total, self.done, self.errors = total, done, 0
        self.stream, self.enabled = stream, enabled
        self.started, self.start_done = time.monotonic(), done

    def advance(self, rows: int, errors: int) -> None:
        self.done += rows
        self.errors += errors
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        rate = (self.done - self.start_done) / max(time.monotonic() - self.started, 1e-6)
        errors_text = f"  {self.errors} errors" if self.errors else ""
        self.stream.write(
            f"\r{self.done}/{self.total} [{'#' * filled}{'-' * (width - filled)}] "
            f"{100 * self.done / max(self.total, 1):3.0f}%  {rate:.1f} rows/s{errors_text}  "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


class Output:
    """The output table: rows by input row, written whole (atomically) when asked."""

    def __init__(self, path: Path, fmt: TableFormat) -> None:
        self.path, self.fmt = path, fmt
        self.rows: dict[int, dict[str, Any]] = {}
        self.saved_at = 0.0
        self.save_s = 0.0  # how long the last write took

    def resume(self, input_rows: int) -> None:
        """Keep the rows an earlier run wrote, but those whose error may pass (5xx)."""
        try:
            rows = read_rows(self.path.read_bytes(), self.fmt)
        except (OSError, TableError) as exc:
            raise CliError(
                f"{self.path} exists but cannot be read as a table ({exc}); "
                "give another name, or --restart to overwrite it"
            ) from exc
        for row in rows:
            index, status = row.get("row"), row.get("status")
            if not isinstance(index, int) or not isinstance(status, int):
                raise CliError(
                    f"{self.path} is not an incline output (no row and status columns); "
                    "give another name, or --restart to overwrite it"
                )
            if 0 <= index < input_rows and status < _RETRY_FROM_STATUS:
                self.rows[index] = row

    def add(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            self.rows[int(row["row"])] = row
        # Rewriting a large table takes a while (seconds for 20k rows of ECSV): at most a fifth of
        # the time goes to it.
        if time.monotonic() - self.saved_at >= max(_SAVE_EVERY_S, 5 * self.save_s):
            self.save()

    def save(self) -> None:
        started = time.monotonic()
        ordered = [self.rows[index] for index in sorted(self.rows)]
        temporary = self.path.with_name(f".{self.path.name}.partial")
        temporary.write_bytes(write_table(ordered, self.fmt))
        os.replace(temporary, self.path)
        self.saved_at = time.monotonic()
        self.save_s = self.saved_at - started


async def _chunk_rows(
    client: httpx.AsyncClient,
    url: str,
    chunk: list[tuple[int, dict[str, Any]]],
    params: Mapping[str, str],
) -> list[dict[str, Any]]:
    import json

    try:
        response = await client.post(
            "/api/batch",
            json=[item for _, item in chunk],
            params=params,
            headers={"Accept": "application/x-ndjson"},
        )
    except httpx.HTTPError as exc:
        raise transport_error(url, exc) from exc
    if response.status_code != 200:
        raise CliError(problem_line(response))
    rows = []
    for text in response.text.splitlines():
        if text.strip():
            line = json.loads(text)
            rows.append(line_row(chunk[int(line["index"])][0], line))
    if len(rows) != len(chunk):
        raise CliError(f"the gateway answered {len(rows)} lines for {len(chunk)} rows")
    return rows


async def _measure(
    args: argparse.Namespace,
    todo: list[tuple[int, dict[str, Any]]],
    output: Output,
    progress: Progress,
) -> None:
    params = {k: v for k, v in (("copies", args.copies), ("survey", args.survey)) if v}
    chunks = [todo[i : i + args.chunk] for i in range(0, len(todo), args.chunk)]
    slots = asyncio.Semaphore(args.jobs)

    async def one(chunk: list[tuple[int, dict[str, Any]]]) -> None:
        async with slots:
            rows = await _chunk_rows(client, args.url, chunk, params)
        output.add(rows)
        progress.advance(len(rows), sum(1 for r in rows if r.get("error")))

    timeout = httpx.Timeout(args.timeout * max(1, args.chunk // 4), connect=10.0)
    async with httpx.AsyncClient(base_url=args.url, timeout=timeout) as client:
        tasks = [asyncio.ensure_future(one(chunk)) for chunk in chunks]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


def run(args: argparse.Namespace) -> int:
    if args.chunk < 1 or args.jobs < 1:
        raise CliError("--chunk and --jobs must be at least 1")
    try:
        fmt = format_for_path(str(args.output))
    except TableError as exc:
        raise CliError(str(exc)) from exc
    try:
        data = Path(args.input).read_bytes()
        items = read_items(data, max_items=10_000_000)
    except OSError as exc:
        raise CliError(f"cannot read {args.input}: {exc.strerror or exc}") from exc
    except TableError as exc:
        raise CliError(f"{args.input}: {exc}") from exc
    if not items:
        raise CliError(f"{args.input} has no rows")
    output = Output(args.output, fmt)
    if args.output.exists() and not args.restart:
        output.resume(len(items))
    todo = [(index, item) for index, item in enumerate(items) if index not in output.rows]
    kept = len(items) - len(todo)
    if kept:
        print(f"resuming: {kept} of {len(items)} rows already in {args.output}", file=sys.stderr)
    enabled = sys.stderr.isatty() if args.progress is None else bool(args.progress)
    progress = Progress(len(items), kept, sys.stderr, enabled)
    try:
        asyncio.run(_measure(args, todo, output, progress))
    except KeyboardInterrupt:
        progress.close()
        output.save()
        print(
            f"incline: interrupted; {len(output.rows)} of {len(items)} rows are in "
            f"{args.output}: run the same command again to go on",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    except CliError as exc:
        progress.close()
        if output.rows:
            output.save()
            raise CliError(
                f"{exc} ({len(output.rows)} of {len(items)} rows saved in {args.output}; "
                "run the same command again to go on)",
                exc.status,
            ) from exc
        raise
    progress.close()
    output.save()
    errors = sum(1 for row in output.rows.values() if row.get("error"))
    print(
        f"{len(output.rows)} rows in {args.output}"
        + (f" ({errors} with an error: see its error column)" if errors else ""),
        file=sys.stderr,
    )
    return EXIT_OK
