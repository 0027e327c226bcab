from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from jiading_shared.settings import ServiceSettings


class CollectionSettings(ServiceSettings):
    """Read from COLLECTION_* environment variables."""

    service_name: ClassVar[str] = "collection"
    model_config = SettingsConfigDict(env_prefix="COLLECTION_", extra="ignore")

    port: int = 8001
