"""The discrepancy alarm log: one JSON line per galaxy whose flavors disagree, on shared storage,
and a Prometheus counter."""

import json
import threading
import time
from pathlib import Path
from typing import Any

from prometheus_client import Counter

from servicekit.logging import get_logger, request_id_var

ALARMS = Counter(
    "incline_inference_alarms_total",
    "Galaxies whose flavors disagreed by more than the alarm threshold.",
)

log = get_logger("inference.alarms")


class AlarmLog:
    """Appends alarm records to a JSON-lines file (``data/alarms.jsonl``)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def record(self, entry: dict[str, Any]) -> None:
        line = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "request_id": request_id_var.get(),
            **entry,
        }
        ALARMS.inc()
        log.warning("discrepancy alarm", extra={"alarm": line})
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as handle:
                    handle.write(json.dumps(line) + "\n")
        except OSError as exc:  # the log helps an audit; it never fails a request
            log.error(
                "cannot write the alarm log", extra={"path": str(self.path), "error": str(exc)}
            )
