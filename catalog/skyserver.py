"""SDSS SkyServer ImgCutout ``getjpeg``: URL from parsed numbers, time-outs, one retry on 5xx."""

from urllib.parse import urlencode

import httpx

from catalog.jpegservice import CutoutGeometry, JpegService
from catalog.problems import SkyServerBadAnswer, SkyServerDown, SkyServerSlow

__all__ = ["GETJPEG_PATH", "CutoutGeometry", "SkyServer"]

GETJPEG_PATH = "SkyServerWS/ImgCutout/getjpeg"


class SkyServer(JpegService):
    name = "sdss"
    survey_label = "SDSS"
    service_label = "SDSS SkyServer"
    down = SkyServerDown
    slow = SkyServerSlow
    bad_answer = SkyServerBadAnswer

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        data_release: str,
        timeout_s: float,
        retry_backoff_s: float,
        native_scale_arcsec: float = 0.396,
    ) -> None:
        super().__init__(
            client,
            endpoint=f"{base_url.rstrip('/')}/{data_release.lower()}/{GETJPEG_PATH}",
            timeout_s=timeout_s,
            retry_backoff_s=retry_backoff_s,
        )
        self.native_scale_arcsec = native_scale_arcsec

    def url(self, geometry: CutoutGeometry) -> str:
        query = {
            "ra": f"{geometry.ra:.6f}",
            "dec": f"{geometry.dec:.6f}",
            "scale": f"{geometry.scale_arcsec:.6f}",
            "width": str(geometry.pixels),
            "height": str(geometry.pixels),
        }
        return f"{self.endpoint}?{urlencode(query)}"
