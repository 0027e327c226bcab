"""Settings shared by every service, read from environment variables with a prefix per service.

`COLLECTION_DATABASE_URL`, `GRID_KAFKA_BOOTSTRAP_SERVERS`, ... Each service subclasses `ServiceSettings` only to set
its name and prefix; everything else is common so the five services are configured alike.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Embedded default: SQLite files under var/ in the repository (or the current directory when installed elsewhere).
DEFAULT_VAR_DIR = Path.cwd() / "var"

# Development-only keys so that `make run` works on a fresh machine. Production sets its own through the environment;
# `ServiceSettings.uses_development_keys` lets /readyz and the logs say so loudly.
DEV_JWT_SECRET = "jiading-dev-only-secret-change-me-0123456789abcdef"
DEV_PII_KEYS = {"dev-1": "ZGV2LW9ubHktYWVzLTI1Ni1rZXktMDEyMzQ1Njc4OWE="}
DEV_PII_INDEX_KEY = "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTAxMjM0NTY3ODk="


class ServiceSettings(BaseSettings):
    """Configuration every service understands. Subclasses set `service_name` and `model_config.env_prefix`."""

    service_name: ClassVar[str] = "service"
    model_config = SettingsConfigDict(env_prefix="SERVICE_", extra="ignore")

    # --- database -------------------------------------------------------------------------------------------------
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL. PostgreSQL in production (postgresql+psycopg://...); empty = SQLite under var/.",
    )
    database_echo: bool = False
    migrate_on_start: bool = Field(default=True, description="Run alembic upgrade head when the service starts.")

    # --- Kafka ----------------------------------------------------------------------------------------------------
    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    kafka_enabled: bool = Field(default=True, description="Run the outbox relay and consumers.")
    kafka_client_id: str = ""
    kafka_enable_idempotence: bool = Field(
        default=False, description="Idempotent producer. Off by default: the embedded tansu broker rejects it."
    )
    topic_partitions: int = 3
    topic_replication_factor: int = 1

    # --- outbox relay ---------------------------------------------------------------------------------------------
    relay_batch_size: int = Field(default=500, ge=1, le=10_000)
    relay_poll_interval_ms: int = Field(default=20, ge=1, description="Sleep between polls when the outbox is empty.")
    relay_retry_initial_ms: int = Field(default=200, ge=1)
    relay_retry_max_ms: int = Field(default=10_000, ge=1)
    relay_publish_timeout_s: float = Field(default=30.0, gt=0, description="Deadline for a batch's acks.")
    relay_linger_ms: int = Field(default=2, ge=0)

    outbox_retention_days: float = Field(default=7, gt=0, description="Keep published outbox rows this long.")
    inbox_retention_days: float = Field(default=30, gt=0, description="Keep inbox rows (dedupe memory) this long.")

    # --- consumers ------------------------------------------------------------------------------------------------
    consumer_max_retries: int = Field(default=3, ge=0, description="Handler retries before dead-lettering.")
    consumer_retry_initial_ms: int = Field(default=100, ge=1)
    consumer_retry_max_ms: int = Field(default=5_000, ge=1)
    consumer_max_batch: int = Field(default=500, ge=1)
    consumer_fetch_max_wait_ms: int = Field(default=50, ge=0, description="Broker long-poll wait when idle.")
    consumer_unassigned_restart_s: float = Field(
        default=60.0, gt=0, description="Reconnect a consumer that has had no partitions for this long."
    )
    consumer_commit_timeout_s: float = Field(default=30.0, gt=0, description="Reconnect when an offset commit hangs.")
    consumer_session_timeout_ms: int = Field(default=10_000, ge=1000)
    consumer_heartbeat_interval_ms: int = Field(default=1_000, ge=100)
    consumer_rebalance_timeout_ms: int = Field(default=10_000, ge=1000)

    # --- auth -----------------------------------------------------------------------------------------------------
    auth_hs256_secret: str = Field(default=DEV_JWT_SECRET, description="HS256 secret (local runs).")
    auth_rs256_public_key: str = Field(default="", description="PEM public key for RS256 tokens (production).")
    auth_jwks_url: str = Field(default="", description="JWKS URL of the district identity provider (production).")
    auth_issuer: str = "jiading-idp"
    auth_audience: str = "jiading-suite"
    auth_leeway_seconds: int = 30

    # --- personal information -------------------------------------------------------------------------------------
    pii_keys: dict[str, str] = Field(
        default_factory=lambda: dict(DEV_PII_KEYS),
        description='AES-256-GCM keys by key id (base64 of 32 bytes) as JSON: {"2025-1": "..."}. Old ids decrypt.',
    )
    pii_active_key_id: str = Field(default="dev-1", description="Key id used to encrypt new values.")
    pii_index_key: str = Field(default=DEV_PII_INDEX_KEY, description="HMAC-SHA256 key (base64) for blind indexes.")

    # --- working days ---------------------------------------------------------------------------------------------
    calendar_override_file: str = Field(
        default="", description="YAML file adding a year's holiday notice or correcting days, no release needed."
    )

    # --- uploaded files ---------------------------------------------------------------------------------------------
    blob_dir: str = Field(default="", description="Directory of uploaded files; empty = var/blobs/<service>.")

    # --- HTTP / misc ----------------------------------------------------------------------------------------------
    host: str = Field(default="127.0.0.1", description="Interface `python -m <service>` listens on.")
    max_request_bytes: int = Field(default=25 * 1024 * 1024, ge=1024, description="Larger request bodies get 413.")
    # Public intake endpoints (Open311 POST, self-declarations): a token bucket per client, in this process.
    intake_rate_limit_per_minute: float = Field(default=30, gt=0, description="Refill rate of a client's bucket.")
    intake_rate_limit_burst: int = Field(default=10, ge=1, description="Requests a client may make at once.")
    log_level: str = "INFO"
    log_json: bool = True
    schedulers_enabled: bool = True
    scheduler_interval_cap_s: float = Field(
        default=0, ge=0, description="Run every scheduled job at least this often (demos, live tests); 0 = off."
    )
    var_dir: Path = DEFAULT_VAR_DIR

    @field_validator("pii_keys", mode="before")
    @classmethod
    def _parse_keys(cls, value: Any) -> Any:
        if isinstance(value, str):
            return json.loads(value)
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / (self.service_name + '.db')}"

    @property
    def effective_blob_dir(self) -> Path:
        return Path(self.blob_dir) if self.blob_dir else self.var_dir / "blobs" / self.service_name

    @property
    def uses_development_keys(self) -> bool:
        return self.auth_hs256_secret == DEV_JWT_SECRET or self.pii_index_key == DEV_PII_INDEX_KEY

    @property
    def client_id(self) -> str:
        return self.kafka_client_id or f"jiading-{self.service_name}"
