import json
from typing import Any, ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from jiading_shared.settings import ServiceSettings


class GridSettings(ServiceSettings):
    """Read from GRID_* environment variables."""

    service_name: ClassVar[str] = "grid-dispatch"
    model_config = SettingsConfigDict(env_prefix="GRID_", extra="ignore")

    port: int = 8002
    open311_api_keys: dict[str, str] = Field(
        default_factory=lambda: {"dev-open311-key": "development"},
        description='Open311 api_key -> name of the calling system, as JSON: {"k-2025-1": "12345热线"}.',
    )

    @field_validator("open311_api_keys", mode="before")
    @classmethod
    def _parse_api_keys(cls, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value
