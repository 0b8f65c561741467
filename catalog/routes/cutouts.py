"""``/cutouts``: a survey JPEG of a galaxy (pgc or name) or of a field (ra, dec, fov_arcmin)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from catalog.cutouts import SurveyChoice
from catalog.deps import CutoutsDep, FinderDep
from catalog.lookup import MAX_PGC, position
from catalog.problems import InvalidGalaxyQuery

router = APIRouter(prefix="/cutouts", tags=["cutouts"])

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The JPEG, with X-Cutout-* headers",
        "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
    },
    404: {
        "description": "Unknown galaxy, or the position is outside the survey's footprint "
        "(with `survey=auto`: outside every survey's)",
        **PROBLEM,
    },
    422: {"description": "Not exactly one of pgc, name or ra+dec; or a bad value", **PROBLEM},
    502: {"description": "The survey answered something that is not a JPEG", **PROBLEM},
    503: {"description": "The survey's service is down (after one retry)", **PROBLEM},
    504: {"description": "The survey's service is too slow", **PROBLEM},
}


@router.get(
    "",
    summary="Survey cutout of a galaxy or a field",
    description=(
        "Give `pgc`, or `name`, or `ra` + `dec` (+ `fov_arcmin`). A galaxy's field is "
        "1.5 x its major axis; the pixel scale is the survey's native one unless the square "
        "side would leave 64…2048 px. `survey=auto` (default) takes SDSS where it has the "
        "position, then DESI Legacy Surveys DR10, then Pan-STARRS1 (north of -30°), then DSS2 "
        "colour (whole sky); `X-Cutout-Survey` names the one that answered. Repeated requests "
        "are served from the cutout store (`X-Cutout-Cache: hit`)."
    ),
    response_class=Response,
    responses=RESPONSES,
)
async def cutout(
    finder: FinderDep,
    cutouts: CutoutsDep,
    pgc: Annotated[int | None, Query(ge=1, lt=MAX_PGC, examples=[2557])] = None,
    name: Annotated[str | None, Query(max_length=200, examples=["M101"])] = None,
    ra: Annotated[str | None, Query(max_length=64, examples=["210.802"])] = None,
    dec: Annotated[str | None, Query(max_length=64, examples=["54.349"])] = None,
    fov_arcmin: Annotated[
        float | None, Query(gt=0, description="Field of view (side), arcmin", examples=[4.0])
    ] = None,
    survey: Annotated[
        SurveyChoice,
        Query(description="auto (SDSS, Legacy Surveys, Pan-STARRS1, DSS2 in turn) or one survey"),
    ] = "auto",
) -> Response:
    given = [label for label, value in (("pgc", pgc), ("name", name)) if value is not None]
    if ra is not None or dec is not None:
        given.append("ra/dec")
    if len(given) != 1:
        raise InvalidGalaxyQuery(
            "give exactly one of pgc, name, or ra and dec"
            + (f" (got {', '.join(given)})" if given else "")
        )
    if fov_arcmin is not None and fov_arcmin > cutouts.max_fov_arcmin:
        raise InvalidGalaxyQuery(
            f"fov_arcmin is at most {cutouts.max_fov_arcmin:g}, got {fov_arcmin:g}"
        )
    if pgc is not None or name is not None:
        galaxy = await finder.by_pgc(pgc) if pgc is not None else await finder.by_name(name or "")
        ra_deg, dec_deg = galaxy.ra, galaxy.dec
        fov = fov_arcmin if fov_arcmin is not None else cutouts.field_of(galaxy)
    else:
        if ra is None or dec is None:
            raise InvalidGalaxyQuery("give both ra and dec")
        ra_deg, dec_deg = position(ra, dec)
        fov = fov_arcmin if fov_arcmin is not None else cutouts.default_fov_arcmin
    result = await cutouts.cutout(ra_deg, dec_deg, fov, survey)
    return Response(
        content=result.data,
        media_type="image/jpeg",
        headers={
            "X-Cutout-Source-URL": result.source_url,
            "X-Cutout-SHA256": result.sha256,
            "X-Cutout-Survey": result.survey,
            "X-Cutout-Cache": "hit" if result.cache_hit else "miss",
            "X-Cutout-Scale-Arcsec": f"{result.geometry.scale_arcsec:.6f}",
            "X-Cutout-Pixels": str(result.geometry.pixels),
            "X-Cutout-Fov-Arcmin": f"{fov:.4f}",
            "Cache-Control": "public, max-age=86400",
        },
    )
