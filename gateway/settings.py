from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    port: int = 8000
    catalog_url: str = "http://127.0.0.1:8001"
    preprocessor_url: str = "http://127.0.0.1:8002"
    inference_url: str = "http://127.0.0.1:8003"
    redis_url: str = "redis://127.0.0.1:6379/0"
