"""HyperLEDA's PGC catalogue as VizieR serves it (VII/237), through astroquery's VizieR client.

Blocking calls (astroquery speaks ``requests``); ``catalog.online`` runs them in a thread with a
time-out, one retry and a circuit breaker. Each call ends in one of: a list of galaxies (maybe
empty: "not in the PGC"), ``RemoteDown`` (refused, reset, 5xx), ``RemoteSlow`` (no answer in
time) or ``RemoteGarbage`` (an answer that is not the VOTable VizieR sends).
"""

import functools
import math
from typing import Any

import numpy as np

from catalog.galaxy import Galaxy, leda_axes

# VII/237/pgc columns: PGC number, Hubble type, log D25 (0.1 arcmin), log R25 (major/minor),
# position angle, other names; _RAJ2000/_DEJ2000 are VizieR's computed positions in degrees.
COLUMNS = ["PGC", "MType", "logD25", "logR25", "PA", "ANames", "_RAJ2000", "_DEJ2000"]


class RemoteError(Exception):
    """The remote could not give an answer."""


class RemoteDown(RemoteError):
    pass


class RemoteSlow(RemoteError):
    pass


class RemoteGarbage(RemoteError):
    pass


def _number(value: Any) -> float | None:
    """A finite float from a table cell (masked or NaN cells are None)."""
    if value is None or np.ma.is_masked(value):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _text(value: Any) -> str:
    if value is None or np.ma.is_masked(value):
        return ""
    if isinstance(value, bytes):
        value = value.decode(errors="replace")
    return str(value).strip()


def row_to_galaxy(row: Any) -> Galaxy:
    """One VII/237 row → a Galaxy record (``source`` = hyperleda); ValueError when unusable."""
    pgc = _number(row["PGC"])
    ra, dec = _number(row["_RAJ2000"]), _number(row["_DEJ2000"])
    if pgc is None or ra is None or dec is None or not (0 < pgc < 100_000_000):
        raise ValueError("a row without a PGC number or a position")
    if not (0 <= ra < 360 and -90 <= dec <= 90):
        raise ValueError(f"a position out of range: {ra}, {dec}")
    log_d25, log_r25, pa = _number(row["logD25"]), _number(row["logR25"]), _number(row["PA"])
    if log_d25 is not None and log_d25 >= 4:  # over 1000 arcmin: not a galaxy's diameter
        log_d25 = None
    major, minor = leda_axes(log_d25, max(log_r25, 0.0) if log_r25 is not None else None)
    other = _text(row["ANames"])
    parts = other.split(",") if "," in other else other.split()
    aliases = [n.strip() for n in parts if n.strip()]
    number = int(pgc)
    names = tuple(dict.fromkeys([*aliases, f"PGC {number}"]))
    return Galaxy(
        pgc=number,
        names=names,
        ra=ra,
        dec=dec,
        major_axis_arcmin=major,
        minor_axis_arcmin=minor,
        position_angle_deg=pa % 180.0 if pa is not None else None,
        hubble_type=_text(row["MType"]) or None,
        source="hyperleda",
    )


@functools.cache
def _vizier_class() -> Any:
    from astroquery.vizier import VizierClass

    class Vizier(VizierClass):  # type: ignore[misc]
        """astroquery's client at a base URL (it otherwise builds https://<host>/viz-bin/…)."""

        def __init__(self, base_url: str, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.incline_base_url = base_url

        def _server_to_url(self, return_type: str = "votable") -> str:
            return f"{self.incline_base_url}/viz-bin/{return_type}"

    return Vizier


def warm_up() -> None:
    """Import astroquery and astropy.coordinates (seconds on a busy machine): done before a
    query's time-out starts, so the first lookup is not a 504 on import time."""
    _vizier_class()
    import astropy.coordinates  # noqa: F401


class VizierPGC:
    """Blocking VII/237 queries against ``base_url`` (VizieR or a mirror / stand-in)."""

    def __init__(self, base_url: str, catalog: str, timeout_s: float) -> None:
        self.base_url = base_url.rstrip("/")
        self.catalog = catalog
        self.timeout_s = timeout_s

    def _client(self) -> Any:
        # One client per call: requests sessions are not meant to be shared between threads.
        return _vizier_class()(
            self.base_url, columns=COLUMNS, catalog=self.catalog, row_limit=50,
            timeout=self.timeout_s,
        )  # fmt: skip

    def by_pgc(self, pgc: int) -> list[Galaxy]:
        vizier = self._client()
        return self._galaxies(vizier, vizier.query_constraints_async(PGC=str(pgc), cache=False))

    def near(self, ra: float, dec: float, radius_arcmin: float) -> list[Galaxy]:
        import astropy.units as u
        from astropy.coordinates import SkyCoord

        vizier = self._client()
        centre = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")
        return self._galaxies(
            vizier,
            vizier.query_region_async(centre, radius=radius_arcmin * u.arcmin, cache=False),
        )

    def _galaxies(self, vizier: Any, response: Any) -> list[Galaxy]:
        status = int(response.status_code)
        if status >= 500:
            raise RemoteDown(f"answered HTTP {status}")
        if status != 200:
            raise RemoteGarbage(f"answered HTTP {status}")
        if not bytes(response.content[:200]).lstrip().startswith(b"<?xml"):
            kind = response.headers.get("content-type", "unknown content")
            raise RemoteGarbage(f"answered {kind}, not a VOTable")
        try:
            tables = vizier._parse_result(response)
        except Exception as exc:
            raise RemoteGarbage(f"answered a VOTable that cannot be read: {exc}") from exc
        if tables is None or not hasattr(tables, "keys"):
            raise RemoteGarbage("answered something that is not a VOTable")
        galaxies: list[Galaxy] = []
        for name in tables.keys():  # noqa: SIM118 (a TableList)
            table = tables[name]
            missing = {"PGC", "_RAJ2000", "_DEJ2000"} - set(table.colnames)
            if missing:
                raise RemoteGarbage(f"answered a table without {', '.join(sorted(missing))}")
            for row in table:
                for column in COLUMNS:
                    if column not in table.colnames:
                        raise RemoteGarbage(f"answered a table without {column}")
                try:
                    galaxies.append(row_to_galaxy(row))
                except ValueError:
                    continue
        return galaxies


def call(function: Any, *args: Any) -> list[Galaxy]:
    """Run a blocking query, mapping the transport's failures onto RemoteDown / RemoteSlow."""
    import requests

    try:
        result: list[Galaxy] = function(*args)
    except requests.exceptions.ConnectTimeout as exc:
        raise RemoteDown("cannot be reached (connect timed out)") from exc
    except requests.exceptions.Timeout as exc:
        raise RemoteSlow("did not answer in time") from exc
    except requests.exceptions.RequestException as exc:
        raise RemoteDown(f"cannot be reached ({type(exc).__name__})") from exc
    return result
