"""Settings from TECHAN_* environment variables; the embedded defaults need no configuration."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """All of techan's configuration in one place."""

    model_config = SettingsConfigDict(env_prefix="TECHAN_", extra="ignore")

    database_url: str = "sqlite:///techan.db"
    meili_url: str | None = None
    meili_key: SecretStr | None = None
    # The Meilisearch index techan's search backend uses (when meili_url is set).
    meili_index: str = "techan-products"
    # Without a Stripe key payments are not configured: their endpoints answer 503.
    stripe_api_key: SecretStr | None = None
    stripe_api_base: str | None = None
    # Required (and not a published example) unless Stripe is a local test server.
    stripe_webhook_secret: SecretStr | None = None
    reservation_minutes: int = 30
    # Anti-hoarding: a shopper holding this many unpaid orders must pay or cancel one first.
    max_unpaid_orders: int = 3
    # How often the server cancels unpaid orders past their reservation (0: never; the
    # `techan orders sweep` command and every order request still do it on access).
    reservation_sweep_seconds: int = 60
    # How long a producer has to answer an after-sales request; silence past it accepts.
    after_sales_hours: int = Field(default=48, ge=1, le=24 * 60)
    # Days after shipping when a parcel the shopper never confirmed counts as delivered (the
    # sweep above does it, and so does every order request on access).
    auto_confirm_days: int = 10
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
    # `techan analytics refresh` deletes search log rows older than this many days: two years
    # and a little, so a season's searches can still be set beside the same season last year.
    search_log_days: int = 800
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

    @model_validator(mode="after")
    def _webhook_secret_is_secret(self) -> Settings:
        """Refuse to start where anyone could forge a signed payment event."""
        if self.stripe_api_key is None or stripe_is_local(self.stripe_api_base):
            return self
        secret = self.stripe_webhook_secret
        if secret is None or secret.get_secret_value().strip() in PUBLIC_WEBHOOK_SECRETS:
            raise ValueError(
                "TECHAN_STRIPE_WEBHOOK_SECRET must be set to the signing secret of your Stripe "
                "webhook endpoint (a missing or published secret lets anyone forge payments)"
            )
        return self


# Webhook secrets published in techan's own code and docs: never a real one.
PUBLIC_WEBHOOK_SECRETS = frozenset({"", "whsec_techan_local", "whsec_techan_test_secret"})
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def stripe_is_local(api_base: str | None) -> bool:
    """True when Stripe calls go to a test server on this machine (localstripe)."""
    return bool(api_base) and urlsplit(api_base or "").hostname in LOCAL_HOSTS


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
