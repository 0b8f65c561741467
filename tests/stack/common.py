"""What the deployment files (docker-compose.yml, deploy/k8s) are read against: the settings
class of each service and the flavors under models/ — read at test time, never listed here."""

from pydantic_settings import BaseSettings

from catalog.settings import CatalogSettings
from devstack.processes import REPO_ROOT
from gateway.settings import GatewaySettings
from inference.settings import InferenceSettings
from preprocessor.settings import PreprocessorSettings

SETTINGS: dict[str, type[BaseSettings]] = {
    "gateway": GatewaySettings,
    "catalog": CatalogSettings,
    "preprocessor": PreprocessorSettings,
    "inference": InferenceSettings,
}
MODELS_DIR = REPO_ROOT / "models"


def shipped_flavors() -> set[str]:
    return {p.parent.name for p in MODELS_DIR.glob("*/manifest.json")}


def env_prefix(service: str) -> str:
    return str(SETTINGS[service].model_config.get("env_prefix", ""))


def env_names(service: str) -> set[str]:
    """The environment names the service's settings class reads."""
    return {env_prefix(service) + field.upper() for field in SETTINGS[service].model_fields}


def default_port(service: str) -> int:
    return int_default(service, "port")


def int_default(service: str, field: str) -> int:
    value = SETTINGS[service].model_fields[field].default
    assert isinstance(value, int)
    return value


def upload_limit(service: str, env: dict[str, str]) -> int:
    """The service's largest upload under this environment: its value there, else the default."""
    return int(env.get(env_prefix(service) + "MAX_UPLOAD_BYTES",
                       int_default(service, "max_upload_bytes")))
