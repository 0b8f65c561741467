import asyncio
import io
from pathlib import Path

import httpx
import pytest
from PIL import Image

from catalog.cutouts import CutoutService, is_blank
from catalog.problems import OutsideFootprint, SkyServerBadAnswer
from catalog.skyserver import SkyServer
from catalog.store import CutoutStore
from standins.skyserver import StandinSkyServer, draw
from tests.catalog.factories import galaxy


def jpeg(value: int, size: int = 128) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), (value, value, value)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_black_is_blank_and_a_galaxy_is_not() -> None:
    assert is_blank(draw(10.0, -70.0, 256, 256, inside=False), threshold=12)
    assert not is_blank(draw(10.0, 40.0, 256, 256, inside=True), threshold=12)
    assert is_blank(jpeg(5), threshold=12)
    assert not is_blank(jpeg(40), threshold=12)


def test_unreadable_jpeg_is_a_bad_answer() -> None:
    with pytest.raises(SkyServerBadAnswer):
        is_blank(b"\xff\xd8\xff" + b"\x00" * 50, threshold=12)


def service(client: httpx.AsyncClient, sky_url: str, root: Path) -> CutoutService:
    skyserver = SkyServer(client, base_url=sky_url, data_release="dr19", timeout_s=2,
                          retry_backoff_s=0)  # fmt: skip
    return CutoutService(
        skyserver,
        CutoutStore(root),
        native_scale_arcsec=0.396,
        fov_factor=1.5,
        default_fov_arcmin=2.0,
        max_fov_arcmin=600.0,
        blank_threshold=12,
    )


def test_field_is_one_and_a_half_major_axes(tmp_path: Path) -> None:
    cutouts = service(httpx.AsyncClient(), "http://127.0.0.1:9", tmp_path)
    assert cutouts.field_of(galaxy(1, "A 1", 1.0, 1.0, major_axis_arcmin=4.0)) == 6.0
    assert cutouts.field_of(galaxy(1, "A 1", 1.0, 1.0, major_axis_arcmin=None)) == 2.0
    assert cutouts.field_of(galaxy(1, "A 1", 1.0, 1.0, major_axis_arcmin=1000.0)) == 600.0


async def test_concurrent_requests_share_one_fetch(sky: StandinSkyServer, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        cutouts = service(client, sky.url, tmp_path)
        geometry = cutouts.plan(151.0, 3.0, 1.0)
        before = sky.requests()
        results = await asyncio.gather(*(cutouts.get(geometry) for _ in range(5)))
        assert sky.requests() == before + 1
        assert len({r.data for r in results}) == 1
        assert not any(r.cache_hit for r in results)
        again = await cutouts.get(geometry)
        assert again.cache_hit and again.data == results[0].data
        assert sky.requests() == before + 1


async def test_outside_is_remembered(sky: StandinSkyServer, tmp_path: Path) -> None:
    async with httpx.AsyncClient() as client:
        cutouts = service(client, sky.url, tmp_path)
        geometry = cutouts.plan(151.0, -60.0, 1.0)
        before = sky.requests()
        for _ in range(2):
            with pytest.raises(OutsideFootprint):
                await cutouts.get(geometry)
        assert sky.requests() == before + 1
