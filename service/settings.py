"""Settings from TECHAN_* environment variables; the embedded defaults need no configuration."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All of techan's configuration in one place."""

    model_config = SettingsConfigDict(env_prefix="TECHAN_", extra="ignore")

    database_url: str = "sqlite:///techan.db"
    meili_url: str | None = None
    meili_key: SecretStr | None = None
    # The Meilisearch index techan's search backend uses (when meili_url is set).
    meili_index: str = "techan-products"
    stripe_api_key: SecretStr = SecretStr("sk_test_techan_localstripe")
    stripe_api_base: str | None = None
    stripe_webhook_secret: SecretStr = SecretStr("whsec_techan_local")
    reservation_minutes: int = 30
    # How often the server cancels unpaid orders past their reservation (0: never; the
    # `techan orders sweep` command and every order request still do it on access).
    reservation_sweep_seconds: int = 60
    # How long one call to Stripe may take before the request fails with 502.
    stripe_timeout_seconds: float = 10.0
    # Where `techan analytics refresh` writes trained artefacts (versioned sub-directories).
    artefact_dir: Path = Path("var/artefacts")
    # Request bodies above this are refused with 413 before parsing.
    max_body_bytes: int = 1_000_000
    # Admission (service/kit/admission.py): at most this many writing (non-GET) and reading
    # requests run at once; the rest queue on the event loop, holding no thread and no
    # connection, and get 503 with Retry-After after admission_wait_seconds.
    write_concurrency: int = 8
    # SQLite lets one writer in at a time: more admitted writers would only poll its lock
    # (unfairly, on the busy timeout) instead of queueing in order.
    sqlite_write_concurrency: int = 1
    read_concurrency: int = 16
    admission_wait_seconds: float = 10.0
    # Safety nets on every database connection (0 turns one off). PostgreSQL: how long a
    # statement waits for a lock, runs at all, and a transaction may sit idle; SQLite: how long
    # a writer waits for the write lock. Lock waits end before the admission wait does, so a
    # request stuck behind a lock ends as a 503 instead of holding its place in the queue.
    db_lock_timeout_seconds: float = 5.0
    db_statement_timeout_seconds: float = 30.0
    db_idle_in_transaction_timeout_seconds: float = 60.0
    sqlite_busy_timeout_seconds: float = 5.0
    log_searches: bool = True
    # How long an anonymous storefront read (product, list page) may be answered from a worker's
    # own cache: a price or stock change shows everywhere within this (0 turns the cache off).
    read_cache_seconds: float = Field(default=1.0, ge=0, le=1.0)
    # Rate-limit counters: in this process's memory when unset; several workers share them
    # through Redis (redis://host:6379/0) so a limit holds across the whole deployment.
    redis_url: str | None = None
    # Limits in the `limits` notation ("N/second|minute|hour|day", several joined by ";"),
    # counted per signed-in user, else per client address.
    rate_signin: str = "10/minute;100/hour"
    rate_register: str = "20/minute;200/hour"
    rate_orders: str = "30/minute"
    # Over this a search still answers but is not written to the search log.
    rate_search_log: str = "60/minute"
    # A page session ends after this long unused, and after this long whatever happens.
    session_idle_minutes: int = 120
    session_absolute_hours: int = 12


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
