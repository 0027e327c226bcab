from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from jiading_shared.settings import ServiceSettings


class LibrarySettings(ServiceSettings):
    """Read from LIBRARY_* environment variables."""

    service_name: ClassVar[str] = "library-metrics"
    model_config = SettingsConfigDict(env_prefix="LIBRARY_", extra="ignore")

    port: int = 8003
    # Days after a week, month or year ends during which late records are still taken in before its breaches are
    # published (the hourly job); the bureau's explicit POST /compliance/breaches closes a period at once.
    breach_grace_days: int = Field(10, ge=0, le=366)
