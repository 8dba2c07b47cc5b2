"""Process configuration from the environment (prefix TOURFLOW_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TASK_QUEUE = "tourflow"


class Settings(BaseSettings):
    """Every knob tourflow reads; unset URLs mean "use the embedded part"."""

    model_config = SettingsConfigDict(env_prefix="TOURFLOW_", extra="ignore", populate_by_name=True)

    # Accept the plain names too (DATABASE_URL / TEMPORAL_ADDRESS) so platform
    # conventions (Heroku, Render, docker-compose files) work unchanged.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("TOURFLOW_DATABASE_URL", "DATABASE_URL")
    )
    temporal_address: str | None = Field(
        default=None, validation_alias=AliasChoices("TOURFLOW_TEMPORAL_ADDRESS", "TEMPORAL_ADDRESS")
    )
    temporal_namespace: str = "default"
    temporal_task_queue: str = DEFAULT_TASK_QUEUE
    data_dir: Path = Path(".tourflow")
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    embedded_temporal_port: int = 7233
    embedded_temporal_ui_port: int = 8233
    # KMS key source for traveller PII envelopes: an inline base64 key wins,
    # else a key file (default <data_dir>/kms.key, created by `tourflow up`).
    kms_key: str | None = None
    kms_key_file: Path | None = None
    # Approval-required status mutations: `kind:action` rules such as
    # "agent:cancel,agent:override,workflow:*" (see domain.approvals.policy).
    approval_policy: str = ""
    approval_ttl_seconds: int = 86400
    idempotency_ttl_seconds: int = 86400
    log_level: str = "INFO"
    outbox_poll_interval: float = 0.25
    intent_sweep_interval_seconds: int = 15
    booking_hold_ttl_seconds: int = 1800
    # Payment collection: the card processor (the simulated one by default), the secret
    # its webhooks are signed with, where it calls back, and bank-transfer details.
    payment_processor_url: str = "http://127.0.0.1:8790"
    payment_webhook_secret: str = "tourflow-dev-webhook-secret"  # noqa: S105 (dev default)
    payment_webhook_base_url: str | None = None
    bank_transfer_iban: str = "XX00 0000 0000 0000 0000 00"
    bank_transfer_beneficiary: str = "tourflow operator"
    # Payment reminders: the default notifier appends JSON lines here
    # (default <data_dir>/notifications.jsonl); days before a due date to remind.
    notifications_file: Path | None = None
    reminder_lead_days: int = 3
    # Finance FX: the operator's accounting currency (supplier-invoice base amounts,
    # profitability rollups); invoice issue adds FX provenance when `invoice_fx_enabled`
    # and the invoice's currency differs. Rates come from the fx_rates table unless
    # `fx_provider_url` names an HTTP provider (adapters.fx.http).
    base_currency: str = "EUR"
    invoice_fx_enabled: bool = False
    invoice_fx_commission_bps: int = 0
    invoice_fx_mention: str | None = None
    fx_provider_url: str | None = None

    @property
    def resolved_webhook_base_url(self) -> str:
        """Where processors reach the API (defaults to the API's own host and port)."""
        return (self.payment_webhook_base_url or f"http://{self.api_host}:{self.api_port}").rstrip(
            "/"
        )

    @property
    def resolved_data_dir(self) -> Path:
        """The data directory as an absolute path."""
        return self.data_dir.expanduser().resolve()

    @property
    def resolved_kms_key_file(self) -> Path:
        """Where the local KMS key lives when no inline key is given."""
        return self.kms_key_file or self.resolved_data_dir / "kms.key"


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings, read once."""
    return Settings()
