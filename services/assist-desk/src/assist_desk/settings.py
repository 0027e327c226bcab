from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiading_shared.settings import ServiceSettings


class AssistSettings(ServiceSettings):
    """Read from ASSIST_* environment variables."""

    service_name: ClassVar[str] = "assist-desk"
    model_config = SettingsConfigDict(env_prefix="ASSIST_", extra="ignore")

    port: int = 8004
