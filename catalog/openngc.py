"""Bulk load of OpenNGC's galaxies from the SQLite file shipped in the ``pyongc`` wheel.

One read-only query instead of ~10k ``pyongc.get()`` calls. Only type ``G`` rows with a PGC
(or LEDA) cross-identifier become records; OpenNGC's ``Dup`` rows (a second NGC/IC number for
the same object) become extra names of the galaxy they duplicate.
"""

import math
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyongc

from catalog import names
from catalog.galaxy import Galaxy

DATABASE = Path(pyongc.__file__).resolve().parent / "ongc.db"

_GALAXIES = """
SELECT name, ra, dec, majax, minax, pa, hubble, messier, ngc, ic, identifiers, commonnames
FROM objects WHERE type = 'G' ORDER BY id
"""
_DUPLICATES = "SELECT name, messier, ngc, ic FROM objects WHERE type = 'Dup' ORDER BY id"


@dataclass
class OpenNGCLoad:
    galaxies: list[Galaxy] = field(default_factory=list)
    # (extra name, a name of the galaxy it belongs to): Dup rows, resolved by the index.
    duplicate_names: list[tuple[str, str]] = field(default_factory=list)
    skipped_without_pgc: int = 0
    skipped_repeated_pgc: int = 0


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _cross_names(prefix: str, numbers: str | None) -> list[str]:
    return [f"{prefix} {int(n)}" for n in _split(numbers) if n.isdigit()]


def _float(value: float | int | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _positive(value: float | int | None) -> float | None:
    number = _float(value)
    return number if number is not None and number > 0 else None


def _ordered_names(primary: str, row: sqlite3.Row) -> tuple[list[str], int | None]:
    identifiers = [names.display(i) for i in _split(row["identifiers"])]
    pgc = next((n for n in map(names.pgc_number, identifiers) if n), None)
    leading = [names.display(primary)]
    leading += _cross_names("M", row["messier"])
    leading += _cross_names("NGC", row["ngc"]) + _cross_names("IC", row["ic"])
    ugc = [i for i in identifiers if i.startswith(("UGC ", "UGCA "))]
    pgcs = [f"PGC {pgc}"] if pgc else []
    others = [i for i in identifiers if i not in ugc and names.pgc_number(i) is None]
    ordered = [*leading, *ugc, *pgcs, *others, *_split(row["commonnames"])]
    return list(dict.fromkeys(ordered)), pgc


def _rows(database: Path, query: str) -> Iterator[sqlite3.Row]:
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        connection.row_factory = sqlite3.Row
        yield from connection.execute(query)
    finally:
        connection.close()


def load(database: Path = DATABASE) -> OpenNGCLoad:
    result = OpenNGCLoad()
    seen: set[int] = set()
    for row in _rows(database, _GALAXIES):
        ra, dec = _float(row["ra"]), _float(row["dec"])
        all_names, pgc = _ordered_names(row["name"], row)
        if pgc is None or ra is None or dec is None:
            result.skipped_without_pgc += 1
            continue
        if pgc in seen:
            result.skipped_repeated_pgc += 1
            continue
        seen.add(pgc)
        major = _positive(row["majax"])
        minor = _positive(row["minax"])
        pa = _float(row["pa"])
        result.galaxies.append(
            Galaxy(
                pgc=pgc,
                names=tuple(all_names),
                ra=math.degrees(ra) % 360.0,  # OpenNGC's SQLite stores radians
                dec=math.degrees(dec),
                major_axis_arcmin=major,
                minor_axis_arcmin=minor,
                position_angle_deg=pa % 180.0 if pa is not None else None,
                hubble_type=(row["hubble"] or None),
                source="openngc",
            )
        )
    for row in _rows(database, _DUPLICATES):
        targets = (
            _cross_names("NGC", row["ngc"])
            + _cross_names("IC", row["ic"])
            + _cross_names("M", row["messier"])
        )
        if targets:
            result.duplicate_names.append((names.display(row["name"]), targets[0]))
    return result
