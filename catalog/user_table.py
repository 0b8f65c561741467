"""A user-supplied HyperLEDA-style table (CSV) that extends or overrides the embedded catalog.

Columns (header row, case-insensitive, any order; ``,`` ``;`` ``|`` or tab separated; lines
starting with ``#`` are comments; an empty cell means "unknown"):

=========  ================================================================================
pgc        PGC number, positive integer (required)
objname    a designation (e.g. ``UGC12158``); indexed as a name, optional
ra         right ascension J2000 in decimal **degrees** [0, 360) — or ``al2000`` in hours
dec        declination J2000 in decimal degrees [-90, 90] (``de2000`` is accepted too)
logd25     log10 of the D25 isophotal diameter in units of 0.1 arcmin (HyperLEDA's unit)
logr25     log10 of the axis ratio major/minor (≥ 0)
pa         position angle of the major axis, degrees east of north
t          de Vaucouleurs numerical morphological type (-5 E … 10 Im)
=========  ================================================================================

Major axis = 0.1 x 10^logd25 arcmin; minor axis = major / 10^logr25.
"""

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path

from catalog.galaxy import hubble_type_from_t, leda_axes

COLUMN_ALIASES = {"al2000": "ra_hours", "de2000": "dec", "name": "objname"}
MAX_PGC = 100_000_000


class UserTableError(ValueError):
    """The table cannot be used at all (missing file, no header, no pgc column)."""


@dataclass(frozen=True, slots=True)
class UserRow:
    line: int
    pgc: int
    objname: str | None
    ra: float | None
    dec: float | None
    major_axis_arcmin: float | None
    minor_axis_arcmin: float | None
    position_angle_deg: float | None
    hubble_type: str | None


@dataclass
class UserTable:
    path: Path
    rows: list[UserRow] = field(default_factory=list)
    # (line number, reason) of rows left out; the service logs them and starts without them.
    rejected: list[tuple[int, str]] = field(default_factory=list)


def _number(cells: dict[str, str], column: str) -> float | None:
    text = cells.get(column, "").strip()
    if not text:
        return None
    value = float(text)  # ValueError names the cell
    if not math.isfinite(value):
        raise ValueError(f"{column} is not a finite number: {text!r}")
    return value


def parse_row(line: int, cells: dict[str, str]) -> UserRow:
    pgc_text = cells.get("pgc", "").strip()
    if not pgc_text.isdigit() or not 0 < int(pgc_text) < MAX_PGC:
        raise ValueError(f"pgc must be a positive integer below {MAX_PGC}, got {pgc_text!r}")
    ra = _number(cells, "ra")
    ra_hours = _number(cells, "ra_hours")
    if ra is None and ra_hours is not None:
        ra = ra_hours * 15.0
    dec = _number(cells, "dec")
    if ra is not None and not 0.0 <= ra < 360.0:
        raise ValueError(f"ra must be in [0, 360) degrees, got {ra}")
    if dec is not None and not -90.0 <= dec <= 90.0:
        raise ValueError(f"dec must be in [-90, 90] degrees, got {dec}")
    if (ra is None) != (dec is None):
        raise ValueError("give both ra and dec, or neither")
    logd25, logr25 = _number(cells, "logd25"), _number(cells, "logr25")
    if logr25 is not None and logr25 < 0:
        raise ValueError(f"logr25 = log10(major/minor) cannot be negative, got {logr25}")
    major, minor = leda_axes(logd25, logr25)
    pa = _number(cells, "pa")
    t = _number(cells, "t")
    objname = " ".join(cells.get("objname", "").split()) or None
    return UserRow(
        line=line,
        pgc=int(pgc_text),
        objname=objname,
        ra=ra,
        dec=dec,
        major_axis_arcmin=major,
        minor_axis_arcmin=minor,
        position_angle_deg=pa % 180.0 if pa is not None else None,
        hubble_type=hubble_type_from_t(t) if t is not None else None,
    )


def _data_lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line)
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def parse(text: str, path: Path) -> UserTable:
    lines = _data_lines(text)
    if not lines:
        raise UserTableError(f"{path}: no header row")
    header_line = lines[0][1]
    delimiter = max(",;|\t", key=header_line.count)
    header = next(csv.reader([header_line], delimiter=delimiter))
    columns = [COLUMN_ALIASES.get(c.strip().lower(), c.strip().lower()) for c in header]
    if "pgc" not in columns:
        raise UserTableError(f"{path}: the header has no 'pgc' column (found {header})")
    table = UserTable(path=path)
    for number, line in lines[1:]:
        cells = next(csv.reader([line], delimiter=delimiter))
        try:
            table.rows.append(parse_row(number, dict(zip(columns, cells, strict=False))))
        except ValueError as exc:
            table.rejected.append((number, str(exc)))
    return table


def load(path: Path) -> UserTable:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserTableError(f"cannot read the user table {path}: {exc}") from exc
    return parse(text, path)
