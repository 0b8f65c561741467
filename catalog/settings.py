from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    """Environment variables ``CATALOG_*`` (see docs/catalog.md)."""

    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    port: int = 8001

    # A HyperLEDA-style CSV that extends or overrides OpenNGC (format: docs/catalog.md).
    user_table: Path | None = None

    # Names the embedded catalog lacks are sent to CDS Sesame (needs the internet); off by default.
    online_resolver: bool = False
    online_resolver_timeout_s: Annotated[float, Field(gt=0, le=60)] = 10.0
    # Sesame's nph-sesame base URL (a mirror); empty: astropy's defaults (CDS, then CfA).
    sesame_url: str = ""
    # A Sesame position matches a catalog galaxy when one lies within this radius.
    online_match_radius_arcmin: Annotated[float, Field(gt=0, le=10)] = 1.0

    near_default_radius_arcmin: Annotated[float, Field(gt=0, le=600)] = 5.0
    near_max_radius_arcmin: Annotated[float, Field(gt=0, le=600)] = 300.0
    near_max_results: Annotated[int, Field(ge=1, le=10_000)] = 200

    # SDSS SkyServer ImgCutout: <skyserver_url>/<data_release>/SkyServerWS/ImgCutout/getjpeg
    skyserver_url: str = "https://skyserver.sdss.org"
    data_release: Annotated[str, Field(pattern=r"^(dr|DR)\d{1,3}$")] = "dr19"
    skyserver_timeout_s: Annotated[float, Field(gt=0, le=300)] = 30.0
    skyserver_connect_timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0
    skyserver_retry_backoff_s: Annotated[float, Field(ge=0, le=30)] = 0.5
    # Native SDSS pixel scale; a cutout is never finer than this unless the side would be < 64 px.
    native_scale_arcsec: Annotated[float, Field(gt=0)] = 0.396
    # Field of view = this factor x the major axis; galaxies without a major axis get the default.
    fov_factor: Annotated[float, Field(gt=0, le=10)] = 1.5
    default_fov_arcmin: Annotated[float, Field(gt=0, le=600)] = 2.0
    max_fov_arcmin: Annotated[float, Field(gt=0, le=1200)] = 600.0
    # A cutout whose brightest pixel is at most this (0-255) is "all sky": outside the footprint.
    blank_threshold: Annotated[int, Field(ge=0, le=254)] = 12

    @property
    def cutout_dir(self) -> Path:
        return self.data_dir / "cutouts"
