"""The in-memory catalog: galaxies indexed by PGC, by every normalised name, and on the sky."""

import dataclasses
import difflib
import math
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt

from catalog import names
from catalog.galaxy import Galaxy, Neighbour
from catalog.openngc import OpenNGCLoad
from catalog.user_table import UserRow, UserTable

# Name families offered as suggestions (survey designations such as 2MASX or SDSS J… are still
# looked up, but a near miss on them is not a helpful suggestion).
_SUGGESTED_PREFIXES = ("M", "NGC", "IC", "UGC", "PGC", "ESO")
_SUGGESTION_CUTOFF = 0.75


def unit_vectors(ra_deg: npt.ArrayLike, dec_deg: npt.ArrayLike) -> npt.NDArray[np.float64]:
    ra = np.radians(np.asarray(ra_deg, dtype=np.float64))
    dec = np.radians(np.asarray(dec_deg, dtype=np.float64))
    cos_dec = np.cos(dec)
    return np.stack([cos_dec * np.cos(ra), cos_dec * np.sin(ra), np.sin(dec)], axis=-1)


class Catalog:
    """Read-only after construction; every lookup is a dict access or one vector product."""

    def __init__(
        self,
        galaxies: Iterable[Galaxy],
        *,
        extra_names: Iterable[tuple[str, str]] = (),
        aliases: Mapping[str, str] = names.ALIASES,
    ) -> None:
        by_pgc: dict[int, Galaxy] = {}
        for galaxy in galaxies:
            by_pgc[galaxy.pgc] = galaxy  # later sources (the user table) override earlier ones
        self._by_name: dict[str, int] = {}
        # Suggestable keys bucketed by first character, each with a display name.
        self._suggestions: dict[str, dict[str, str]] = {}
        # A name two galaxies share goes to the first OpenNGC one, unless the user table gives
        # it: the user's table overrides OpenNGC. "PGC n" always goes to galaxy n.
        for galaxy in sorted(by_pgc.values(), key=lambda g: g.source == "user_table"):
            for name in galaxy.names:
                key = names.normalise(name)
                if galaxy.source == "user_table":
                    self._by_name[key] = galaxy.pgc
                else:
                    self._by_name.setdefault(key, galaxy.pgc)
                self._add_suggestion(key, name)
        for number in by_pgc:
            self._by_name[f"PGC{number}"] = number
        # Duplicate designations and common-name aliases become names of the galaxy they point to.
        added: dict[int, list[str]] = {}
        pairs = [*extra_names, *aliases.items()]
        for extra, target in pairs:
            owner = self._by_name.get(names.normalise(target))
            if owner is None:
                continue
            key = names.normalise(extra)
            self._by_name[key] = owner
            self._add_suggestion(key, extra)
            added.setdefault(owner, []).append(extra)
        for pgc, extras in added.items():
            galaxy = by_pgc[pgc]
            known = {names.normalise(n) for n in galaxy.names}
            fresh = [n for n in dict.fromkeys(extras) if names.normalise(n) not in known]
            if fresh:
                by_pgc[pgc] = dataclasses.replace(galaxy, names=(*galaxy.names, *fresh))
        self._by_pgc = by_pgc
        # Spatial index: unit vectors sorted by declination. A cone of radius r only holds
        # galaxies with |dec - dec0| <= r, so a binary search bounds the rows to compare.
        ordered = sorted(by_pgc.values(), key=lambda g: g.dec)
        self._decs = np.array([g.dec for g in ordered], dtype=np.float64)
        self._pgcs = np.array([g.pgc for g in ordered], dtype=np.int64)
        self._vectors = unit_vectors([g.ra for g in ordered], self._decs)

    def _add_suggestion(self, key: str, name: str) -> None:
        common = not any(c.isdigit() for c in key)
        if key and (common or key.startswith(_SUGGESTED_PREFIXES)):
            self._suggestions.setdefault(key[0], {}).setdefault(key, name)

    def __len__(self) -> int:
        return len(self._by_pgc)

    def count_by_source(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for galaxy in self._by_pgc.values():
            counts[galaxy.source] = counts.get(galaxy.source, 0) + 1
        return counts

    def by_pgc(self, pgc: int) -> Galaxy | None:
        return self._by_pgc.get(pgc)

    def by_name(self, name: str) -> Galaxy | None:
        pgc = self._by_name.get(names.normalise(name))
        return self._by_pgc[pgc] if pgc is not None else None

    def suggest(self, name: str, limit: int = 5) -> list[str]:
        """Display names close to ``name`` (difflib ratio ≥ 0.75), best first."""
        key = names.normalise(name)
        if not key or len(key) > 40:
            return []
        candidates = self._suggestions.get(key[0], {})
        close = difflib.get_close_matches(key, candidates, n=limit, cutoff=_SUGGESTION_CUTOFF)
        return list(dict.fromkeys(candidates[k] for k in close))

    def near(self, ra: float, dec: float, radius_arcmin: float, limit: int) -> list[Neighbour]:
        """Galaxies within ``radius_arcmin`` of (ra, dec), nearest first, at most ``limit``."""
        if not len(self._pgcs):
            return []
        radius_deg = min(radius_arcmin / 60.0, 180.0)
        band = radius_deg + 1e-9  # the dec band is a superset of the cone
        low = int(np.searchsorted(self._decs, dec - band, side="left"))
        high = int(np.searchsorted(self._decs, dec + band, side="right"))
        centre = unit_vectors(ra, dec)
        # Compare chords, not angles: exact for small separations, no arccos round-off.
        max_chord = 2.0 * math.sin(math.radians(radius_deg) / 2.0)
        difference = self._vectors[low:high] - centre
        chords = np.sqrt(np.einsum("ij,ij->i", difference, difference))
        inside = np.flatnonzero(chords <= max_chord)
        inside = inside[np.argsort(chords[inside], kind="stable")][:limit]
        separations = np.degrees(2.0 * np.arcsin(np.minimum(chords[inside] / 2.0, 1.0))) * 60.0
        return [
            Neighbour(self._by_pgc[int(self._pgcs[low + i])], float(s))
            for i, s in zip(inside, separations, strict=True)
        ]


def _merged(row: UserRow, existing: Galaxy | None) -> Galaxy | None:
    """The user row over the OpenNGC record (its empty cells keep OpenNGC's values)."""
    row_names = [names.display(row.objname)] if row.objname else []
    if existing is None:
        if row.ra is None or row.dec is None:
            return None
        return Galaxy(
            pgc=row.pgc,
            names=tuple(dict.fromkeys([*row_names, f"PGC {row.pgc}"])),
            ra=row.ra,
            dec=row.dec,
            major_axis_arcmin=row.major_axis_arcmin,
            minor_axis_arcmin=row.minor_axis_arcmin,
            position_angle_deg=row.position_angle_deg,
            hubble_type=row.hubble_type,
            source="user_table",
        )

    major = (
        row.major_axis_arcmin if row.major_axis_arcmin is not None else existing.major_axis_arcmin
    )
    minor = existing.minor_axis_arcmin
    if row.minor_axis_arcmin is not None:
        minor = row.minor_axis_arcmin
    elif row.major_axis_arcmin is not None:
        minor = None  # a new major axis with OpenNGC's minor would be a made-up axial ratio
    pa = (
        row.position_angle_deg
        if row.position_angle_deg is not None
        else existing.position_angle_deg
    )
    hubble = row.hubble_type if row.hubble_type is not None else existing.hubble_type
    return dataclasses.replace(
        existing,
        names=tuple(dict.fromkeys([*existing.names, *row_names])),
        ra=row.ra if row.ra is not None else existing.ra,
        dec=row.dec if row.dec is not None else existing.dec,
        major_axis_arcmin=major,
        minor_axis_arcmin=minor,
        position_angle_deg=pa,
        hubble_type=hubble,
        source="user_table",
    )


def build(openngc: OpenNGCLoad, user_table: UserTable | None = None) -> Catalog:
    """OpenNGC first, then the user table's rows over it (rejects are added to the table's list)."""
    galaxies = {g.pgc: g for g in openngc.galaxies}
    if user_table is not None:
        for row in user_table.rows:
            merged = _merged(row, galaxies.get(row.pgc))
            if merged is None:
                user_table.rejected.append(
                    (row.line, f"PGC {row.pgc} is not in OpenNGC and the row has no ra/dec")
                )
                continue
            galaxies[row.pgc] = merged
    return Catalog(galaxies.values(), extra_names=openngc.duplicate_names)
