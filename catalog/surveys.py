"""The surveys beyond SDSS: DESI Legacy Surveys DR10 (its viewer's cutout service) and, through
CDS hips2fits, Pan-STARRS1 and DSS2 colour (which covers the whole sky).

Each builds its URL from parsed numbers only; fetching, time-outs and the retry are
``catalog.jpegservice``'s. Native pixel scales: Legacy Surveys 0.262", Pan-STARRS1 0.25",
DSS2 about 1.0" (the plates are scanned at 1.0-1.7"; the HiPS is resampled to ~1")."""

from urllib.parse import urlencode

import httpx

from catalog.jpegservice import CutoutGeometry, JpegService, SurveyName

LEGACY_SCALE_ARCSEC = 0.262
PANSTARRS_SCALE_ARCSEC = 0.25
DSS_SCALE_ARCSEC = 1.0


class LegacySurvey(JpegService):
    """``<base>/viewer/cutout.jpg?ra=&dec=&layer=ls-dr10&pixscale=&size=``."""

    name = "legacy"
    survey_label = "DESI Legacy Surveys"
    service_label = "the Legacy Surveys viewer"
    native_scale_arcsec = LEGACY_SCALE_ARCSEC

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        base_url: str,
        layer: str,
        timeout_s: float,
        retry_backoff_s: float,
    ) -> None:
        super().__init__(
            client,
            endpoint=f"{base_url.rstrip('/')}/viewer/cutout.jpg",
            timeout_s=timeout_s,
            retry_backoff_s=retry_backoff_s,
        )
        self.layer = layer
        self.survey_label = f"DESI Legacy Surveys ({layer})"

    def url(self, geometry: CutoutGeometry) -> str:
        query = {
            "ra": f"{geometry.ra:.6f}",
            "dec": f"{geometry.dec:.6f}",
            "layer": self.layer,
            "pixscale": f"{geometry.scale_arcsec:.6f}",
            "size": str(geometry.pixels),
        }
        return f"{self.endpoint}?{urlencode(query)}"


class Hips2Fits(JpegService):
    """A colour HiPS cut out by CDS hips2fits: ``<base>?hips=&ra=&dec=&fov=&width=&height=
    &projection=TAN&coordsys=icrs&format=jpg`` (fov in degrees)."""

    service_label = "CDS hips2fits"

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        name: SurveyName,
        label: str,
        hips: str,
        native_scale_arcsec: float,
        base_url: str,
        timeout_s: float,
        retry_backoff_s: float,
        dec_min: float = -90.0,
    ) -> None:
        super().__init__(
            client,
            endpoint=base_url.rstrip("/"),
            timeout_s=timeout_s,
            retry_backoff_s=retry_backoff_s,
            dec_min=dec_min,
        )
        self.name = name
        self.survey_label = label
        self.service_label = f"CDS hips2fits ({label})"
        self.hips = hips
        self.native_scale_arcsec = native_scale_arcsec

    def url(self, geometry: CutoutGeometry) -> str:
        query = {
            "hips": self.hips,
            "ra": f"{geometry.ra:.6f}",
            "dec": f"{geometry.dec:.6f}",
            "fov": f"{geometry.pixels * geometry.scale_arcsec / 3600.0:.8f}",
            "width": str(geometry.pixels),
            "height": str(geometry.pixels),
            "projection": "TAN",
            "coordsys": "icrs",
            "format": "jpg",
        }
        return f"{self.endpoint}?{urlencode(query)}"
