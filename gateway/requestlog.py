"""The request log (JSON lines in ``data_dir/requests.jsonl``) and the store of uploaded images
(content-addressed by sha256): nothing there is needed to answer; all of it helps an audit.

Both are bounded (the ``Retention`` settings, docs/gateway.md "Storage"):

- the request log is rotated when it reaches ``request_log_max_bytes`` or its first line is
  ``request_log_rotate_s`` old (``requests.jsonl.1`` is the newest rotated file); at most
  ``request_log_backups`` rotated files are kept, none whose last line is older than
  ``request_log_max_age_s``;
- the upload store keeps at most ``uploads_max_bytes``, removing the least recently seen first
  (down to 90 % of the bound, so that a scan is not needed on every upload), and nothing not
  seen for ``uploads_max_age_s``; it is scanned every ``retention_check_s`` and whenever the
  running total would pass the bound;
- the disk full: an upload is not kept when the volume would have less than ``min_free_bytes``
  free, and its request log line says so (``"not_kept": {"upload": reason}``); a request log
  line that cannot be written (ENOSPC, or any OSError) is not kept either, and the service log
  says which request it was (the first of a streak, then every hundredth, then how many when
  writing resumes). The answer is served in every case.

Several gateway replicas may share the volume: each keeps its own running total and each scan
recounts what is on disk, so the bound holds to within what the replicas store between scans.
"""

import calendar
import json
import os
import threading
import time
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from servicekit.logging import get_logger, request_id_var

if TYPE_CHECKING:
    from gateway.settings import GatewaySettings

log = get_logger("gateway.requestlog")

LOW_WATER = 0.9  # a prune over the bound removes down to this share of it
NOT_KEPT_MEMORY = 1024  # uploads not kept, remembered until their request log line is written
REPORT_EVERY = 100  # lines not kept in a streak between two warnings


@dataclass(frozen=True)
class Retention:
    uploads_max_bytes: int = 2 * 1024**3
    uploads_max_age_s: float = 30 * 86400
    request_log_max_bytes: int = 64 * 1024**2
    request_log_rotate_s: float = 86400
    request_log_backups: int = 7
    request_log_max_age_s: float = 30 * 86400
    min_free_bytes: int = 512 * 1024**2
    retention_check_s: float = 300.0

    @classmethod
    def from_settings(cls, settings: "GatewaySettings") -> "Retention":
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


def free_bytes(path: Path) -> int:
    """Bytes an unprivileged process may still write on the filesystem holding ``path``."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


class RequestLog:
    def __init__(self, data_dir: Path, retention: Retention | None = None) -> None:
        self.path = data_dir / "requests.jsonl"
        self.uploads = data_dir / "uploads"
        self.retention = retention or Retention()
        self._lock = threading.Lock()
        self._lines_not_kept = 0  # in the current streak of failed writes
        self._log_started: float | None = None  # time of the current file's first line
        self._uploads_bytes: int | None = None  # running total; None until the first scan
        self._next_scan = 0.0
        self._not_kept: OrderedDict[str, str] = OrderedDict()

    # -- the request log -------------------------------------------------------------------

    def write(
        self,
        query: dict[str, Any],
        *,
        status: int,
        cached: bool,
        summary: dict[str, Any] | None = None,
        detail: str | None = None,
    ) -> None:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "request_id": request_id_var.get(),
            "query": query,
            "status": status,
            "cached": cached,
        }
        if summary is not None:
            entry["result"] = summary
        if detail is not None:
            entry["detail"] = detail
        reason = self._take_not_kept(query)
        if reason is not None:
            entry["not_kept"] = {"upload": reason}
        line = json.dumps(entry, separators=(",", ":")) + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._rotate_if_due(len(line))
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
        except OSError as exc:
            self._lines_not_kept += 1
            if self._lines_not_kept % REPORT_EVERY == 1:
                log.warning(
                    "request log line not kept",
                    extra={
                        "error": str(exc),
                        "not_kept": entry,
                        "lines_not_kept": self._lines_not_kept,
                    },
                )
            return
        if self._lines_not_kept:
            log.warning(
                "request log writes resumed",
                extra={"lines_not_kept": self._lines_not_kept},
            )
            self._lines_not_kept = 0

    def rotated(self) -> list[Path]:
        """The rotated files, newest first."""
        found = []
        for i in range(1, self.retention.request_log_backups + 1):
            path = self._backup(i)
            if path.exists():
                found.append(path)
        return found

    def _backup(self, i: int) -> Path:
        return self.path.with_name(f"{self.path.name}.{i}")

    def _rotate_if_due(self, incoming: int) -> None:
        now = time.time()
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            self._log_started = now
            return
        if self._log_started is None:
            self._log_started = self._first_line_time() or now
        too_big = size > 0 and size + incoming > self.retention.request_log_max_bytes
        too_old = now - self._log_started >= self.retention.request_log_rotate_s
        if too_big or too_old:
            self._rotate()
            self._log_started = now

    def _first_line_time(self) -> float | None:
        try:
            with self.path.open(encoding="utf-8") as handle:
                first = json.loads(handle.readline(64 * 1024))  # a line, not a device
            return float(calendar.timegm(time.strptime(first["ts"], "%Y-%m-%dT%H:%M:%SZ")))
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _rotate(self) -> None:
        """requests.jsonl → .1 → .2 …; the oldest beyond the count, and any too old, go."""
        backups = self.retention.request_log_backups
        if backups == 0:
            self.path.unlink(missing_ok=True)
            return
        self._backup(backups).unlink(missing_ok=True)
        for i in range(backups - 1, 0, -1):
            if self._backup(i).exists():
                self._backup(i).replace(self._backup(i + 1))
        self.path.replace(self._backup(1))
        oldest_kept = time.time() - self.retention.request_log_max_age_s
        for path in self.rotated():
            if path.stat().st_mtime < oldest_kept:
                path.unlink(missing_ok=True)

    # -- the upload store ------------------------------------------------------------------

    def store_upload(self, sha256: str, data: bytes) -> Path | None:
        """Keep the uploaded bytes once, under uploads/<2 hex>/<sha256>; None when not kept
        (the reason goes into the request's log line)."""
        target = self.uploads / sha256[:2] / sha256
        try:
            if target.exists():
                os.utime(target)  # seen again: the least recently seen go first
                return target
            reason = self._room_for(len(data))
            if reason is None:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f"{sha256}.{uuid.uuid4().hex}.tmp")
                try:
                    tmp.write_bytes(data)
                    tmp.replace(target)
                finally:
                    tmp.unlink(missing_ok=True)
                with self._lock:
                    self._uploads_bytes = (self._uploads_bytes or 0) + len(data)
                return target
        except OSError as exc:
            reason = f"cannot store the upload: {exc}"
        self._not_keeping(sha256, reason)
        return None

    def _room_for(self, size: int) -> str | None:
        """Make room for ``size`` more bytes in the store; why not, when there is none."""
        if size > self.retention.uploads_max_bytes:
            return (
                f"the upload is {size} bytes, more than the store keeps in all "
                f"(GATEWAY_UPLOADS_MAX_BYTES={self.retention.uploads_max_bytes})"
            )
        self.uploads.mkdir(parents=True, exist_ok=True)
        with self._lock:
            self._enforce(size)
        free = free_bytes(self.uploads)
        if free - size < self.retention.min_free_bytes:
            return (
                f"the data volume has {free} bytes free; keeping {size} more would leave "
                f"less than GATEWAY_MIN_FREE_BYTES={self.retention.min_free_bytes}"
            )
        return None

    def prune_uploads(self) -> None:
        """Apply the upload retention now (it also runs on its own as uploads arrive)."""
        with self._lock:
            self._scan(0)

    def _enforce(self, incoming: int) -> None:
        due = time.monotonic() >= self._next_scan
        over = (self._uploads_bytes or 0) + incoming > self.retention.uploads_max_bytes
        if self._uploads_bytes is None or due or over:
            self._scan(incoming)

    def _scan(self, incoming: int) -> None:
        """Recount the store; remove what is too old, then the least recently seen while the
        store and the incoming upload would pass the bound."""
        now = time.time()
        oldest_kept = now - self.retention.uploads_max_age_s
        files: list[tuple[float, int, Path]] = []
        for path in self.uploads.glob("??/*"):
            try:
                stat = path.stat()
            except FileNotFoundError:  # removed meanwhile (another replica)
                continue
            if stat.st_mtime < oldest_kept:
                path.unlink(missing_ok=True)
            else:
                files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        if total + incoming > self.retention.uploads_max_bytes:
            target = self.retention.uploads_max_bytes * LOW_WATER - incoming
            for _, size, path in sorted(files):
                if total <= target:
                    break
                path.unlink(missing_ok=True)
                total -= size
        self._uploads_bytes = total
        self._next_scan = time.monotonic() + self.retention.retention_check_s

    def _not_keeping(self, sha256: str, reason: str) -> None:
        log.warning("upload not kept", extra={"sha256": sha256, "reason": reason})
        with self._lock:
            self._not_kept[sha256] = reason
            while len(self._not_kept) > NOT_KEPT_MEMORY:
                self._not_kept.popitem(last=False)

    def _take_not_kept(self, query: dict[str, Any]) -> str | None:
        sha256 = query.get("sha256")
        if not isinstance(sha256, str):
            return None
        with self._lock:
            return self._not_kept.pop(sha256, None)
