from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiading_shared.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    """Read from EVALUATION_* environment variables."""

    service_name: ClassVar[str] = "evaluation"
    model_config = SettingsConfigDict(env_prefix="EVALUATION_", extra="ignore")

    port: int = 8005
