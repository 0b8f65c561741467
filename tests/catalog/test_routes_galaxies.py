"""``/galaxies`` over real HTTP against ``python -m catalog``."""

from urllib.parse import quote

import httpx
import pytest

from catalog.galaxy import axial_ratio_inclination
from servicekit.problems import PROBLEM_MEDIA_TYPE
from tests.catalog.conftest import CatalogService
from tests.catalog.factories import NEW_DEC, NEW_NAME, NEW_PGC, NEW_RA, OVERRIDDEN_PGC

RECORD_FIELDS = {
    "pgc", "names", "ra", "dec", "major_axis_arcmin", "minor_axis_arcmin", "position_angle_deg",
    "hubble_type", "axial_ratio", "axial_ratio_inclination_deg", "source",
}  # fmt: skip


def problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)
    body = response.json()
    assert body["status"] == status and body["detail"] and body["type"] and body["title"]
    return dict(body)


def by_name(service: CatalogService, name: str) -> httpx.Response:
    return service.client.get("/galaxies/name/" + quote(name, safe=""))


def test_pgc_record_matches_the_contract(service: CatalogService) -> None:
    response = service.client.get("/galaxies/pgc/2557")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == RECORD_FIELDS
    assert body["pgc"] == 2557 and body["source"] == "openngc"
    assert body["names"][:4] == ["NGC 224", "M 31", "UGC 454", "PGC 2557"]
    assert body["ra"] == pytest.approx(10.6848, abs=1e-3)
    assert body["dec"] == pytest.approx(41.2690, abs=1e-3)
    assert body["axial_ratio"] == pytest.approx(69.66 / 177.83, abs=1e-4)
    expected = axial_ratio_inclination(69.66 / 177.83)
    assert body["axial_ratio_inclination_deg"] == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize(
    "spelling",
    ["M31", "Messier 31", "NGC224", "NGC 0224", "ngc 224", "UGC 454", "PGC 2557", "PGC2557",
     "LEDA 2557", "Andromeda", "Andrómeda", '"M31"'],
)  # fmt: skip
def test_name_spellings(service: CatalogService, spelling: str) -> None:
    response = by_name(service, spelling)
    assert response.status_code == 200, response.text
    assert response.json()["pgc"] == 2557


@pytest.mark.parametrize(
    ("name", "pgc"),
    [("IC 342", 13826), ("Sombrero", 42407), ("Whirlpool", 47404), ("Pinwheel", OVERRIDDEN_PGC),
     ("Triangulum", 5818), ("Black Eye", 44182), ("Cigar", 28655), ("Sunflower", 46153)],
)  # fmt: skip
def test_aliases(service: CatalogService, name: str, pgc: int) -> None:
    assert by_name(service, name).json()["pgc"] == pgc


@pytest.mark.parametrize("pgc", ["-1", "0", "abc", str(10**12), "1.5", "2557abc"])
def test_pgc_that_is_not_a_pgc_number_is_422(service: CatalogService, pgc: str) -> None:
    problem(service.client.get(f"/galaxies/pgc/{pgc}"), 422)


def test_pgc_676_offline_is_404_saying_online_lookups_are_off(service: CatalogService) -> None:
    """PGC 676 is not in OpenNGC; with online lookups off (the default) the answer says that
    HyperLEDA was not asked, so "does not exist" and "could not ask" are told apart."""
    body = problem(service.client.get("/galaxies/pgc/676"), 404)
    assert body["online_lookup"] == "off"
    assert "online lookups are off" in str(body["detail"])
    name = problem(by_name(service, "TESTGAL-676"), 404)
    assert name["online_lookup"] == "off"


def test_unknown_pgc_is_404(service: CatalogService) -> None:
    body = problem(service.client.get("/galaxies/pgc/99999998"), 404)
    assert "PGC 99999998" in str(body["detail"])


def test_unknown_name_suggests_close_names(service: CatalogService) -> None:
    body = problem(by_name(service, "Andromedaa"), 404)
    assert body["suggestions"] == ["Andromeda Galaxy"]
    assert "did you mean" in str(body["detail"])
    body = problem(by_name(service, "Whirlpol"), 404)
    assert "Whirlpool Galaxy" in body["suggestions"]  # type: ignore[operator]


def test_unknown_name_without_close_names(service: CatalogService) -> None:
    body = problem(by_name(service, "qqqzzzxxx"), 404)
    assert body["suggestions"] == []


@pytest.mark.parametrize(
    ("raw_path", "status"),
    [
        ("/galaxies/name/" + "x" * 10_000, 422),  # a 10 kB name
        ("/galaxies/name/M31%00", 422),  # NUL
        ("/galaxies/name/M%0A31", 404),  # a newline: no route matches
        ("/galaxies/name/..%2F..%2Fetc%2Fpasswd", 422),  # encoded path traversal
        ("/galaxies/name/%27%3B%20DROP%20TABLE%20objects%3B--", 404),  # quotes: just a name
        ("/galaxies/name/%E2%98%83", 422),  # a snowman: nothing a designation uses
        ("/galaxies/name/%F0%9F%8C%8C%20galaxy", 404),  # emoji + a word: no such name
        ("/galaxies/name/%20", 422),
    ],
)
def test_hostile_names_are_clean_problems(
    service: CatalogService, raw_path: str, status: int
) -> None:
    problem(service.client.get(raw_path), status)


def test_plain_path_traversal_never_reaches_a_file(service: CatalogService) -> None:
    response = service.client.get("/galaxies/name/../../etc/passwd")
    assert response.status_code in {404, 422}
    assert response.headers["content-type"].startswith(PROBLEM_MEDIA_TYPE)


def test_user_table_galaxy_by_pgc_name_and_position(service: CatalogService) -> None:
    record = service.client.get(f"/galaxies/pgc/{NEW_PGC}").json()
    assert record["source"] == "user_table" and record["names"] == [NEW_NAME, f"PGC {NEW_PGC}"]
    assert record["major_axis_arcmin"] == pytest.approx(1.2)
    assert record["axial_ratio"] == pytest.approx(1 / 3, abs=1e-4)
    assert by_name(service, NEW_NAME.lower()).json() == record
    near = service.client.get("/galaxies/near", params={"ra": NEW_RA, "dec": NEW_DEC, "radius": 1})
    assert near.json()["results"][0]["galaxy"] == record


def test_user_table_overrides_openngc(service: CatalogService) -> None:
    record = by_name(service, "M101").json()
    assert record["pgc"] == OVERRIDDEN_PGC and record["source"] == "user_table"
    assert record["major_axis_arcmin"] == pytest.approx(30.0)
    assert record["minor_axis_arcmin"] == pytest.approx(15.0)
    assert record["position_angle_deg"] == 40.0
    assert record["hubble_type"] == "Sc"
    assert record["names"][0] == "NGC 5457"


@pytest.mark.parametrize(
    ("ra", "dec"),
    [("10.6848", "41.2690"), ("00h42m44.3s", "+41d16m09s"), ("00:42:44.3", "41:16:09"),
     ("10d41m05s", "41.269")],
)  # fmt: skip
def test_near_accepts_degrees_and_sexagesimal(service: CatalogService, ra: str, dec: str) -> None:
    response = service.client.get("/galaxies/near", params={"ra": ra, "dec": dec, "radius": 30})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["radius_arcmin"] == 30.0
    assert body["ra"] == pytest.approx(10.684, abs=2e-3)
    results = body["results"]
    assert [r["galaxy"]["pgc"] for r in results[:2]] == [2557, 2555]  # M31, then M32
    assert results[0]["separation_arcmin"] < 0.2
    assert all(r["separation_arcmin"] <= 30 for r in results)


def test_near_default_radius_and_empty_results(service: CatalogService) -> None:
    body = service.client.get("/galaxies/near", params={"ra": "0", "dec": "-89.5"}).json()
    assert body["radius_arcmin"] == 5.0 and body["results"] == []


def test_near_limit(service: CatalogService) -> None:
    params = {"ra": "186.5", "dec": "12.9", "radius": "120", "limit": "3"}  # Virgo cluster
    assert len(service.client.get("/galaxies/near", params=params).json()["results"]) == 3


@pytest.mark.parametrize(
    "params",
    [
        {"ra": "400", "dec": "10"},
        {"ra": "-1", "dec": "10"},
        {"ra": "10", "dec": "100"},
        {"ra": "10", "dec": "-91"},
        {"ra": "abc", "dec": "10"},
        {"ra": "10", "dec": "10", "radius": "0"},
        {"ra": "10", "dec": "10", "radius": "-3"},
        {"ra": "10", "dec": "10", "radius": "100000"},
        {"ra": "10", "dec": "10", "radius": "nan"},
        {"ra": "10"},
        {"ra": "1" * 100, "dec": "10"},
    ],
)
def test_near_bad_inputs_are_422(service: CatalogService, params: dict[str, str]) -> None:
    problem(service.client.get("/galaxies/near", params=params), 422)
