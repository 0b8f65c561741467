"""Online lookups (``CATALOG_ONLINE_LOOKUPS=true``) over real HTTP: ``python -m catalog`` asking
the VizieR stand-in (HyperLEDA's VII/237, through astroquery) and the Sesame stand-in."""

import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest

from devstack.processes import service_process
from standins.cutouts import StandinCutouts
from standins.sesame import sesame_standin
from standins.skyserver import StandinSkyServer
from standins.vizier import StandinVizier
from tests.catalog.conftest import CatalogService
from tests.catalog.test_routes_galaxies import problem

ONLINE_TIMEOUT_S = 1.0
BREAKER_RESET_S = 1.5
SESAME = {
    "TESTGAL-N1": (150.2001, 2.2001),  # PGC 4000001 in the VizieR stand-in, not in OpenNGC
    "Andromeda Nebula": (10.68470833, 41.26875),  # M31: the embedded catalog matches it
    "Lonely Star": (45.0, 45.0),  # nothing in either catalog there
}


@dataclass
class Online:
    service: CatalogService
    vizier: StandinVizier

    def get(self, path: str, **params: str | float) -> httpx.Response:
        return self.service.client.get(path, params=params)

    def pgc(self, number: int) -> httpx.Response:
        return self.get(f"/galaxies/pgc/{number}")

    def name(self, name: str) -> httpx.Response:
        return self.get("/galaxies/name/" + quote(name, safe=""))

    def requests(self) -> int:
        return self.vizier.requests("vizier")

    def rest(self) -> None:
        """Let the circuit breaker close again after a test that opened it."""
        self.vizier.reset()
        time.sleep(BREAKER_RESET_S + 0.1)
        assert self.pgc(676).status_code == 200  # the probe that closes it


@pytest.fixture(scope="module")
def online_catalog(
    skyserver: StandinSkyServer,
    survey_standins: StandinCutouts,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Online]:
    root = tmp_path_factory.mktemp("catalog-online")
    with StandinVizier() as vizier, sesame_standin(SESAME) as sesame_url:
        env = {
            "CATALOG_DATA_DIR": str(root / "data"),
            "CATALOG_ONLINE_LOOKUPS": "true",
            "CATALOG_VIZIER_URL": vizier.url,
            "CATALOG_SESAME_URL": sesame_url,
            "CATALOG_ONLINE_TIMEOUT_S": str(ONLINE_TIMEOUT_S),
            "CATALOG_ONLINE_RESOLVER_TIMEOUT_S": "1",
            "CATALOG_ONLINE_RETRY_BACKOFF_S": "0.05",
            "CATALOG_ONLINE_BREAKER_RESET_S": str(BREAKER_RESET_S),
            "CATALOG_SKYSERVER_URL": skyserver.url,
            **survey_standins.environment(),
        }
        with (
            service_process("catalog", env, root) as process,
            httpx.Client(base_url=process.url, timeout=15.0) as client,
        ):
            yield Online(CatalogService(process, root / "data", client), vizier)


@pytest.fixture
def online(online_catalog: Online) -> Online:
    online_catalog.vizier.reset()
    return online_catalog


def test_vizier_finds_a_pgc_the_embedded_catalog_lacks(online: Online) -> None:
    response = online.pgc(4000001)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["source"] == "hyperleda"
    assert body["names"] == ["TESTGAL-N1", "PGC 4000001"]
    assert body["major_axis_arcmin"] == pytest.approx(0.1 * 10**1.10, abs=1e-3)
    assert body["axial_ratio"] == pytest.approx(10**-0.30, abs=1e-3)
    assert body["position_angle_deg"] == 120.0 and body["hubble_type"] == "Sc"


def test_vizier_answer_is_stored_the_second_lookup_is_offline(online: Online) -> None:
    assert online.pgc(4000003).status_code == 200
    before = online.requests()
    online.vizier.set("vizier", mode="down")
    again = online.pgc(4000003)
    assert again.status_code == 200 and again.json()["source"] == "hyperleda"
    assert online.requests() == before  # from SQLite, VizieR not asked
    assert (online.service.data_dir / "online-catalog.sqlite").is_file()


def test_vizier_embedded_galaxies_never_ask_hyperleda(online: Online) -> None:
    before = online.requests()
    assert online.pgc(2557).json()["source"] == "openngc"
    assert online.name("M101").status_code == 200
    assert online.requests() == before


def test_vizier_unknown_pgc_is_404_asked_and_remembered(online: Online) -> None:
    body = problem(online.pgc(3999999), 404)
    assert body["online_lookup"] == "asked"
    assert "HyperLEDA" in str(body["detail"])
    before = online.requests()
    problem(online.pgc(3999999), 404)
    assert online.requests() == before


def test_vizier_down_is_503_after_one_retry_then_the_breaker_saves_the_wait(
    online: Online,
) -> None:
    online.vizier.set("vizier", mode="down")
    before = online.requests()
    response = online.pgc(4000004)
    body = problem(response, 503)
    assert body["online_lookup"] == "unreachable" and "tried twice" in str(body["detail"])
    assert response.headers["retry-after"]
    assert online.requests() == before + 2
    # The breaker is open: the next lookup fails at once, VizieR is not asked.
    second = online.pgc(4000002)
    assert "not asked again" in str(problem(second, 503)["detail"])
    assert online.requests() == before + 2
    ready = online.get("/readyz").json()["checks"]["online"]
    assert ready["status"] == "degraded"
    online.rest()


def test_vizier_slow_is_504_within_the_timeout(online: Online) -> None:
    online.vizier.set("vizier", mode="slow", delay_s=ONLINE_TIMEOUT_S + 3)
    start = time.perf_counter()
    body = problem(online.pgc(4000002), 504)
    assert time.perf_counter() - start < ONLINE_TIMEOUT_S + 2.5
    assert body["online_lookup"] == "unreachable"
    online.rest()


def test_vizier_garbage_is_502(online: Online) -> None:
    online.vizier.set("vizier", mode="garbage")
    body = problem(online.pgc(4000002), 502)
    assert "not a VOTable" in str(body["detail"])
    online.rest()


def test_vizier_breaker_lets_a_probe_through_and_recovers(online: Online) -> None:
    online.vizier.set("vizier", mode="down")
    problem(online.pgc(4000002), 503)
    online.vizier.reset()
    problem(online.pgc(4000002), 503)  # still resting
    time.sleep(BREAKER_RESET_S + 0.1)
    assert online.pgc(4000002).status_code == 200
    assert online.get("/readyz").json()["checks"]["online"]["status"] == "ok"


def test_leda_pgc_designation_goes_to_hyperleda(online: Online) -> None:
    response = online.name("LEDA 676")
    assert response.status_code == 200, response.text
    assert response.json()["pgc"] == 676


def test_leda_name_through_sesame_then_from_the_store(online: Online) -> None:
    response = online.name("TESTGAL-N1")
    assert response.status_code == 200, response.text
    assert response.json()["pgc"] == 4000001
    before = online.requests()
    online.vizier.set("vizier", mode="down")
    again = online.name(" testgal-n1")
    assert again.status_code == 200, again.text
    assert again.json()["pgc"] == 4000001
    assert online.requests() == before


def test_leda_sesame_name_of_an_embedded_galaxy_stays_embedded(online: Online) -> None:
    body = online.name("Andromeda Nebula").json()
    assert body["pgc"] == 2557 and body["source"] == "openngc"


def test_leda_sesame_position_with_no_galaxy_is_404_asked(online: Online) -> None:
    body = problem(online.name("Lonely Star"), 404)
    assert body["online_lookup"] == "asked" and "HyperLEDA" in str(body["detail"])


def test_leda_sesame_slow_is_504(online: Online) -> None:
    body = problem(online.name("SLOW galaxy"), 504)
    assert "Sesame" in str(body["detail"])


def test_leda_near_a_position_the_embedded_catalog_has_nothing_at(online: Online) -> None:
    response = online.get("/galaxies/near", ra="30.0", dec="-75.0", radius=2)
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["galaxy"]["pgc"] for r in results] == [4000002]
    assert results[0]["galaxy"]["source"] == "hyperleda"
    before = online.requests()
    online.get("/galaxies/near", ra="30.0", dec="-75.0", radius=2)
    assert online.requests() == before


def test_leda_cutout_of_an_online_galaxy(online: Online) -> None:
    response = online.get("/cutouts", pgc=676)
    assert response.status_code == 200, response.text
    assert response.headers["x-cutout-survey"] == "sdss"
    major = 0.1 * 10**1.05
    assert float(response.headers["x-cutout-fov-arcmin"]) == pytest.approx(1.5 * major, abs=1e-3)
