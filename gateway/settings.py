from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings

Copies = Literal["none", "rot4", "d4"]
Frame = Literal["auto", "as-is"]


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8000
    catalog_url: str = "http://127.0.0.1:8001"
    preprocessor_url: str = "http://127.0.0.1:8002"
    inference_url: str = "http://127.0.0.1:8003"
    # The catalog may fetch a cutout from SkyServer on a miss: its own SkyServer time-out must
    # be shorter than this one so that a slow SkyServer comes back as the catalog's 504.
    catalog_timeout_s: float = 30.0
    preprocessor_timeout_s: float = 15.0
    inference_timeout_s: float = 20.0
    connect_timeout_s: float = 2.0

    redis_url: str = "redis://127.0.0.1:6379/0"
    redis_timeout_s: float = Field(
        default=0.3, description="Socket and connect time-out of Redis calls."
    )
    redis_retry_s: float = Field(
        default=1.0, description="While Redis is down, how often one request tries it again."
    )
    cache_ttl_s: int = Field(default=7 * 24 * 3600, description="Life of a cached answer.")
    negative_ttl_s: int = Field(
        default=300, description="Life of a cached 'unknown galaxy' answer."
    )
    memory_cache_size: int = Field(
        default=1024, description="Entries of the in-process fallback cache."
    )
    models_ttl_s: float = Field(
        default=5.0, description="How long the model-set description is reused."
    )

    copies: Copies = Field(default="rot4", description="Default test-time copies of each image.")
    upload_frame: Frame = Field(
        default="auto",
        description="Default framing of uploads: auto (find the galaxy and centre it when it "
        "is off centre) or as-is; catalog cutouts are always measured as-is (centred already).",
    )
    max_upload_bytes: int = Field(
        default=40 * 1024 * 1024,
        description="Largest uploaded image, bytes: else 413 (a survey FITS frame is often "
        "30-40 MB). The preprocessor's PREPROCESSOR_MAX_UPLOAD_BYTES must be at least this: "
        "uploads are forwarded as they are. The gateway holds an upload twice while reading it.",
    )
    max_batch_bytes: int = Field(
        default=10 * 1024 * 1024,
        description="Largest batch body (JSON or a table), bytes: else 413. Parsing a JSON "
        "list takes about 20 times its size; 20,000 rows fit in about 2 MB.",
    )
    batch_concurrency: int = Field(
        default=8, ge=1, description="Galaxies evaluated at once in a batch."
    )
    batch_max_items: int = Field(default=20_000, ge=1)
    default_radius_arcmin: float = 5.0

    # Retention on the data volume (docs/gateway.md, "Storage"): nothing there is needed to
    # answer, so nothing there may grow without bound or stop an answer when the disk is full.
    uploads_max_bytes: int = Field(
        default=2 * 1024**3, ge=0, description="Most bytes the upload store keeps; oldest go first."
    )
    uploads_max_age_s: float = Field(
        default=30 * 86400, gt=0, description="Uploads not seen for this long are removed."
    )
    request_log_max_bytes: int = Field(
        default=64 * 1024**2, ge=1024, description="requests.jsonl is rotated at this size..."
    )
    request_log_rotate_s: float = Field(
        default=86400, gt=0, description="... or when its first line is this old."
    )
    request_log_backups: int = Field(
        default=7, ge=0, description="Rotated files kept (requests.jsonl.1 is the newest)."
    )
    request_log_max_age_s: float = Field(
        default=30 * 86400, gt=0, description="Rotated files whose last line is older go."
    )
    min_free_bytes: int = Field(
        default=512 * 1024**2,
        ge=0,
        description="Free space the upload store leaves on the data volume: below it an upload "
        "is answered but not kept, and its request log line says so.",
    )
    retention_check_s: float = Field(
        default=300.0, gt=0, description="How often the upload store is scanned for retention."
    )
