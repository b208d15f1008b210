"""Forged payments: the webhook secret is never a published one, and no key means no payments."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stripe
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import Engine
from sqlmodel import Session

from service.app import create_app
from service.settings import Settings, get_settings
from tests.localstripe import signed_event
from tests.service.payments.shop import API, Shop, intent_event, make_shop

OLD_PUBLIC_DEFAULT = "whsec_techan_local"


@pytest.mark.parametrize("base", [None, "https://api.stripe.com", "http://stripe.example:12111"])
@pytest.mark.parametrize("secret", [None, OLD_PUBLIC_DEFAULT, ""])
def test_real_stripe_with_a_missing_or_public_secret_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, base: str | None, secret: str | None
) -> None:
    monkeypatch.delenv("TECHAN_STRIPE_WEBHOOK_SECRET", raising=False)
    with pytest.raises(ValidationError, match="TECHAN_STRIPE_WEBHOOK_SECRET"):
        Settings(stripe_api_key="sk_live_x", stripe_api_base=base, stripe_webhook_secret=secret)


def test_a_real_secret_or_a_local_server_or_no_key_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("API_KEY", "API_BASE", "WEBHOOK_SECRET"):
        monkeypatch.delenv(f"TECHAN_STRIPE_{name}", raising=False)
    Settings(stripe_api_key="sk_live_x", stripe_webhook_secret="whsec_9f2c1d7e0b")
    for host in ("127.0.0.1", "localhost", "[::1]"):
        Settings(stripe_api_key="sk_test_x", stripe_api_base=f"http://{host}:8420")
    assert Settings().stripe_api_key is None


@pytest.fixture
def default_secret_client(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The app as it starts against localstripe with no TECHAN_STRIPE_WEBHOOK_SECRET set."""
    monkeypatch.delenv("TECHAN_STRIPE_WEBHOOK_SECRET")
    get_settings.cache_clear()
    with TestClient(create_app(engine=engine)) as c:
        yield c


def test_an_event_signed_with_the_old_public_default_is_refused(
    default_secret_client: TestClient, session: Session, stripe_client: stripe.StripeClient
) -> None:
    shop: Shop = make_shop(default_secret_client, session)
    order = shop.order([(shop.tea, 1)])
    intent_id = shop.pay(order["id"]).json()["intent_id"]
    intent = stripe_client.v1.payment_intents.retrieve(intent_id).to_dict()
    event = intent_event(
        dict(intent),
        event_type="payment_intent.succeeded",
        event_id="evt_forged",
        status="succeeded",
    )
    payload, headers = signed_event(event, OLD_PUBLIC_DEFAULT)
    resp = shop.client.post(f"{API}/webhooks/stripe", content=payload, headers=headers)
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == "bad_signature"
    assert shop.events(intent_id) == []
    assert shop.get(order["id"])["status"] == "pending_payment"


def test_without_a_stripe_key_payments_answer_503(
    engine: Engine, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("API_KEY", "API_BASE", "WEBHOOK_SECRET"):
        monkeypatch.delenv(f"TECHAN_STRIPE_{name}")
    get_settings.cache_clear()
    with TestClient(create_app(engine=engine)) as client:
        shop = make_shop(client, session)
        order = shop.order([(shop.tea, 1)])
        resp = shop.pay(order["id"], "pm_card_visa")
        assert resp.status_code == 503
        assert resp.json()["error"]["message"] == "payments are not configured"
        payload, headers = signed_event({"id": "evt_x"}, OLD_PUBLIC_DEFAULT)
        hook = client.post(f"{API}/webhooks/stripe", content=payload, headers=headers)
        assert hook.status_code == 503
        cancel = client.post(f"{API}/orders/{order['id']}/cancel", headers=shop.headers)
        assert cancel.status_code == 200
