from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiading_shared.settings import ServiceSettings


class LibrarySettings(ServiceSettings):
    """Read from LIBRARY_* environment variables."""

    service_name: ClassVar[str] = "library-metrics"
    model_config = SettingsConfigDict(env_prefix="LIBRARY_", extra="ignore")

    port: int = 8003
