"""``/galaxies``: lookups by PGC number, by name, and by position."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from catalog.deps import FinderDep, SettingsDep
from catalog.lookup import MAX_PGC
from catalog.names import MAX_NAME_LENGTH
from catalog.problems import InvalidGalaxyQuery
from catalog.schemas import GalaxyOut, NearOut, NeighbourOut

router = APIRouter(prefix="/galaxies", tags=["galaxies"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "Unknown galaxy (with close names as `suggestions`); `online_lookup` "
        "says whether HyperLEDA was asked (`asked`) or online lookups are off (`off`)",
        **PROBLEM,
    },
    422: {"description": "Not a valid PGC number, name or position", **PROBLEM},
    502: {"description": "The online catalog answered something unreadable", **PROBLEM},
    503: {"description": "The online catalog (or Sesame) is down: not asked", **PROBLEM},
    504: {"description": "The online catalog (or Sesame) is too slow", **PROBLEM},
}


@router.get(
    "/pgc/{pgc}",
    summary="A galaxy by its PGC number",
    responses=NOT_FOUND,
)
async def by_pgc(
    finder: FinderDep,
    pgc: Annotated[int, Path(ge=1, lt=MAX_PGC, description="PGC (LEDA) number", examples=[2557])],
) -> GalaxyOut:
    return GalaxyOut.from_galaxy(await finder.by_pgc(pgc))


@router.get(
    "/name/{name:path}",
    summary="A galaxy by name: M31, Messier 31, NGC 0224, UGC 454, PGC 2557, Andromeda…",
    responses=NOT_FOUND,
)
async def by_name(
    finder: FinderDep,
    name: Annotated[str, Path(description="Designation or common name", examples=["M31"])],
) -> GalaxyOut:
    if len(name) > MAX_NAME_LENGTH:  # checked before any normalisation work
        raise InvalidGalaxyQuery(f"a galaxy name is at most {MAX_NAME_LENGTH} characters")
    return GalaxyOut.from_galaxy(await finder.by_name(name))


@router.get(
    "/near",
    summary="Galaxies around a position, nearest first",
    responses={k: NOT_FOUND[k] for k in (422, 502, 503, 504)},
)
async def near(
    finder: FinderDep,
    settings: SettingsDep,
    ra: Annotated[
        str,
        Query(
            max_length=64,
            description="Right ascension: degrees (10.6847) or hours (00h42m44.3s, 00:42:44.3)",
            examples=["10.6847", "00h42m44.3s"],
        ),
    ],
    dec: Annotated[
        str,
        Query(
            max_length=64,
            description="Declination in degrees: 41.269, +41d16m09s or 41:16:09",
            examples=["41.269", "+41d16m09s"],
        ),
    ],
    radius: Annotated[
        float | None, Query(gt=0, description="Search radius, arcmin (default 5)")
    ] = None,
    limit: Annotated[int | None, Query(ge=1, description="At most this many results")] = None,
) -> NearOut:
    radius_arcmin = radius if radius is not None else settings.near_default_radius_arcmin
    if radius_arcmin > settings.near_max_radius_arcmin:
        raise InvalidGalaxyQuery(
            f"radius is at most {settings.near_max_radius_arcmin:g} arcmin, got {radius_arcmin:g}"
        )
    count = min(limit or settings.near_max_results, settings.near_max_results)
    ra_deg, dec_deg, found = await finder.near(ra, dec, radius_arcmin, count)
    return NearOut(
        ra=round(ra_deg, 6),
        dec=round(dec_deg, 6),
        radius_arcmin=radius_arcmin,
        results=[NeighbourOut.from_neighbour(n) for n in found],
    )
