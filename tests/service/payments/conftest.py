"""Payment tests run against a real localstripe process; webhooks are really sent and signed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.app import create_app
from service.payments.gateway import StripeGateway
from service.settings import get_settings
from tests.localstripe import NOWHERE, LocalStripe, live_server, running_localstripe
from tests.service.payments.shop import Shop, make_shop

WEBHOOK_SECRET = "whsec_techan_test_secret"
API_KEY = "sk_test_techan"


@pytest.fixture(scope="session")
def localstripe(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStripe]:
    """One localstripe for the whole run, on a free port, from scratch."""
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with running_localstripe(log) as server:
        yield server


@pytest.fixture(autouse=True)
def _stripe_settings(localstripe: LocalStripe, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Point techan's Stripe settings at localstripe, with no webhook delivery by default."""
    monkeypatch.setenv("TECHAN_STRIPE_API_KEY", API_KEY)
    monkeypatch.setenv("TECHAN_STRIPE_API_BASE", localstripe.url)
    monkeypatch.setenv("TECHAN_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    get_settings.cache_clear()
    localstripe.configure_webhook(NOWHERE, WEBHOOK_SECRET)
    yield
    get_settings.cache_clear()


@pytest.fixture
def stripe_client(localstripe: LocalStripe) -> stripe.StripeClient:
    """The SDK as a shopper's client would use it (confirming intents)."""
    return stripe.StripeClient(API_KEY, base_addresses={"api": localstripe.url})


@pytest.fixture
def gateway() -> StripeGateway:
    """techan's own gateway, as configured for the test."""
    return StripeGateway.from_settings(get_settings())


@pytest.fixture
def webhook_server(engine: Engine, localstripe: LocalStripe) -> Iterator[str]:
    """techan served by uvicorn on a free port, with localstripe sending it real webhooks."""
    with live_server(create_app(engine=engine)) as base:
        localstripe.configure_webhook(f"{base}/api/v1/webhooks/stripe", WEBHOOK_SECRET)
        try:
            yield base
        finally:
            localstripe.configure_webhook(NOWHERE, WEBHOOK_SECRET)


@pytest.fixture
def shop(client: TestClient, session: Session) -> Shop:
    """A producer's listed SKU and a signed-up shopper, through the API."""
    return make_shop(client, session)
