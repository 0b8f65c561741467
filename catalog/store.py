"""Content-addressed cutout store on shared storage: sha256(source URL) → JPEG file.

``<root>/<key[:2]>/<key>.jpg`` holds an image; ``<key>.outside`` (empty) remembers that the
position is outside the survey footprint, so neither is fetched twice. Writes go to a temporary
file in the same folder and are renamed into place, so a reader never sees half a file.
"""

import hashlib
import os
import tempfile
from pathlib import Path


def cutout_key(source_url: str) -> str:
    return hashlib.sha256(source_url.encode()).hexdigest()


class CutoutStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str, suffix: str) -> Path:
        if len(key) != 64 or not all(c in "0123456789abcdef" for c in key):
            raise ValueError("a cutout key is a sha256 hex digest")
        return self.root / key[:2] / f"{key}{suffix}"

    def read(self, key: str) -> bytes | None:
        try:
            return self._path(key, ".jpg").read_bytes()
        except FileNotFoundError:
            return None

    def is_outside(self, key: str) -> bool:
        return self._path(key, ".outside").exists()

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def write(self, key: str, data: bytes) -> None:
        self._write(self._path(key, ".jpg"), data)

    def mark_outside(self, key: str) -> None:
        self._write(self._path(key, ".outside"), b"")

    def count(self) -> int:
        return sum(1 for _ in self.root.glob("*/*.jpg")) if self.root.exists() else 0
