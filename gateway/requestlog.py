"""The request log (JSON lines in ``data_dir/requests.jsonl``) and the store of uploaded images
(content-addressed by sha256): nothing there is needed to answer; all of it helps an audit."""

import json
import time
import uuid
from pathlib import Path
from typing import Any

from servicekit.logging import get_logger, request_id_var

log = get_logger("gateway.requestlog")


class RequestLog:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "requests.jsonl"
        self.uploads = data_dir / "uploads"
        self._failed = False

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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps(entry, separators=(",", ":")) + "\n")
            self._failed = False
        except OSError as exc:
            if not self._failed:  # one line per failure streak, not one per request
                log.warning("cannot write the request log", extra={"error": str(exc)})
            self._failed = True

    def store_upload(self, sha256: str, data: bytes) -> Path | None:
        """Keep the uploaded bytes once, under uploads/<2 hex>/<sha256>."""
        target = self.uploads / sha256[:2] / sha256
        try:
            if not target.exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp = target.with_name(f"{sha256}.{uuid.uuid4().hex}.tmp")
                tmp.write_bytes(data)
                tmp.replace(target)
            return target
        except OSError as exc:
            log.warning("cannot store the upload", extra={"error": str(exc), "sha256": sha256})
            return None
