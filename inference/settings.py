from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings

BackendName = Literal["embedded", "tfserving"]


class InferenceSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INFERENCE_", extra="ignore")

    port: int = 8003
    models_dir: Path = Path("models")
    backend: BackendName = Field(
        default="embedded",
        description="'embedded': the SavedModels in this process; 'tfserving': TF Serving "
        "over gRPC.",
    )

    # tfserving backend
    tfserving_address: str = Field(
        default="127.0.0.1:8500", description="Default TF Serving gRPC address."
    )
    tfserving_addresses: dict[str, str] = Field(
        default_factory=dict,
        description='Per-flavor TF Serving address, JSON {"flavor": "host:port"}; others use the '
        "default address.",
    )
    tfserving_check_timeout_s: float = Field(
        default=2.0, description="Deadline of each GetModelStatus/GetModelMetadata check call."
    )
    grpc_max_message_bytes: int = 512 * 1024 * 1024
    recheck_interval_s: float = Field(
        default=10.0, description="How often an unavailable TF Serving flavor is checked again."
    )

    # embedded backend
    executor_workers: int = Field(
        default=2, description="Threads running TensorFlow off the event loop."
    )
    tf_intra_op_threads: int = 1
    tf_inter_op_threads: int = 1

    # the ensemble
    flavor_timeout_s: float = Field(
        default=10.0, description="Deadline of one flavor on one request..."
    )
    flavor_timeout_per_image_s: float = Field(
        default=0.05, description="... plus this much per image in the request."
    )
    quorum: int | Literal["majority"] = Field(
        default="majority",
        description="Fewest flavors that must answer (a number, or 'majority' of the flavors "
        "registered for the colour mode); fewer answer → 503.",
    )
    alarm_threshold_deg: float | None = Field(
        default=None,
        description="Spread above which the alarm is raised; default: the median of the "
        "flavors' manifest thresholds.",
    )
    rejection_threshold: float | None = Field(
        default=None, ge=0.0, le=1.0,
        description="Rejection likelihood at or above which the verdict is 'reject'; default: "
        "the median of the classifiers' manifest thresholds.",
    )
    max_images: int = Field(
        default=1024, description="Most images (galaxies x copies) in one request."
    )
    chunk_images: int = Field(default=64, description="Images sent to a flavor in one call.")

    @property
    def alarm_log_path(self) -> Path:
        return self.data_dir / "alarms.jsonl"
