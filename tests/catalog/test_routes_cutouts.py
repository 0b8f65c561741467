"""``/cutouts`` over real HTTP: ``python -m catalog`` against the stand-in SkyServer."""

import hashlib
import io
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from PIL import Image

from catalog.store import cutout_key
from standins.skyserver import StandinSkyServer
from tests.catalog.conftest import SKYSERVER_TIMEOUT_S, CatalogService
from tests.catalog.test_routes_galaxies import problem


def cutout(service: CatalogService, **params: str | float) -> httpx.Response:
    return service.client.get("/cutouts", params=params)


def test_miss_then_hit_from_the_store(service: CatalogService, sky: StandinSkyServer) -> None:
    before = sky.requests()
    first = cutout(service, name="NGC 4594")  # Sombrero: 8.45' major axis
    assert first.status_code == 200, first.text
    assert first.headers["content-type"] == "image/jpeg"
    assert first.headers["x-cutout-cache"] == "miss"
    assert sky.requests() == before + 1
    second = cutout(service, pgc=42407)
    assert second.headers["x-cutout-cache"] == "hit"
    assert second.content == first.content
    assert sky.requests() == before + 1
    digest = hashlib.sha256(first.content).hexdigest()
    assert first.headers["x-cutout-sha256"] == second.headers["x-cutout-sha256"] == digest
    key = cutout_key(first.headers["x-cutout-source-url"])
    stored = service.data_dir / "cutouts" / "sdss" / key[:2] / f"{key}.jpg"
    assert stored.read_bytes() == first.content


def test_field_and_scale_of_a_galaxy(service: CatalogService, sky: StandinSkyServer) -> None:
    response = cutout(service, name="Sombrero")
    fov_arcsec = 1.5 * 8.45 * 60
    pixels = int(response.headers["x-cutout-pixels"])
    scale = float(response.headers["x-cutout-scale-arcsec"])
    assert pixels == round(fov_arcsec / 0.396)
    assert pixels * scale == pytest.approx(fov_arcsec, rel=1e-5)
    assert Image.open(io.BytesIO(response.content)).size == (pixels, pixels)
    source = urlsplit(response.headers["x-cutout-source-url"])
    assert source.path == "/dr19/SkyServerWS/ImgCutout/getjpeg"
    query = parse_qs(source.query)
    assert set(query) == {"ra", "dec", "scale", "width", "height"}
    assert float(query["ra"][0]) == pytest.approx(189.9976, abs=1e-3)


def test_big_galaxy_is_capped_at_2048_pixels(
    service: CatalogService, sky: StandinSkyServer
) -> None:
    response = cutout(service, pgc=2557)  # M31: 1.5 x 177.83'
    assert response.headers["x-cutout-pixels"] == "2048"
    assert float(response.headers["x-cutout-scale-arcsec"]) == pytest.approx(
        1.5 * 177.83 * 60 / 2048, abs=1e-5
    )


def test_by_position_and_field(service: CatalogService, sky: StandinSkyServer) -> None:
    response = cutout(service, ra="12h30m00s", dec="+12d00m00s", fov_arcmin=0.2)
    assert response.status_code == 200
    assert response.headers["x-cutout-pixels"] == "64"  # 12" at 0.396"/px would be 30 px
    query = parse_qs(urlsplit(response.headers["x-cutout-source-url"]).query)
    assert query["ra"] == ["187.500000"] and query["dec"] == ["12.000000"]


def test_outside_the_footprint_is_404(service: CatalogService, sky: StandinSkyServer) -> None:
    before = sky.requests()
    body = problem(cutout(service, name="LMC", survey="sdss"), 404)  # dec -69.8: not SDSS
    assert body["type"] == "https://incline.invalid/problems/outside-survey-footprint"
    assert "outside the SDSS survey footprint" in str(body["detail"])
    problem(cutout(service, name="LMC", survey="sdss"), 404)
    assert sky.requests() == before + 1  # remembered in the store


def test_skyserver_down_is_503_after_one_retry(
    service: CatalogService, sky: StandinSkyServer
) -> None:
    sky.set(mode="down")
    before = sky.requests()
    response = cutout(service, ra="150.5", dec="2.5", fov_arcmin=1)
    body = problem(response, 503)
    assert "SkyServer" in str(body["detail"])
    assert response.headers["retry-after"]
    assert sky.requests() == before + 2
    ready = service.client.get("/readyz")
    assert ready.status_code == 200  # lookups still work: degraded, not down
    assert ready.json()["checks"]["skyserver"]["status"] == "degraded"
    sky.set(mode="ok")
    assert cutout(service, ra="150.5", dec="2.5", fov_arcmin=1).status_code == 200
    assert service.client.get("/readyz").json()["checks"]["skyserver"]["status"] == "ok"


def test_one_failure_is_retried_away(service: CatalogService, sky: StandinSkyServer) -> None:
    sky.set(fail_next=1)
    before = sky.requests()
    response = cutout(service, ra="150.6", dec="2.5", fov_arcmin=1)
    assert response.status_code == 200
    assert sky.requests() == before + 2


def test_skyserver_slow_is_504_within_the_timeout(
    service: CatalogService, sky: StandinSkyServer
) -> None:
    sky.set(mode="slow", delay_s=SKYSERVER_TIMEOUT_S + 3)
    start = time.perf_counter()
    body = problem(cutout(service, ra="150.7", dec="2.5", fov_arcmin=1), 504)
    assert time.perf_counter() - start < SKYSERVER_TIMEOUT_S + 1.5
    assert "did not answer" in str(body["detail"])


def test_unknown_galaxy_is_404_before_any_fetch(
    service: CatalogService, sky: StandinSkyServer
) -> None:
    before = sky.requests()
    body = problem(cutout(service, name="Andromedaa"), 404)
    assert body["suggestions"] == ["Andromeda Galaxy"]
    problem(cutout(service, pgc=99999998), 404)
    assert sky.requests() == before


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"pgc": 2557, "name": "M31"},
        {"pgc": 2557, "ra": "10", "dec": "41"},
        {"ra": "10"},
        {"dec": "10"},
        {"pgc": "-1"},
        {"pgc": "abc"},
        {"pgc": str(10**12)},
        {"ra": "400", "dec": "10"},
        {"ra": "10", "dec": "100"},
        {"ra": "10", "dec": "41&width=99999"},
        {"ra": "10", "dec": "41", "fov_arcmin": "0"},
        {"ra": "10", "dec": "41", "fov_arcmin": "100000"},
        {"name": "M31\x00"},
        {"name": "x" * 10_000},
    ],
)
def test_bad_cutout_requests_are_422(
    service: CatalogService, sky: StandinSkyServer, params: dict[str, str]
) -> None:
    before = sky.requests()
    problem(service.client.get("/cutouts", params=params), 422)
    assert sky.requests() == before
