"""A VizieR stand-in serving HyperLEDA's PGC catalogue (VII/237) on loopback, as astroquery asks it.

astroquery's VizieR client POSTs a script to ``/viz-bin/votable``: ``key=value`` lines such as
``-source=VII/237/pgc``, ``-out=PGC,MType,…``, ``-out.add=_RAJ2000,_DEJ2000``, a column
constraint (``PGC=676``) or a cone (``-c=10.68470833+41.26875000`` and ``-c.rm=1.0``). The
stand-in answers a VOTable 1.4 document with the rows that match (none: a table without rows),
from a small set of galaxies (``SAMPLE``; values illustrative, in VII/237's units: log D25 in
0.1 arcmin, log R25 of major/minor, position angle in degrees).

Failure modes (``standins.server``): ``down``, ``slow``, ``garbage`` and ``fail_next``, at start
(``--mode``) or at run time (``GET /standin/mode?mode=…``).

Run: ``python -m standins.vizier --port 8093``.
"""

import io
import math
import re
from dataclasses import dataclass

import numpy as np
from astropy.io.votable import from_table
from astropy.table import MaskedColumn, Table

from standins.server import Answer, Routes, Standin, cli

VOTABLE_PATH = "/viz-bin/votable"
CATALOG = "VII/237/pgc"


@dataclass(frozen=True)
class PGCRow:
    pgc: int
    ra: float
    dec: float
    mtype: str = ""
    log_d25: float = math.nan
    log_r25: float = math.nan
    pa: float = math.nan
    anames: str = ""


SAMPLE: tuple[PGCRow, ...] = (
    # Galaxies absent from OpenNGC (positions and sizes illustrative).
    PGCRow(676, 2.5432, 23.1001, "Sbc", 1.05, 0.62, 47.0, "TESTGAL-676,TESTGAL-676B"),
    PGCRow(4000001, 150.2000, 2.2000, "Sc", 1.10, 0.30, 120.0, "TESTGAL-N1"),
    PGCRow(4000002, 30.0000, -75.0000, "Sa", 0.90, 0.10, 10.0, "TESTGAL-S1"),
    PGCRow(4000003, 12.0000, -45.0000, "Sd", 0.80, math.nan, math.nan, ""),
    PGCRow(4000004, 200.0000, 60.0000, "", math.nan, math.nan, math.nan, ""),
)


def separation_deg(ra1: float, dec1: float, ra2: float, dec2: float) -> float:
    phi1, phi2 = math.radians(dec1), math.radians(dec2)
    d_phi, d_lambda = phi2 - phi1, math.radians(ra2 - ra1)
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return math.degrees(2 * math.asin(min(1.0, math.sqrt(h))))


def parse_script(body: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in body.splitlines():
        key, _, value = line.partition("=")
        if key:
            fields[key.strip()] = value.strip()
    return fields


_RADIUS_UNITS = {"-c.rd": 1.0, "-c.rm": 1 / 60.0, "-c.rs": 1 / 3600.0}


def select(rows: tuple[PGCRow, ...], fields: dict[str, str]) -> list[PGCRow]:
    """The rows the script asks for: a PGC constraint, a cone, or both."""
    chosen = list(rows)
    if "PGC" in fields:
        number = int(fields["PGC"].lstrip("="))
        chosen = [r for r in chosen if r.pgc == number]
    if "-c" in fields:
        match = re.fullmatch(r"([0-9.]+)([+-][0-9.]+)", fields["-c"])
        if match is None:
            raise ValueError(f"cannot read the position {fields['-c']!r}")
        ra, dec = float(match[1]), float(match[2])
        radius = next(
            (float(fields[k]) * f for k, f in _RADIUS_UNITS.items() if k in fields), 1 / 60
        )
        chosen = [r for r in chosen if separation_deg(ra, dec, r.ra, r.dec) <= radius]
    return chosen[: int(fields.get("-out.max", "50"))]


def votable(rows: list[PGCRow]) -> bytes:
    """The VOTable VizieR sends: one table named after the catalogue, masked empty cells."""

    def floats(values: list[float]) -> MaskedColumn:
        array = np.array(values, dtype=np.float64)
        return MaskedColumn(array, mask=np.isnan(array))

    table = Table()
    table["PGC"] = np.array([r.pgc for r in rows], dtype=np.int32)
    table["MType"] = np.array([r.mtype for r in rows], dtype="U5")
    table["logD25"] = floats([r.log_d25 for r in rows])
    table["logR25"] = floats([r.log_r25 for r in rows])
    table["PA"] = floats([r.pa for r in rows])
    table["ANames"] = np.array([r.anames for r in rows], dtype="U60")
    table["_RAJ2000"] = np.array([r.ra for r in rows], dtype=np.float64)
    table["_DEJ2000"] = np.array([r.dec for r in rows], dtype=np.float64)
    document = from_table(table)
    document.get_first_table().name = CATALOG
    buffer = io.BytesIO()
    # The Python TABLEDATA writer: astropy 8.0.2's C one corrupts the heap (astropy issue 20419).
    document.to_xml(buffer, _debug_python_based_parser=True)
    return buffer.getvalue()


def routes(rows: tuple[PGCRow, ...]) -> Routes:
    def answer(path: str, query: dict[str, str], body: bytes) -> Answer:
        try:
            chosen = select(rows, parse_script(body.decode()))
        except ValueError as exc:
            return Answer(400, f"bad request: {exc}".encode(), "text/plain")
        return Answer(200, votable(chosen), "text/xml")

    return {VOTABLE_PATH: ("vizier", answer)}


class StandinVizier(Standin):
    """``with StandinVizier() as vizier: vizier.url`` (set ``CATALOG_VIZIER_URL`` to it)."""

    def __init__(
        self, rows: tuple[PGCRow, ...] = SAMPLE, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(routes(rows), ["vizier"], host, port)


def main(argv: list[str] | None = None) -> None:
    cli(__doc__, 8093, lambda host, port: StandinVizier(host=host, port=port), argv)


if __name__ == "__main__":
    main()
