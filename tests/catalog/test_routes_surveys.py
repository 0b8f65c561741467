"""``/cutouts?survey=`` over real HTTP: ``python -m catalog`` against the stand-ins of SDSS
SkyServer (footprint dec >= -25), the Legacy Surveys viewer (-70…+84) and CDS hips2fits serving
Pan-STARRS1 (north of -30) and DSS2 (whole sky)."""

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from catalog.store import cutout_key
from standins.cutouts import StandinCutouts
from standins.skyserver import StandinSkyServer
from tests.catalog.conftest import SURVEY_TIMEOUT_S, CatalogService
from tests.catalog.test_routes_galaxies import problem

_fields = iter(range(1, 10_000))


def fresh_ra() -> str:
    """A position never asked before in this session (the store would answer otherwise)."""
    return f"{100.0 + next(_fields) * 0.01:.2f}"


def cutout(service: CatalogService, **params: str | float) -> httpx.Response:
    return service.client.get("/cutouts", params=params)


@pytest.fixture
def fine(sky: StandinSkyServer, surveys: StandinCutouts) -> Iterator[StandinCutouts]:
    """Every stand-in answering; each test leaves them answering."""
    yield surveys
    surveys.reset()


def test_openapi_offers_every_survey_on_cutouts(service: CatalogService) -> None:
    spec = service.client.get("/openapi.json").json()
    parameters = {p["name"]: p for p in spec["paths"]["/cutouts"]["get"]["parameters"]}
    schema = parameters["survey"]["schema"]
    assert set(schema["enum"]) == {"auto", "sdss", "legacy", "panstarrs", "dss"}
    assert schema["default"] == "auto"


@pytest.mark.parametrize(
    ("survey", "scale", "path"),
    [
        ("legacy", 0.262, "/viewer/cutout.jpg"),
        ("panstarrs", 0.25, "/hips-image-services/hips2fits"),
        ("dss", 1.0, "/hips-image-services/hips2fits"),
    ],
)
def test_legacy_panstarrs_dss_cutouts_name_survey_and_native_scale(
    service: CatalogService, fine: StandinCutouts, survey: str, scale: float, path: str
) -> None:
    before = fine.requests(survey)
    response = cutout(service, ra=fresh_ra(), dec="10", fov_arcmin=2, survey=survey)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["x-cutout-survey"] == survey
    assert float(response.headers["x-cutout-scale-arcsec"]) == pytest.approx(scale, rel=1e-3)
    assert int(response.headers["x-cutout-pixels"]) == round(120 / scale)
    assert float(response.headers["x-cutout-fov-arcmin"]) == pytest.approx(2.0)
    assert urlsplit(response.headers["x-cutout-source-url"]).path == path
    assert fine.requests(survey) == before + 1


def test_hips2fits_request_names_the_hips_and_the_field_in_degrees(
    service: CatalogService, fine: StandinCutouts
) -> None:
    response = cutout(service, ra=fresh_ra(), dec="-60", fov_arcmin=3, survey="dss")
    query = parse_qs(urlsplit(response.headers["x-cutout-source-url"]).query)
    assert query["hips"] == ["CDS/P/DSS2/color"] and query["format"] == ["jpg"]
    assert float(query["fov"][0]) == pytest.approx(3 / 60, rel=1e-5)
    assert query["width"] == query["height"] == ["180"]


def test_auto_takes_sdss_where_it_has_the_position(
    service: CatalogService, fine: StandinCutouts
) -> None:
    response = cutout(service, ra=fresh_ra(), dec="20", fov_arcmin=1)
    assert response.headers["x-cutout-survey"] == "sdss"


def test_auto_falls_through_a_blank_sdss_to_legacy(
    service: CatalogService, fine: StandinCutouts
) -> None:
    response = cutout(service, name="NGC 253")  # dec -25.3: black at SDSS's stand-in
    assert response.status_code == 200, response.text
    assert response.headers["x-cutout-survey"] == "legacy"
    again = cutout(service, name="NGC 253")
    assert again.headers["x-cutout-cache"] == "hit"
    assert again.headers["x-cutout-survey"] == "legacy"


def test_auto_far_south_skips_panstarrs_and_ends_at_dss(
    service: CatalogService, fine: StandinCutouts
) -> None:
    panstarrs = fine.requests("panstarrs")
    response = cutout(service, ra=fresh_ra(), dec="-80", fov_arcmin=1)
    assert response.status_code == 200, response.text
    assert response.headers["x-cutout-survey"] == "dss"
    assert fine.requests("panstarrs") == panstarrs  # south of -30: not asked at all


def test_panstarrs_south_of_its_limit_is_404_without_asking(
    service: CatalogService, fine: StandinCutouts
) -> None:
    before = fine.requests("panstarrs")
    body = problem(cutout(service, ra=fresh_ra(), dec="-45", fov_arcmin=1, survey="panstarrs"), 404)
    assert "Pan-STARRS1" in str(body["detail"])
    assert fine.requests("panstarrs") == before


def test_legacy_blank_answer_is_404_outside_its_footprint(
    service: CatalogService, fine: StandinCutouts
) -> None:
    body = problem(cutout(service, ra=fresh_ra(), dec="-80", fov_arcmin=1, survey="legacy"), 404)
    assert body["type"] == "https://incline.invalid/problems/outside-survey-footprint"
    assert body["surveys"] == ["legacy"]


def test_legacy_down_is_503_after_one_retry(service: CatalogService, fine: StandinCutouts) -> None:
    fine.set("legacy", mode="down")
    before = fine.requests("legacy")
    response = cutout(service, ra=fresh_ra(), dec="5", fov_arcmin=1, survey="legacy")
    body = problem(response, 503)
    assert body["survey"] == "legacy" and "Legacy Surveys" in str(body["detail"])
    assert response.headers["retry-after"]
    assert fine.requests("legacy") == before + 2
    ready = service.client.get("/readyz").json()["checks"]["surveys"]
    assert ready["status"] == "degraded"


def test_panstarrs_slow_is_504_within_the_timeout(
    service: CatalogService, fine: StandinCutouts
) -> None:
    fine.set("panstarrs", mode="slow", delay_s=SURVEY_TIMEOUT_S + 2)
    response = cutout(service, ra=fresh_ra(), dec="5", fov_arcmin=1, survey="panstarrs")
    body = problem(response, 504)
    assert "hips2fits" in str(body["detail"])
    assert response.elapsed.total_seconds() < SURVEY_TIMEOUT_S + 1.5


def test_dss_garbage_is_502(service: CatalogService, fine: StandinCutouts) -> None:
    fine.set("dss", mode="garbage")
    body = problem(cutout(service, ra=fresh_ra(), dec="5", fov_arcmin=1, survey="dss"), 502)
    assert body["type"] == "https://incline.invalid/problems/survey-bad-answer"
    assert "not a JPEG" in str(body["detail"])


def test_auto_does_not_hide_a_failing_survey(
    service: CatalogService, sky: StandinSkyServer, fine: StandinCutouts
) -> None:
    """Only a blank answer falls through; a survey that is down is the answer (503)."""
    fine.set("legacy", mode="down")
    problem(cutout(service, ra=fresh_ra(), dec="-40", fov_arcmin=1), 503)


def test_the_store_is_keyed_by_survey(service: CatalogService, fine: StandinCutouts) -> None:
    ra = fresh_ra()
    paths = {}
    for survey in ("sdss", "legacy", "dss"):
        response = cutout(service, ra=ra, dec="10", fov_arcmin=1, survey=survey)
        key = cutout_key(response.headers["x-cutout-source-url"])
        paths[survey] = service.data_dir / "cutouts" / survey / key[:2] / f"{key}.jpg"
        assert paths[survey].read_bytes() == response.content
    assert len(set(paths.values())) == 3


def test_an_unknown_survey_is_422(service: CatalogService) -> None:
    problem(cutout(service, ra="10", dec="10", survey="hubble"), 422)
