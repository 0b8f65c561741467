"""``survey=`` through the gateway, over the real local stack (the stand-ins of SkyServer,
Legacy Surveys and hips2fits behind the catalog): the answer names the survey, pixel scale
and field, and the survey is part of the cache key."""

import json

import httpx
import pytest

from tests.gateway.conftest import Stack

pytestmark = pytest.mark.slow

NGC4565 = 42038  # dec +26: SDSS has it
NGC253 = 2789  # dec -25.3: black at the SDSS stand-in, so auto falls through to Legacy Surveys


def get(stack: Stack, path: str, **params: object) -> httpx.Response:
    return httpx.get(f"{stack.url}{path}", params=params, timeout=60)  # type: ignore[arg-type]


def test_legacy_survey_by_pgc_names_survey_scale_and_field(stack: Stack) -> None:
    response = get(stack, f"/api/pgc/{NGC4565}", survey="legacy")
    assert response.status_code == 200, response.text
    body = response.json()
    image = body["image"]
    assert image["source"] == "legacy"
    assert stack.surveys is not None
    assert image["url"].startswith(f"{stack.surveys.url}/viewer/cutout.jpg")
    major = body["galaxy"]["major_axis_arcmin"]
    assert image["fov_arcmin"] == pytest.approx(1.5 * major, rel=1e-3)
    assert image["scale_arcsec"] * image["pixels"] == pytest.approx(90 * major, rel=1e-3)
    assert image["cutout"] == f"/api/cutout?pgc={NGC4565}&survey=legacy"
    assert body["query"] == {"pgc": NGC4565, "survey": "legacy"}
    # The same galaxy by auto (SDSS) is another answer, never the cached Legacy one.
    sdss = get(stack, f"/api/pgc/{NGC4565}").json()
    assert sdss["image"]["source"] == "sdss"
    again = get(stack, f"/api/pgc/{NGC4565}", survey="legacy").json()
    assert again["image"]["source"] == "legacy" and again["cached"] is True


def test_auto_south_of_sdss_is_answered_from_legacy_surveys(stack: Stack) -> None:
    response = get(stack, f"/api/pgc/{NGC253}")
    assert response.status_code == 200, response.text
    assert response.json()["image"]["source"] == "legacy"


def test_dss_and_panstarrs_by_coordinates_and_objname(stack: Stack) -> None:
    dss = get(stack, "/api/coord", ra=33.3, dec=-80.0, fov=2.0)
    assert dss.status_code == 200, dss.text
    assert dss.json()["image"]["source"] == "dss"  # auto: SDSS and Legacy black, PS1 skipped
    panstarrs = get(stack, "/api/objname/NGC 4565", survey="panstarrs")
    assert panstarrs.status_code == 200, panstarrs.text
    assert panstarrs.json()["image"]["source"] == "panstarrs"
    image = get(stack, "/api/cutout", pgc=NGC4565, survey="panstarrs")
    assert image.status_code == 200 and image.headers["x-cutout-survey"] == "panstarrs"


def test_batch_takes_a_survey_for_all_and_per_item(stack: Stack) -> None:
    response = httpx.post(
        f"{stack.url}/api/batch",
        params={"survey": "dss"},
        json=[NGC4565, {"pgc": NGC4565, "survey": "legacy"}],
        timeout=120,
    )
    assert response.status_code == 200, response.text
    lines = [line for line in response.text.splitlines() if line]
    sources = [json.loads(line)["result"]["image"]["source"] for line in lines]
    assert sources == ["dss", "legacy"]


def test_a_survey_that_is_down_is_503(stack: Stack) -> None:
    stack.survey_mode("legacy", "down")
    try:
        response = get(stack, "/api/coord", ra=77.7, dec=5.0, fov=1.0, survey="legacy")
    finally:
        stack.survey_mode("legacy", "ok")
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_unknown_survey_is_422(stack: Stack) -> None:
    assert get(stack, f"/api/pgc/{NGC4565}", survey="hubble").status_code == 422


def test_pgc_676_on_the_offline_stack_says_online_lookups_are_off(stack: Stack) -> None:
    """PGC 676 is not in OpenNGC; the default stack has online lookups off."""
    response = get(stack, "/api/pgc/676")
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["online_lookup"] == "off"
    assert "online lookups are off" in body["detail"]
