"""The public inclination endpoints, on the paths the original service's users already call."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile

from gateway.coordinates import DEC_FORMS, RA_FORMS, check_position, parse_dec, parse_ra
from gateway.dependencies import EstimatorDep, SettingsDep
from gateway.estimator import Answer
from gateway.openapi import FrameQuery, SurveyQuery, problem_responses
from gateway.schemas import EXAMPLE_RESULT, MIN_FOV_ARCMIN, InclinationResult
from gateway.settings import Copies
from gateway.uploads import read_upload
from servicekit.problems import Unprocessable

router = APIRouter(prefix="/api", tags=["inclination"])

CopiesQuery = Annotated[
    Copies | None,
    Query(description="Test-time copies of the image (default: the gateway's setting)."),
]


def _example(**changes: Any) -> dict[int | str, dict[str, Any]]:
    example = {**EXAMPLE_RESULT, **changes}
    return {200: {"content": {"application/json": {"example": example}}}}


def _position(ra: str, dec: str) -> tuple[float, float]:
    try:
        ra_deg, dec_deg = parse_ra(ra), parse_dec(dec)
        check_position(ra_deg, dec_deg)
    except ValueError as exc:
        raise Unprocessable(str(exc), title="Invalid coordinates") from exc
    return ra_deg, dec_deg


def _respond(answer: Answer, response: Response) -> InclinationResult:
    response.headers["X-Cache"] = answer.tier or "miss"
    return answer.result


@router.get(
    "/pgc/{pgc}",
    summary="Inclination of a galaxy by its PGC number",
    responses={**_example(), **problem_responses(404, 422, 503, 504)},
)
async def by_pgc(
    pgc: Annotated[
        int, Path(ge=1, le=99_999_999, description="PGC (LEDA) number", examples=[2557])
    ],
    estimator: EstimatorDep,
    response: Response,
    copies: CopiesQuery = None,
    survey: SurveyQuery = "auto",
) -> InclinationResult:
    return _respond(await estimator.by_pgc(pgc, copies, survey), response)


@router.get(
    "/objname/{name}",
    summary="Inclination of a galaxy by one of its names",
    description="Any name the catalog knows: NGC 224, M31, UGC 454, PGC 2557, Andromeda …",
    responses={**_example(query={"name": "M31"}), **problem_responses(404, 422, 503, 504)},
)
async def by_name(
    name: Annotated[str, Path(min_length=1, max_length=100, examples=["M31"])],
    estimator: EstimatorDep,
    response: Response,
    copies: CopiesQuery = None,
    survey: SurveyQuery = "auto",
) -> InclinationResult:
    return _respond(await estimator.by_name(name, copies, survey), response)


@router.get(
    "/coord",
    summary="Inclination of the catalog galaxy nearest to a position, or of a field",
    description=(
        "Without `fov`: the nearest catalog galaxy within `radius` arcmin (404 when none). "
        "With `fov` (arcmin): the field of that size centred on the position, no catalog "
        "galaxy needed."
    ),
    responses={
        **_example(query={"ra": 10.6847, "dec": 41.269, "radius": 5.0}),
        **problem_responses(404, 422, 503, 504),
    },
)
async def by_coord(
    ra: Annotated[
        str,
        Query(
            min_length=1,
            max_length=40,
            description=f"Right ascension (J2000): {RA_FORMS}",
            examples=["10.6847", "00h42m44.3s", "00:42:44.3"],
        ),
    ],
    dec: Annotated[
        str,
        Query(
            min_length=1,
            max_length=40,
            description=f"Declination (J2000): {DEC_FORMS}",
            examples=["41.269", "+41d16m09s", "+41:16:09"],
        ),
    ],
    estimator: EstimatorDep,
    response: Response,
    radius: Annotated[
        float | None, Query(gt=0.0, le=600.0, description="Search radius, arcmin")
    ] = None,
    fov: Annotated[
        float | None,
        Query(ge=MIN_FOV_ARCMIN, le=600.0, description="Field of view, arcmin"),
    ] = None,
    copies: CopiesQuery = None,
    survey: SurveyQuery = "auto",
) -> InclinationResult:
    ra_deg, dec_deg = _position(ra, dec)
    answer = await estimator.by_coord(
        ra_deg, dec_deg, radius=radius, fov=fov, copies=copies, survey=survey
    )
    return _respond(answer, response)


@router.post(
    "/file",
    summary="Inclination of the galaxy in an uploaded image",
    description=(
        "JPEG, PNG, GIF, TIFF or FITS in the multipart field `file`. By default (frame=auto) "
        "the service finds the galaxy — the brightest extended source, weighted towards the "
        "middle — and, when it lies off centre, measures a square of 1.5 diameters around it "
        "(image.framing in the answer says where). Best is still an image centred on the "
        "galaxy and cropped to about 1.5 times its diameter: a galaxy beside a brighter "
        "neighbour or a bright star can be taken for the other, and is then measured wrong."
    ),
    responses={
        **_example(
            query={"sha256": "5f1d0a…", "frame": "auto"},
            galaxy=None,
            image={
                "source": "upload",
                "sha256": "5f1d0a…",
                "filename": "ngc4565.jpg",
                "format": "JPEG",
                "width": 512,
                "height": 512,
                "framing": {
                    "mode": "auto",
                    "applied": True,
                    "square_px": [311.2, 30.5, 192.0],
                    "galaxy_px": [407.2, 126.5, 128.0],
                    "offset": 0.41,
                    "extent": 0.375,
                    "reason": "the galaxy is off centre: measured in a square of 1.5 "
                    "diameters around it",
                },
            },
        ),
        **problem_responses(400, 413, 415, 422, 503, 504),
    },
)
async def by_file(
    file: Annotated[UploadFile, File(description="The image")],
    estimator: EstimatorDep,
    settings: SettingsDep,
    response: Response,
    copies: CopiesQuery = None,
    frame: FrameQuery = None,
) -> InclinationResult:
    data = await read_upload(file, settings.max_upload_bytes)
    return _respond(await estimator.by_upload(data, file.filename, copies, frame), response)
