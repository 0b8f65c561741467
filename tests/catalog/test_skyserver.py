import asyncio
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from catalog.problems import SkyServerBadAnswer, SkyServerDown, SkyServerSlow
from catalog.skyserver import CutoutGeometry, SkyServer
from standins.skyserver import StandinSkyServer

NATIVE = 0.396


@pytest.mark.parametrize(
    ("fov_arcmin", "pixels", "scale"),
    [
        (1.5 * 177.83, 2048, 1.5 * 177.83 * 60 / 2048),  # M31: capped at 2048 px
        (1.5 * 1.2, 273, 1.5 * 1.2 * 60 / 273),  # native scale, rounded side
        (0.1, 64, 0.1 * 60 / 64),  # never fewer than 64 px
        (2048 * NATIVE / 60, 2048, NATIVE),
    ],
)
def test_geometry_keeps_the_side_within_limits(
    fov_arcmin: float, pixels: int, scale: float
) -> None:
    geometry = CutoutGeometry.for_field(10.0, 20.0, fov_arcmin, NATIVE)
    assert geometry.pixels == pixels
    assert geometry.scale_arcsec == pytest.approx(scale, abs=1e-6)
    assert geometry.pixels * geometry.scale_arcsec == pytest.approx(fov_arcmin * 60, rel=1e-5)


def test_url_holds_only_formatted_numbers() -> None:
    sky = SkyServer(httpx.AsyncClient(), base_url="https://sky.example/", data_release="DR19",
                    timeout_s=1, retry_backoff_s=0)  # fmt: skip
    url = sky.url(CutoutGeometry.for_field(10.6847917, 41.269065, 3.0, NATIVE))
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
        "https://sky.example/dr19/SkyServerWS/ImgCutout/getjpeg"
    )
    query = parse_qs(parts.query)
    assert set(query) == {"ra", "dec", "scale", "width", "height"}
    assert query["ra"] == ["10.684792"] and query["dec"] == ["41.269065"]
    assert query["width"] == query["height"] == ["455"]


async def fetch(
    sky: StandinSkyServer, *, timeout_s: float = 1.0
) -> tuple[bytes | Exception, float]:
    async with httpx.AsyncClient() as client:
        server = SkyServer(client, base_url=sky.url, data_release="dr19", timeout_s=timeout_s,
                           retry_backoff_s=0.01)  # fmt: skip
        url = server.url(CutoutGeometry.for_field(150.0, 2.0, 1.0, NATIVE))
        start = time.perf_counter()
        try:
            return await server.fetch(url), time.perf_counter() - start
        except Exception as exc:
            return exc, time.perf_counter() - start


async def test_fetch_returns_the_jpeg(sky: StandinSkyServer) -> None:
    before = sky.requests()
    data, _ = await fetch(sky)
    assert isinstance(data, bytes) and data.startswith(b"\xff\xd8\xff")
    assert sky.requests() == before + 1


async def test_one_retry_then_503(sky: StandinSkyServer) -> None:
    sky.set(mode="down")
    before = sky.requests()
    error, _ = await fetch(sky)
    assert isinstance(error, SkyServerDown) and error.status == 503
    assert sky.requests() == before + 2


async def test_a_single_5xx_is_retried_away(sky: StandinSkyServer) -> None:
    sky.set(fail_next=1)
    before = sky.requests()
    data, _ = await fetch(sky)
    assert isinstance(data, bytes)
    assert sky.requests() == before + 2


async def test_slow_is_504_within_the_timeout(sky: StandinSkyServer) -> None:
    sky.set(mode="slow", delay_s=3.0)
    error, elapsed = await fetch(sky, timeout_s=0.3)
    assert isinstance(error, SkyServerSlow) and error.status == 504
    assert elapsed < 1.5


async def test_refused_connection_is_503() -> None:
    with StandinSkyServer() as gone:
        url = gone.url
    async with httpx.AsyncClient() as client:
        server = SkyServer(client, base_url=url, data_release="dr19", timeout_s=1,
                           retry_backoff_s=0)  # fmt: skip
        with pytest.raises(SkyServerDown, match="tried twice"):
            await server.fetch(server.url(CutoutGeometry.for_field(1.0, 1.0, 1.0, NATIVE)))
        assert server.health()[0] == "degraded"


async def test_a_non_jpeg_answer_is_502(sky: StandinSkyServer) -> None:
    async with httpx.AsyncClient() as client:
        server = SkyServer(client, base_url=sky.url, data_release="dr19", timeout_s=1,
                           retry_backoff_s=0)  # fmt: skip
        with pytest.raises(SkyServerBadAnswer):
            await server.fetch(f"{sky.url}/standin/stats")  # JSON, not a JPEG


async def test_health_follows_the_last_fetch(sky: StandinSkyServer) -> None:
    async with httpx.AsyncClient() as client:
        server = SkyServer(client, base_url=sky.url, data_release="dr19", timeout_s=1,
                           retry_backoff_s=0)  # fmt: skip
        url = server.url(CutoutGeometry.for_field(150.0, 2.0, 1.0, NATIVE))
        assert server.health()[0] == "ok"
        sky.set(mode="down")
        with pytest.raises(SkyServerDown):
            await server.fetch(url)
        assert server.health()[0] == "degraded"
        sky.set(mode="ok")
        await asyncio.wait_for(server.fetch(url), 5)
        assert server.health() == ("ok", server.health()[1])
        assert "succeeded" in server.health()[1]
