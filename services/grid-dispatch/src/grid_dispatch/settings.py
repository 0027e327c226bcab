from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiading_shared.settings import ServiceSettings


class GridSettings(ServiceSettings):
    """Read from GRID_* environment variables."""

    service_name: ClassVar[str] = "grid-dispatch"
    model_config = SettingsConfigDict(env_prefix="GRID_", extra="ignore")

    port: int = 8002
