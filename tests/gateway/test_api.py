"""The public API over the real local stack: every way of asking, and the answer's schema."""

import json

import httpx
import pytest

from tests.gateway.conftest import Stack
from tests.gateway.factories import galaxy_image_bytes

pytestmark = pytest.mark.slow

# Galaxies of the embedded catalog (OpenNGC) inside the stand-in's footprint (dec > -25).
M31 = 2557
NGC4565 = 42038
NGC891 = 9031


def get(stack: Stack, path: str, **params: object) -> httpx.Response:
    return httpx.get(f"{stack.url}{path}", params=params, timeout=60)  # type: ignore[arg-type]


def assert_result(body: dict[str, object]) -> None:
    inclination = body["inclination"]
    assert isinstance(inclination, dict)
    assert 0.0 <= inclination["median"] <= 90.0
    assert inclination["unit"] == "deg"
    flavors = body["flavors"]
    assert isinstance(flavors, list) and len(flavors) == 3
    values = sorted(f["inclination_deg"] for f in flavors)
    assert inclination["median"] == pytest.approx(values[1], abs=1e-6)
    alarm = body["alarm"]
    assert isinstance(alarm, dict)
    assert alarm["spread_deg"] == pytest.approx(values[-1] - values[0], abs=1e-3)
    assert alarm["raised"] == (alarm["spread_deg"] > alarm["threshold_deg"])
    assert isinstance(body["model_set_version"], str) and body["model_set_version"]
    assert body["options"] == {"mode": "rgb", "copies": "rot4"}


def test_pgc_answers_with_galaxy_inclination_and_provenance(stack: Stack) -> None:
    response = get(stack, f"/api/pgc/{NGC4565}")
    assert response.status_code == 200, response.text
    body = response.json()
    assert_result(body)
    assert body["galaxy"]["pgc"] == NGC4565
    assert any("4565" in name for name in body["galaxy"]["names"])
    image = body["image"]
    assert image["source"] == "sdss"
    assert image["url"].startswith(stack.skyserver.url)
    assert len(image["sha256"]) == 64
    assert image["cutout"] == f"/api/cutout?pgc={NGC4565}"


def test_second_identical_call_comes_from_redis(stack: Stack) -> None:
    first = get(stack, f"/api/pgc/{NGC891}")
    second = get(stack, f"/api/pgc/{NGC891}")
    assert first.status_code == second.status_code == 200, first.text
    assert first.json()["cached"] is False
    assert second.json()["cached"] is True
    assert second.headers["X-Cache"] == "redis"
    assert {**first.json(), "cached": True} == second.json()


def test_name_and_pgc_spellings_share_normalised_cache(stack: Stack) -> None:
    first = get(stack, "/api/objname/NGC 4565")
    second = get(stack, "/api/objname/ngc4565")
    assert first.status_code == 200, first.text
    assert second.json()["cached"] is True
    assert first.json()["galaxy"]["pgc"] == NGC4565


def test_coord_finds_the_nearest_catalog_galaxy(stack: Stack) -> None:
    galaxy = get(stack, f"/api/pgc/{M31}").json()["galaxy"]
    response = get(stack, "/api/coord", ra=galaxy["ra"] + 0.01, dec=galaxy["dec"], radius=30)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["galaxy"]["pgc"] == M31
    assert 0 < body["galaxy"]["separation_arcmin"] < 1.0


def test_coord_with_fov_measures_an_arbitrary_field(stack: Stack) -> None:
    response = get(stack, "/api/coord", ra=150.123, dec=2.345, fov=1.5)
    assert response.status_code == 200, response.text
    body = response.json()
    assert_result(body)
    assert body["galaxy"] is None
    assert body["image"]["cutout"] == "/api/cutout?ra=150.123&dec=2.345&fov=1.5"


def test_coord_without_galaxy_nearby_is_404_that_suggests_fov(stack: Stack) -> None:
    response = get(stack, "/api/coord", ra=150.123, dec=2.345, radius=0.01)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "fov" in response.json()["detail"]


def test_upload_answers_with_its_sha256(stack: Stack) -> None:
    data = galaxy_image_bytes("PNG", seed=11)
    response = httpx.post(
        f"{stack.url}/api/file", files={"file": ("g.png", data, "image/png")}, timeout=60
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert_result(body)
    assert body["galaxy"] is None
    import hashlib

    sha256 = hashlib.sha256(data).hexdigest()
    assert body["image"] == {
        **body["image"],
        "source": "upload",
        "sha256": sha256,
        "filename": "g.png",
        "format": "PNG",
    }
    assert (stack.data_dir / "uploads" / sha256[:2] / sha256).read_bytes() == data
    again = httpx.post(
        f"{stack.url}/api/file", files={"file": ("other-name.png", data)}, timeout=60
    )
    assert again.json()["cached"] is True


def test_upload_off_centre_is_framed_on_its_galaxy_unless_asked_not_to(stack: Stack) -> None:
    data = galaxy_image_bytes("PNG", seed=12, shift=0.3, scale=0.03)
    auto = httpx.post(f"{stack.url}/api/file", files={"file": ("corner.png", data)}, timeout=60)
    assert auto.status_code == 200, auto.text
    body = auto.json()
    assert body["query"]["frame"] == "auto"
    framing = body["image"]["framing"]
    assert framing["mode"] == "auto" and framing["applied"] is True
    x, y, diameter = framing["galaxy_px"]
    # moved 0.3 of the 256-pixel side left and up from the middle
    assert abs(x - (128 - 0.3 * 256)) < 4 and abs(y - (128 - 0.3 * 256)) < 4 and diameter > 0
    left, top, side = framing["square_px"]
    assert abs(left + side / 2 - x) < 0.2 and abs(top + side / 2 - y) < 0.2
    assert framing["offset"] > 0.12 and "off centre" in framing["reason"]
    as_is = httpx.post(
        f"{stack.url}/api/file",
        params={"frame": "as-is"},
        files={"file": ("corner.png", data)},
        timeout=60,
    )
    assert as_is.status_code == 200, as_is.text
    assert as_is.json()["cached"] is False  # another question, another cache entry
    assert as_is.json()["query"] == {"sha256": body["query"]["sha256"], "frame": "as-is"}
    assert as_is.json()["image"]["framing"] is None
    framed = httpx.post(
        f"{stack.url}/api/preview", files={"file": ("corner.png", data)}, timeout=60
    )
    plain = httpx.post(
        f"{stack.url}/api/preview",
        params={"frame": "as-is"},
        files={"file": ("corner.png", data)},
        timeout=60,
    )
    assert framed.status_code == plain.status_code == 200
    assert framed.content != plain.content
    bad = httpx.post(
        f"{stack.url}/api/file", params={"frame": "centre"}, files={"file": ("c.png", data)}
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_requests_are_logged_as_json_lines(stack: Stack) -> None:
    request_id = "gateway-test-request-log"
    response = httpx.get(
        f"{stack.url}/api/pgc/{NGC4565}", headers={"X-Request-ID": request_id}, timeout=60
    )
    assert response.status_code == 200
    lines = (stack.data_dir / "requests.jsonl").read_text().splitlines()
    entries = [json.loads(line) for line in lines]
    mine = [e for e in entries if e["request_id"] == request_id]
    assert len(mine) == 1
    assert mine[0]["query"] == {"pgc": NGC4565}
    assert mine[0]["status"] == 200
    assert mine[0]["result"]["median_deg"] == response.json()["inclination"]["median"]


def test_cutout_and_preview_images(stack: Stack) -> None:
    cutout = get(stack, "/api/cutout", pgc=M31)
    assert cutout.status_code == 200
    assert cutout.headers["content-type"] == "image/jpeg"
    assert cutout.content[:2] == b"\xff\xd8"
    preview = get(stack, "/api/preview", pgc=M31)
    assert preview.status_code == 200
    assert preview.headers["content-type"] == "image/png"
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(preview.content)).size == (128, 128)
    uploaded = httpx.post(
        f"{stack.url}/api/preview",
        files={"file": ("g.jpg", galaxy_image_bytes("JPEG"))},
        timeout=60,
    )
    assert uploaded.status_code == 200
    assert Image.open(io.BytesIO(uploaded.content)).size == (128, 128)


def test_coord_takes_sexagesimal_positions(stack: Stack) -> None:
    decimal = get(stack, "/api/coord", ra=150.123, dec=2.345, fov=1.5).json()
    for ra, dec in (("10h00m29.52s", "+02d20m42s"), ("10:00:29.52", "+02:20:42")):
        response = get(stack, "/api/coord", ra=ra, dec=dec, fov=1.5)
        assert response.status_code == 200, response.text
        assert response.json()["query"]["ra"] == pytest.approx(150.123)
        assert response.json()["inclination"] == decimal["inclination"]


@pytest.mark.parametrize(
    ("ra", "dec", "says"),
    [("12h30m", "banana", "declination"), ("400", "10", "[0, 360)"), ("1", "-91", "[-90, 90]")],
)
def test_coord_that_cannot_be_read_is_a_422_saying_why(
    stack: Stack, ra: str, dec: str, says: str
) -> None:
    response = get(stack, "/api/coord", ra=ra, dec=dec, fov=1.5)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert says in response.json()["detail"]
