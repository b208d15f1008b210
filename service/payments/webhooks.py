"""Stripe webhooks: verified, stored once by event id, applied once, never moving an order back."""

from __future__ import annotations

from typing import Any

import stripe
from sqlalchemy import update
from sqlmodel import Session, col

from service.kit.db import utcnow
from service.kit.errors import BadRequest
from service.kit.insert_once import insert_once
from service.payments.gateway import IntentState, StripeGateway
from service.payments.models import EventOutcome, PaymentEvent
from service.payments.schemas import WebhookReceipt
from service.payments.service import (
    Applied,
    apply_intent_failed,
    apply_intent_succeeded,
    payment_of_intent,
)

SUCCEEDED = "payment_intent.succeeded"
FAILED = "payment_intent.payment_failed"


class BadSignature(BadRequest):
    """The body is not a Stripe event signed with our webhook secret."""

    code = "bad_signature"


def verify_event(gateway: StripeGateway, payload: bytes, signature: str | None) -> Any:
    """The event, if Stripe signed exactly these bytes with our webhook secret; else 400."""
    try:
        return gateway.construct_event(payload, signature)
    except stripe.SignatureVerificationError as exc:
        raise BadSignature("the Stripe-Signature header does not match the body") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise BadSignature("the webhook body is not a Stripe event") from exc


def record_event(
    session: Session, *, event_id: str, event_type: str, intent: IntentState | None
) -> bool:
    """Store the event id; False when it was already stored (a redelivery)."""
    return insert_once(
        session,
        PaymentEvent,
        {
            "event_id": event_id,
            "type": event_type,
            "intent_id": intent.id if intent else None,
            "amount_fen": intent.amount_fen if intent else None,
            "currency": intent.currency[:3] if intent else None,
            "received_at": utcnow(),
        },
        unique=("event_id",),
    )


def note_outcome(session: Session, *, event_id: str, applied: Applied) -> None:
    """Write down what the event did (applied, mismatch, ignored …)."""
    session.execute(
        update(PaymentEvent)
        .where(col(PaymentEvent.event_id) == event_id)
        .values(
            outcome=applied.outcome,
            order_id=applied.order_id,
            detail=(applied.detail or "")[:500] or None,
        )
    )


def apply_event(
    session: Session, *, event_type: str, intent: IntentState | None, gateway: StripeGateway
) -> Applied:
    """Act on one stored event."""
    if intent is None:
        return Applied(EventOutcome.ignored_type)
    if event_type == SUCCEEDED:
        return apply_intent_succeeded(session, intent=intent, gateway=gateway, source="webhook")
    if event_type == FAILED:
        return apply_intent_failed(session, intent=intent, error=None)
    payment = payment_of_intent(session, intent.id)  # the metadata's order may not exist
    return Applied(EventOutcome.ignored_type, payment.order_id if payment else None)


def receive_stripe_event(
    session: Session, *, payload: bytes, signature: str | None, gateway: StripeGateway
) -> WebhookReceipt:
    """Verify, store once, apply once. Stored and applied in one transaction: if applying
    fails, the event is not stored either, and Stripe's retry gets another chance."""
    event = verify_event(gateway, payload, signature).to_dict()
    obj = event["data"]["object"]
    is_intent = obj.get("object") == "payment_intent"
    intent = IntentState.of(obj) if is_intent else None
    event_id, event_type = str(event["id"]), str(event["type"])
    if not record_event(session, event_id=event_id, event_type=event_type, intent=intent):
        return WebhookReceipt(event_id=event_id, duplicate=True, outcome=None)
    applied = apply_event(session, event_type=event_type, intent=intent, gateway=gateway)
    note_outcome(session, event_id=event_id, applied=applied)
    return WebhookReceipt(event_id=event_id, duplicate=False, outcome=applied.outcome)
