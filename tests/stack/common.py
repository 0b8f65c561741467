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
    port = SETTINGS[service].model_fields["port"].default
    assert isinstance(port, int)
    return port
