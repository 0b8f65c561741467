"""Answers of the online catalog kept in SQLite, so a second lookup needs no network.

Tables: ``galaxies`` (one row per PGC, the record as JSON), ``names`` (normalised name → PGC:
HyperLEDA's names of the galaxies stored, and names resolved through Sesame), ``absent`` (PGC
numbers HyperLEDA said it does not have, with the time it said so) and ``cones`` (positions
already asked, so a repeated ``near`` is answered from the galaxies stored). One connection,
used under a lock from worker threads.
"""

import json
import math
import sqlite3
import threading
import time
from pathlib import Path

from catalog import names
from catalog.galaxy import Galaxy, Neighbour

SCHEMA = """
CREATE TABLE IF NOT EXISTS galaxies (
    pgc INTEGER PRIMARY KEY, ra REAL NOT NULL, dec REAL NOT NULL, record TEXT NOT NULL,
    fetched_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS galaxies_dec ON galaxies (dec);
CREATE TABLE IF NOT EXISTS names (key TEXT PRIMARY KEY, pgc INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS absent (pgc INTEGER PRIMARY KEY, asked_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS cones (key TEXT PRIMARY KEY, asked_at REAL NOT NULL);
"""


def separation_arcmin(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    """Great-circle distance (haversine: exact for small separations)."""
    phi1, phi2 = math.radians(dec1), math.radians(dec2)
    d_phi, d_lambda = phi2 - phi1, math.radians(ra2 - ra1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h)))) * 60.0


def cone_key(ra: float, dec: float, radius_arcmin: float) -> str:
    return f"{ra % 360.0:.5f},{dec:.5f},{radius_arcmin:.4f}"


def _to_json(galaxy: Galaxy) -> str:
    return json.dumps(
        {
            "names": list(galaxy.names),
            "major": galaxy.major_axis_arcmin,
            "minor": galaxy.minor_axis_arcmin,
            "pa": galaxy.position_angle_deg,
            "type": galaxy.hubble_type,
        }
    )


def _from_row(pgc: int, ra: float, dec: float, record: str) -> Galaxy:
    data = json.loads(record)
    return Galaxy(
        pgc=pgc,
        names=tuple(data["names"]),
        ra=ra,
        dec=dec,
        major_axis_arcmin=data["major"],
        minor_axis_arcmin=data["minor"],
        position_angle_deg=data["pa"],
        hubble_type=data["type"],
        source="hyperleda",
    )


class OnlineStore:
    def __init__(self, path: Path, negative_ttl_s: float) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.negative_ttl_s = negative_ttl_s
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def count(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM galaxies").fetchone()
        return int(row[0])

    def by_pgc(self, pgc: int) -> Galaxy | None:
        with self._lock:
            row = self._db.execute(
                "SELECT pgc, ra, dec, record FROM galaxies WHERE pgc = ?", (pgc,)
            ).fetchone()
        return _from_row(*row) if row else None

    def is_absent(self, pgc: int) -> bool:
        """HyperLEDA said recently (within the negative TTL) that it has no such PGC."""
        with self._lock:
            row = self._db.execute("SELECT asked_at FROM absent WHERE pgc = ?", (pgc,)).fetchone()
        return row is not None and time.time() - float(row[0]) < self.negative_ttl_s

    def by_name(self, name: str) -> Galaxy | None:
        key = names.normalise(name)
        with self._lock:
            row = self._db.execute("SELECT pgc FROM names WHERE key = ?", (key,)).fetchone()
        return self.by_pgc(int(row[0])) if row else None

    def cone_asked(self, ra: float, dec: float, radius_arcmin: float) -> bool:
        key = cone_key(ra, dec, radius_arcmin)
        with self._lock:
            row = self._db.execute("SELECT 1 FROM cones WHERE key = ?", (key,)).fetchone()
        return row is not None

    def near(self, ra: float, dec: float, radius_arcmin: float, limit: int) -> list[Neighbour]:
        band = radius_arcmin / 60.0
        with self._lock:
            rows = self._db.execute(
                "SELECT pgc, ra, dec, record FROM galaxies WHERE dec BETWEEN ? AND ?",
                (dec - band, dec + band),
            ).fetchall()
        found = [
            Neighbour(_from_row(*row), separation_arcmin(ra, dec, row[1], row[2])) for row in rows
        ]
        inside = [n for n in found if n.separation_arcmin <= radius_arcmin]
        return sorted(inside, key=lambda n: n.separation_arcmin)[:limit]

    def put(
        self,
        galaxies: list[Galaxy],
        *,
        name: str | None = None,
        cone: tuple[float, float, float] | None = None,
    ) -> None:
        """Store galaxies; ``name`` → the first of them; ``cone`` remembered as asked."""
        now = time.time()
        with self._lock, self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO galaxies VALUES (?, ?, ?, ?, ?)",
                [(g.pgc, g.ra, g.dec, _to_json(g), now) for g in galaxies],
            )
            self._db.executemany("DELETE FROM absent WHERE pgc = ?", [(g.pgc,) for g in galaxies])
            self._db.executemany(
                "INSERT OR IGNORE INTO names VALUES (?, ?)",
                [(names.normalise(n), g.pgc) for g in galaxies for n in g.names],
            )
            if name is not None and galaxies:
                self._db.execute(
                    "INSERT OR REPLACE INTO names VALUES (?, ?)",
                    (names.normalise(name), galaxies[0].pgc),
                )
            if cone is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO cones VALUES (?, ?)", (cone_key(*cone), now)
                )

    def put_absent(self, pgc: int) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO absent VALUES (?, ?)", (pgc, time.time()))
