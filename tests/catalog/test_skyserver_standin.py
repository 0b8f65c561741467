import io
from pathlib import Path

import httpx
from PIL import Image

from devstack.processes import service_process
from standins.skyserver import StandinSkyServer, StandinState, draw

GETJPEG = "/dr19/SkyServerWS/ImgCutout/getjpeg"


def test_draw_is_deterministic_and_sized() -> None:
    first = draw(10.0, 40.0, 200, 200, inside=True)
    assert first == draw(10.0, 40.0, 200, 200, inside=True)
    assert first != draw(10.1, 40.0, 200, 200, inside=True)
    image = Image.open(io.BytesIO(first))
    assert image.size == (200, 200) and image.mode == "RGB"
    centre = image.getpixel((100, 100))
    corner = image.getpixel((2, 2))
    assert isinstance(centre, tuple) and isinstance(corner, tuple)
    assert centre[0] > 150 > 60 > corner[0]


def test_answers_like_skyserver(sky: StandinSkyServer) -> None:
    params = {"ra": "10", "dec": "40", "scale": "0.4", "width": "96", "height": "80"}
    response = httpx.get(sky.url + GETJPEG, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(response.content)).size == (96, 80)
    assert httpx.get(sky.url + GETJPEG, params={"ra": "x"}).status_code == 400
    assert httpx.get(sky.url + "/elsewhere").status_code == 404


def test_black_outside_the_footprint() -> None:
    state = StandinState(dec_min=0.0, dec_max=30.0, ra_min=100.0, ra_max=200.0)
    assert state.inside(150.0, 10.0)
    assert not state.inside(150.0, -1.0)
    assert not state.inside(50.0, 10.0)


def test_modes_at_run_time(sky: StandinSkyServer) -> None:
    params = {"ra": "10", "dec": "40", "width": "64", "height": "64"}
    assert httpx.get(sky.url + "/standin/mode", params={"mode": "down"}).json()["mode"] == "down"
    assert httpx.get(sky.url + GETJPEG, params=params).status_code == 503
    httpx.get(sky.url + "/standin/mode", params={"mode": "ok", "fail_next": "1"})
    assert httpx.get(sky.url + GETJPEG, params=params).status_code == 503
    assert httpx.get(sky.url + GETJPEG, params=params).status_code == 200
    assert httpx.get(sky.url + "/standin/mode", params={"mode": "sideways"}).status_code == 400


def test_runs_as_a_module(tmp_path: Path) -> None:
    env = {"SKYSERVER_STANDIN_DEC_MIN": "50", "SKYSERVER_STANDIN_MODE": "down"}
    with service_process(
        "standins.skyserver", env, tmp_path, args=["--port", "{port}", "--delay", "0.5"]
    ) as standin:
        stats = httpx.get(f"{standin.url}/standin/stats").json()
    assert (stats["dec_min"], stats["mode"], stats["delay_s"]) == (50.0, "down", 0.5)
