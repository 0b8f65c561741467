"""Deterministic test inputs for the catalog: user tables and synthetic records."""

import math
from pathlib import Path

from catalog.galaxy import Galaxy

# A galaxy OpenNGC lacks (fictional PGC and name) and an override of M101 (PGC 50063).
NEW_PGC = 3_000_001
NEW_NAME = "TESTGAL 1"
NEW_RA, NEW_DEC = 150.25, 2.5
OVERRIDDEN_PGC = 50063  # M101 in OpenNGC: 23.99' x 23.07', PA 28
OVERRIDE_MAJOR, OVERRIDE_RATIO, OVERRIDE_PA = 30.0, 2.0, 40.0


def user_table_text() -> str:
    rows = [
        "# a HyperLEDA-style extract for the tests",
        "pgc,objname,ra,dec,logd25,logr25,pa,t",
        f"{NEW_PGC},{NEW_NAME},{NEW_RA},{NEW_DEC},{math.log10(10 * 1.2)},{math.log10(3.0)},120,4.1",
        f"{OVERRIDDEN_PGC},,,,{math.log10(10 * OVERRIDE_MAJOR)},{math.log10(OVERRIDE_RATIO)},"
        f"{OVERRIDE_PA},5",
    ]
    return "\n".join(rows) + "\n"


def write_user_table(folder: Path, text: str | None = None) -> Path:
    path = folder / "user-table.csv"
    path.write_text(user_table_text() if text is None else text)
    return path


def galaxy(pgc: int, name: str, ra: float, dec: float, **fields: object) -> Galaxy:
    values: dict[str, object] = {
        "major_axis_arcmin": 2.0,
        "minor_axis_arcmin": 1.0,
        "position_angle_deg": 30.0,
        "hubble_type": "Sb",
        "source": "user_table",
    }
    values.update(fields)
    return Galaxy(pgc=pgc, names=(name, f"PGC {pgc}"), ra=ra, dec=dec, **values)  # type: ignore[arg-type]
