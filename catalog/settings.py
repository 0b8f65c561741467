from pathlib import Path
from typing import Annotated

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from catalog.jpegservice import SURVEYS, SurveyName
from servicekit.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    """Environment variables ``CATALOG_*`` (see docs/catalog.md)."""

    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    port: int = 8001

    # A HyperLEDA-style CSV that extends or overrides OpenNGC (format: docs/catalog.md).
    user_table: Path | None = None

    # Online lookups (needs the internet; off by default, on in docker-compose.yml): a PGC number,
    # name or position the embedded catalog lacks is asked of HyperLEDA's PGC catalogue at VizieR
    # (VII/237, through astroquery), names through CDS Sesame first; answers are kept in SQLite.
    online_lookups: bool = False
    vizier_url: str = "https://vizier.cds.unistra.fr"
    vizier_catalog: str = "VII/237/pgc"
    online_timeout_s: Annotated[float, Field(gt=0, le=120)] = 10.0
    online_retry_backoff_s: Annotated[float, Field(ge=0, le=30)] = 0.5
    # After a failed call (one retry included) the remote is not asked again for this long.
    online_breaker_reset_s: Annotated[float, Field(ge=0, le=3600)] = 60.0
    # The SQLite file of online answers; empty: <data_dir>/online-catalog.sqlite.
    online_store: Path | None = None
    # "Not in HyperLEDA" answers are remembered this long (a new PGC release adds galaxies).
    online_negative_ttl_s: Annotated[float, Field(ge=0)] = 7 * 86400.0

    # Names the embedded catalog lacks are sent to CDS Sesame (needs the internet); off by default.
    # Online lookups turn it on too.
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

    # Surveys tried by survey=auto, in order; a blank answer (outside its footprint) falls through.
    # (JSON in the environment: CATALOG_AUTO_SURVEYS='["sdss", "dss"]')
    auto_surveys: tuple[SurveyName, ...] = SURVEYS
    # DESI Legacy Surveys viewer cutouts: <legacy_url>/viewer/cutout.jpg?layer=<legacy_layer>
    legacy_url: str = "https://www.legacysurvey.org"
    legacy_layer: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")] = "ls-dr10"
    # CDS hips2fits: Pan-STARRS1 and DSS2 colour HiPS.
    hips2fits_url: str = "https://alasky.cds.unistra.fr/hips-image-services/hips2fits"
    panstarrs_hips: str = "CDS/P/PanSTARRS/DR1/color-i-r-g"
    dss_hips: str = "CDS/P/DSS2/color"
    # Pan-STARRS1 3pi covers the sky north of this declination.
    panstarrs_dec_min: Annotated[float, Field(ge=-90, le=90)] = -30.0
    survey_timeout_s: Annotated[float, Field(gt=0, le=300)] = 30.0
    survey_retry_backoff_s: Annotated[float, Field(ge=0, le=30)] = 0.5

    @property
    def online_store_path(self) -> Path:
        return self.online_store or self.data_dir / "online-catalog.sqlite"

    @property
    def cutout_dir(self) -> Path:
        return self.data_dir / "cutouts"
