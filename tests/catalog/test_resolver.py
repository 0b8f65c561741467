"""The optional online resolver, against a Sesame stand-in on loopback (never the internet)."""

from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from devstack.processes import ServiceProcess, service_process
from standins.sesame import sesame_standin
from tests.catalog.test_routes_galaxies import problem

KNOWN = {
    "Andromeda Nebula": (10.68470833, 41.26875),  # M31, a name the embedded catalog lacks
    "Empty Field": (30.0, -30.0),  # known to Sesame, no catalog galaxy there
}


@pytest.fixture(scope="module")
def resolving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    root = tmp_path_factory.mktemp("catalog-resolver")
    with sesame_standin(KNOWN) as url:
        env = {
            "CATALOG_DATA_DIR": str(root),
            "CATALOG_ONLINE_RESOLVER": "true",
            "CATALOG_SESAME_URL": url,
            "CATALOG_ONLINE_RESOLVER_TIMEOUT_S": "3",
        }
        with service_process("catalog", env, root) as process:
            yield process


def by_name(process: ServiceProcess, name: str) -> httpx.Response:
    return httpx.get(f"{process.url}/galaxies/name/{quote(name, safe='')}", timeout=10)


def test_sesame_name_resolves_to_the_catalog_galaxy(resolving: ServiceProcess) -> None:
    response = by_name(resolving, "Andromeda Nebula")
    assert response.status_code == 200, response.text
    assert response.json()["pgc"] == 2557


def test_sesame_position_without_a_catalog_galaxy_is_404(resolving: ServiceProcess) -> None:
    body = problem(by_name(resolving, "Empty Field"), 404)
    assert "ra=30.00000" in str(body["detail"])


def test_unknown_to_sesame_is_404(resolving: ServiceProcess) -> None:
    body = problem(by_name(resolving, "Nowhere Galaxy"), 404)
    assert "Sesame does not know it" in str(body["detail"])


def test_embedded_names_never_ask_sesame(resolving: ServiceProcess) -> None:
    assert by_name(resolving, "M31").json()["pgc"] == 2557


def test_sesame_down_is_503(resolving: ServiceProcess) -> None:
    body = problem(by_name(resolving, "FAIL 1"), 503)
    assert "Sesame" in str(body["detail"])
