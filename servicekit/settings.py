from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Base for each service's settings class; a subclass sets its own ``env_prefix``."""

    model_config = SettingsConfigDict(extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    # Shared storage: cutouts, uploads, request and alarm logs (a volume in compose).
    data_dir: Path = Path("data")
