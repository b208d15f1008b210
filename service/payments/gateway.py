"""Stripe through its official SDK: PaymentIntents, Refunds and webhook signatures.

`TECHAN_STRIPE_API_BASE` points the SDK at localstripe in tests and the demo; unset, it talks
to api.stripe.com with `TECHAN_STRIPE_API_KEY`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import stripe

from service.kit.errors import ServiceError, UpstreamError
from service.settings import Settings

CURRENCY = "CNY"


class IntentMissing(UpstreamError):
    """Stripe does not know the order's PaymentIntent (a test server that started afresh)."""

    code = "intent_missing"


class PaymentMethodRefused(ServiceError):
    """Stripe does not know or will not use this payment method."""

    status = 422
    code = "invalid_payment_method"


class PaymentsNotConfigured(ServiceError):
    """This deployment has no Stripe key: it takes no payments."""

    status = 503
    code = "payments_not_configured"


class PaymentDeclined(ServiceError):
    """Stripe declined the card; the order may be paid with another one."""

    status = 402
    code = "card_declined"


@dataclass(frozen=True)
class IntentState:
    """What Stripe says about one PaymentIntent."""

    id: str
    status: str
    amount_fen: int
    currency: str  # upper case, like our orders
    order_id: int | None
    client_secret: str | None = None
    last_error: str | None = None

    @classmethod
    def of(cls, intent: Any) -> IntentState:
        """Read a PaymentIntent (an SDK object or a plain dict)."""
        if isinstance(intent, stripe.StripeObject):
            intent = intent.to_dict()
        metadata = intent.get("metadata") or {}
        order_id = str(metadata.get("order_id") or "")
        error = intent.get("last_payment_error") or {}
        return cls(
            id=str(intent["id"]),
            status=str(intent.get("status") or ""),
            amount_fen=int(intent.get("amount") or 0),
            currency=str(intent.get("currency") or "").upper(),
            order_id=int(order_id) if order_id.isdigit() else None,
            client_secret=intent.get("client_secret"),
            last_error=error.get("message") if error else None,
        )


@lru_cache(maxsize=8)
def _client(api_key: str, api_base: str | None, timeout: float) -> stripe.StripeClient:
    # The SDK's own default client (requests is one of stripe's dependencies), with a timeout
    # short enough that a stalled Stripe cannot hold a request and its locks for 80 s.
    http = stripe.RequestsClient(timeout=timeout)
    bases: Any = {"api": api_base} if api_base else None
    return stripe.StripeClient(
        api_key, base_addresses=bases, http_client=http, max_network_retries=1
    )


def _upstream(exc: stripe.StripeError) -> UpstreamError:
    return UpstreamError(f"Stripe refused or failed: {exc.user_message or exc}")


def _refused_method(exc: stripe.InvalidRequestError, payment_method: str) -> ServiceError:
    # The intent was just read, so a 404 here is about the payment method.
    if exc.http_status == 404 or (exc.param or "").startswith("payment_method"):
        return PaymentMethodRefused(
            f"Stripe will not use payment method {payment_method!r}", details="payment_method"
        )
    return _upstream(exc)


class StripeGateway:
    """The few Stripe calls techan makes, with its errors turned into ServiceErrors."""

    def __init__(
        self, client: stripe.StripeClient | None, *, webhook_secret: str | None
    ) -> None:
        self._client = client
        self.webhook_secret = webhook_secret

    @classmethod
    def from_settings(cls, settings: Settings) -> StripeGateway:
        """A gateway configured by TECHAN_STRIPE_* settings (unconfigured without a key)."""
        secret = settings.stripe_webhook_secret
        webhook_secret = secret.get_secret_value() if secret else None
        if settings.stripe_api_key is None:
            return cls(None, webhook_secret=webhook_secret)
        client = _client(
            settings.stripe_api_key.get_secret_value(),
            settings.stripe_api_base,
            settings.stripe_timeout_seconds,
        )
        return cls(client, webhook_secret=webhook_secret)

    @property
    def client(self) -> stripe.StripeClient:
        """The SDK client; 503 when this deployment has no Stripe key."""
        if self._client is None:
            raise PaymentsNotConfigured("payments are not configured")
        return self._client

    def create_intent(
        self, *, order_id: int, amount_fen: int, replacing: str | None = None
    ) -> IntentState:
        """A PaymentIntent for the order's total: the order's first, or the one REPLACING an
        intent that was declined or that Stripe forgot (each its own idempotency key)."""
        params: Any = {
            "amount": amount_fen,
            "currency": CURRENCY.lower(),
            "metadata": {"order_id": str(order_id)},
        }
        key = f"techan-order-{order_id}-intent"
        if replacing is not None:
            key = f"{key}-after-{replacing}"
        try:
            intent = self.client.v1.payment_intents.create(
                params=params, options={"idempotency_key": key}
            )
        except stripe.StripeError as exc:
            raise _upstream(exc) from exc
        return IntentState.of(intent)

    def retrieve_intent(self, intent_id: str) -> IntentState:
        """The intent's current state at Stripe (IntentMissing when Stripe has no such intent)."""
        try:
            return IntentState.of(self.client.v1.payment_intents.retrieve(intent_id))
        except stripe.InvalidRequestError as exc:
            if exc.http_status == 404:
                raise IntentMissing(f"Stripe has no payment intent {intent_id}") from exc
            raise _upstream(exc) from exc
        except stripe.StripeError as exc:
            raise _upstream(exc) from exc

    def confirm_with(self, intent_id: str, *, payment_method: str) -> IntentState:
        """Attach PAYMENT_METHOD to the intent, then confirm it (402 when the card is declined).

        Attaching by update and then confirming works on Stripe and on localstripe, which
        rejects a payment_method argument to confirm.
        """
        intents = self.client.v1.payment_intents
        try:
            intents.update(intent_id, params={"payment_method": payment_method})
        except stripe.InvalidRequestError as exc:
            raise _refused_method(exc, payment_method) from exc
        except stripe.StripeError as exc:
            raise _upstream(exc) from exc
        try:
            return IntentState.of(intents.confirm(intent_id))
        except stripe.CardError as exc:
            raise PaymentDeclined(exc.user_message or "the card was declined") from exc
        except stripe.InvalidRequestError as exc:
            # Stripe checks the method when it is attached, localstripe when it is charged.
            raise _refused_method(exc, payment_method) from exc
        except stripe.StripeError as exc:
            raise _upstream(exc) from exc

    def cancel_intent_quietly(self, intent_id: str) -> bool:
        """Cancel an intent nobody should pay any more; False when Stripe would not."""
        try:
            self.client.v1.payment_intents.cancel(intent_id)
        except (stripe.StripeError, PaymentsNotConfigured):
            return False  # already succeeded or cancelled: a late success is refunded later
        return True

    def refund(self, *, intent_id: str, amount_fen: int, idempotency_key: str) -> str:
        """Pay AMOUNT_FEN of the intent back; the Stripe refund id."""
        params: Any = {"payment_intent": intent_id, "amount": amount_fen}
        try:
            refund = self.client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise _upstream(exc) from exc
        return str(refund.id)

    def refunded_fen(self, intent_id: str) -> int:
        """What Stripe has paid back of the intent so far (its succeeded refunds)."""
        total = 0
        try:
            page = self.client.v1.refunds.list(params={"payment_intent": intent_id, "limit": 100})
            for refund in page.auto_paging_iter():
                if refund.status in ("succeeded", "pending", None):
                    total += int(refund.amount)
        except stripe.StripeError as exc:
            raise _upstream(exc) from exc
        return total

    def construct_event(self, payload: bytes, signature: str | None) -> stripe.Event:
        """The event in PAYLOAD if its Stripe-Signature header is valid (raises otherwise)."""
        client = self.client
        if not self.webhook_secret:
            raise stripe.SignatureVerificationError("no webhook secret is configured", signature)
        return client.construct_event(payload, signature, self.webhook_secret)
