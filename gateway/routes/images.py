"""Images for the web page (and for a person auditing an answer): the cutout the catalog
stored, and the 128x128 image the network saw."""

from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile

from gateway.dependencies import EstimatorDep, SettingsDep
from gateway.estimator import cutout_params
from gateway.openapi import FrameQuery, SurveyQuery, problem_responses
from gateway.schemas import MIN_FOV_ARCMIN
from gateway.uploads import read_upload

router = APIRouter(prefix="/api", tags=["images"])

PgcQuery = Annotated[int | None, Query(ge=1, le=99_999_999, description="PGC number")]
NameQuery = Annotated[str | None, Query(min_length=1, max_length=100, description="Galaxy name")]
RaQuery = Annotated[float | None, Query(ge=0.0, lt=360.0, description="Right ascension, deg")]
DecQuery = Annotated[float | None, Query(ge=-90.0, le=90.0, description="Declination, deg")]
FovQuery = Annotated[
    float | None,
    Query(ge=MIN_FOV_ARCMIN, le=600.0, description="Field of view, arcmin"),
]


def _image(media_type: str, description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    }


@router.get(
    "/cutout",
    summary="The survey cutout of a galaxy or field (from the catalog's store)",
    response_class=Response,
    responses={
        **_image("image/jpeg", "The cutout; X-Cutout-* headers say where it came from"),
        **problem_responses(404, 422, 503, 504),
    },
)
async def cutout(
    estimator: EstimatorDep,
    pgc: PgcQuery = None,
    name: NameQuery = None,
    ra: RaQuery = None,
    dec: DecQuery = None,
    fov: FovQuery = None,
    survey: SurveyQuery = "auto",
) -> Response:
    image = await estimator.cutout(cutout_params(pgc, name, ra, dec, fov, survey))
    headers = {"Cache-Control": "public, max-age=86400"}
    for header, value in (
        ("X-Cutout-Survey", image.survey),
        ("X-Cutout-Fov-Arcmin", image.fov_arcmin),
        ("X-Cutout-Source-URL", image.source_url),
        ("X-Cutout-SHA256", image.sha256),
        ("X-Cutout-Scale-Arcsec", image.scale_arcsec),
        ("X-Cutout-Pixels", image.pixels),
    ):
        if value is not None:
            headers[header] = str(value)
    return Response(image.data, media_type=image.media_type, headers=headers)


@router.get(
    "/preview",
    summary="The 128x128 image the network sees for a galaxy or field",
    response_class=Response,
    responses={**_image("image/png", "PNG, 128x128"), **problem_responses(404, 422, 503, 504)},
)
async def preview_of_cutout(
    estimator: EstimatorDep,
    pgc: PgcQuery = None,
    name: NameQuery = None,
    ra: RaQuery = None,
    dec: DecQuery = None,
    fov: FovQuery = None,
    survey: SurveyQuery = "auto",
) -> Response:
    image = await estimator.cutout(cutout_params(pgc, name, ra, dec, fov, survey))
    png = await estimator.preview(image.data)
    return Response(png, media_type="image/png", headers={"Cache-Control": "public, max-age=3600"})


@router.post(
    "/preview",
    summary="The 128x128 image the network sees for an uploaded image",
    response_class=Response,
    responses={
        **_image("image/png", "PNG, 128x128"),
        **problem_responses(400, 413, 415, 422, 503, 504),
    },
)
async def preview_of_upload(
    file: Annotated[UploadFile, File(description="The image")],
    estimator: EstimatorDep,
    settings: SettingsDep,
    frame: FrameQuery = None,
) -> Response:
    data = await read_upload(file, settings.max_upload_bytes)
    png = await estimator.preview(data, frame or settings.upload_frame)
    return Response(png, media_type="image/png")
