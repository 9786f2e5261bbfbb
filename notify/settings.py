"""All configuration, from the environment, with embedded defaults (ARCHITECTURE.md, "Configuration").

Production sets ``KAFKA_URL``, ``DATABASE_URL``, ``SMTP_URL`` and ``NOTIFY_SECRET_KEY``; without them
every process uses the embedded stack that ``notify dev`` starts in the data dir.
"""

from __future__ import annotations

import secrets
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

EMBEDDED_KAFKA_PORT = 9092
EMBEDDED_SMTP_PORT = 8025


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    data_dir: Path = Field(Path("var"), validation_alias=AliasChoices("NOTIFY_DATA_DIR", "data_dir"))
    database_url: str | None = Field(None, validation_alias=AliasChoices("DATABASE_URL", "database_url"))
    kafka_url: str = Field(
        f"kafka://127.0.0.1:{EMBEDDED_KAFKA_PORT}", validation_alias=AliasChoices("KAFKA_URL", "kafka_url")
    )
    smtp_url: str = Field(
        f"smtp://127.0.0.1:{EMBEDDED_SMTP_PORT}", validation_alias=AliasChoices("SMTP_URL", "smtp_url")
    )
    city: str = Field("gelsenkirchen", validation_alias=AliasChoices("NOTIFY_CITY", "city"))
    port: int = Field(8000, validation_alias=AliasChoices("PORT", "port"))
    base_url: str = Field("http://localhost:8000", validation_alias=AliasChoices("NOTIFY_BASE_URL", "base_url"))
    secret_key: str | None = Field(None, validation_alias=AliasChoices("NOTIFY_SECRET_KEY", "secret_key"))
    mail_from: str = Field(
        "Stadt Gelsenkirchen <stadtbote@gelsenkirchen.de>",
        validation_alias=AliasChoices("NOTIFY_MAIL_FROM", "mail_from"),
    )
    # Apprise provider URLs with {to} for the recipient, e.g. twilio://SID:TOKEN@+49170…/{to}
    sms_url: str = Field("outbox://sms/{to}", validation_alias=AliasChoices("NOTIFY_SMS_URL", "sms_url"))
    push_url: str = Field("outbox://push/{to}", validation_alias=AliasChoices("NOTIFY_PUSH_URL", "push_url"))
    provider_rate_per_s: float = Field(
        10.0, validation_alias=AliasChoices("NOTIFY_PROVIDER_RATE", "provider_rate_per_s")
    )
    provider_concurrency: int = Field(
        8, validation_alias=AliasChoices("NOTIFY_PROVIDER_CONCURRENCY", "provider_concurrency")
    )
    sms_segment_budget: int = Field(2, validation_alias=AliasChoices("NOTIFY_SMS_SEGMENTS", "sms_segment_budget"))
    # A warning may use more parts than the budget, up to this, so its instructions are never dropped.
    sms_urgent_segments: int = Field(
        4, ge=1, validation_alias=AliasChoices("NOTIFY_SMS_URGENT_SEGMENTS", "sms_urgent_segments")
    )
    # Seconds between snapshots of the match index (notify/changes.py; also written at shutdown);
    # 0: no snapshot, every start loads the index from the database.
    index_snapshot_every_s: float = Field(
        300.0, ge=0, validation_alias=AliasChoices("NOTIFY_INDEX_SNAPSHOT_EVERY", "index_snapshot_every_s")
    )
    letter_close_every_s: float = Field(
        300.0, validation_alias=AliasChoices("NOTIFY_LETTER_CLOSE_EVERY", "letter_close_every_s")
    )
    # A letter arrives 1–3 working days after its batch; a message no longer valid by the first
    # of them is not printed (notify/letter_timing.py). Warnings without valid_until: this lifetime.
    letter_days_min: int = Field(1, ge=0, validation_alias=AliasChoices("NOTIFY_LETTER_DAYS_MIN", "letter_days_min"))
    letter_days_max: int = Field(3, ge=0, validation_alias=AliasChoices("NOTIFY_LETTER_DAYS_MAX", "letter_days_max"))
    urgent_lifetime_hours: float = Field(
        12.0, gt=0, validation_alias=AliasChoices("NOTIFY_URGENT_LIFETIME_HOURS", "urgent_lifetime_hours")
    )
    dkim_selector: str | None = Field(None, validation_alias=AliasChoices("NOTIFY_DKIM_SELECTOR", "dkim_selector"))
    dkim_domain: str | None = Field(None, validation_alias=AliasChoices("NOTIFY_DKIM_DOMAIN", "dkim_domain"))
    dkim_key_file: str | None = Field(None, validation_alias=AliasChoices("NOTIFY_DKIM_KEY_FILE", "dkim_key_file"))
    partitions: int = Field(4, validation_alias=AliasChoices("NOTIFY_PARTITIONS", "partitions"))
    # How long a consumer's fetch may wait on the broker for new records. Kafka answers as soon as
    # a record arrives; Tansu waits the full time, so Faust's fixed 1.5 s added up to that much
    # to every hop (event → match → delivery). Short waits cost only a few idle requests.
    kafka_fetch_max_wait_ms: int = Field(
        100, ge=10, le=5000, validation_alias=AliasChoices("NOTIFY_KAFKA_FETCH_MAX_WAIT_MS", "kafka_fetch_max_wait_ms")
    )
    smtp_connections: int = Field(4, validation_alias=AliasChoices("NOTIFY_SMTP_CONNECTIONS", "smtp_connections"))
    # Command pipelining (RFC 2920) where the relay offers it: two round trips per e-mail, not four.
    smtp_pipelining: bool = Field(True, validation_alias=AliasChoices("NOTIFY_SMTP_PIPELINING", "smtp_pipelining"))
    # Batches in flight per channel agent: SMTP round trips overlap with database work.
    delivery_concurrency: int = Field(
        3, validation_alias=AliasChoices("NOTIFY_DELIVERY_CONCURRENCY", "delivery_concurrency")
    )
    approval_threshold: int = Field(
        500, validation_alias=AliasChoices("NOTIFY_APPROVAL_THRESHOLD", "approval_threshold")
    )
    digest_hour: int = Field(7, validation_alias=AliasChoices("NOTIFY_DIGEST_HOUR", "digest_hour"))
    # Per-message failures (a 451, a gateway 429) are retried with back-off (at most 5 minutes
    # apart) for ``retry_horizon_h`` hours, like GOV.UK Notify; provider outages do not count
    # (notify/circuit.py). ``max_attempts`` is a last cap on top of the horizon.
    max_attempts: int = Field(100, validation_alias=AliasChoices("NOTIFY_MAX_ATTEMPTS", "max_attempts"))
    retry_horizon_h: float = Field(
        4.0, gt=0, validation_alias=AliasChoices("NOTIFY_RETRY_HORIZON_H", "retry_horizon_h")
    )
    # A claimed delivery's lease (subscribers/leases.py): renewed while the worker works on it.
    lease_s: float = Field(30.0, ge=5, validation_alias=AliasChoices("NOTIFY_LEASE_S", "lease_s"))
    # Sends per SMTP connection (per provider slot) that may be between "started" and "outcome
    # committed": 1 bounds the messages a crash can leave in doubt by the connections; 2 lets a
    # connection start its next message while the last outcome is being written (faster, twice
    # the bound).
    in_doubt_per_connection: int = Field(
        1, ge=1, le=4, validation_alias=AliasChoices("NOTIFY_IN_DOUBT_PER_CONNECTION", "in_doubt_per_connection")
    )
    # How quickly Kafka notices a dead worker and hands its partitions to the others.
    kafka_session_timeout_s: float = Field(
        10.0, ge=3, validation_alias=AliasChoices("NOTIFY_KAFKA_SESSION_TIMEOUT_S", "kafka_session_timeout_s")
    )
    circuit_threshold: int = Field(
        3, ge=1, validation_alias=AliasChoices("NOTIFY_CIRCUIT_THRESHOLD", "circuit_threshold")
    )
    circuit_max_probe_s: float = Field(
        60.0, ge=1, validation_alias=AliasChoices("NOTIFY_CIRCUIT_MAX_PROBE_S", "circuit_max_probe_s")
    )
    # Other systems the worker reads (notify/sources): NINA feeds (space-separated URLs, every
    # 60 s with ETag) and one OParl server (System or Body URL).
    nina_urls: str = Field("", validation_alias=AliasChoices("NOTIFY_NINA_URLS", "nina_urls"))
    nina_every_s: float = Field(60.0, validation_alias=AliasChoices("NOTIFY_NINA_EVERY", "nina_every_s"))
    oparl_url: str = Field("", validation_alias=AliasChoices("NOTIFY_OPARL_URL", "oparl_url"))
    oparl_every_s: float = Field(900.0, validation_alias=AliasChoices("NOTIFY_OPARL_EVERY", "oparl_every_s"))

    # -- derived -----------------------------------------------------------------------------
    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'stadtbote.db').resolve()}"

    @property
    def kafka_bootstrap(self) -> str:
        """``kafka://h1:9092;h2:9092`` → ``h1:9092,h2:9092`` for aiokafka."""
        servers = self.kafka_url.split("://", 1)[-1]
        return ",".join(s.strip() for s in servers.replace(";", ",").split(",") if s.strip())

    @property
    def smtp_host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.smtp_url)
        return parts.hostname or "127.0.0.1", parts.port or 25

    @property
    def mail_dir(self) -> Path:
        return self.data_dir / "mail"

    def resolved_secret_key(self) -> str:
        """The signing key; in development a random one is kept in the data dir."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


@cache
def get_settings() -> Settings:
    return Settings()
