from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class PreprocessorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PREPROCESSOR_", extra="ignore")

    port: int = 8002
