"""Lapsed reservations: cancel the orders, return their stock, cancel their intents at Stripe."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import col, select

from service.kit.db import session_scope, utcnow
from service.orders.reservations import due_order_ids, expire_due_orders
from service.payments.gateway import StripeGateway
from service.payments.models import Payment, PaymentStatus

OPEN = (PaymentStatus.requires_payment, PaymentStatus.failed)


def settle_lapsed_reservations(
    engine: Engine, *, gateway: StripeGateway, now: datetime | None = None, limit: int = 500
) -> list[int]:
    """Cancel unpaid orders past their reservation (their own transaction); the ids cancelled.

    A cheap read runs first, so requests only take a write lock when something is due. The
    intents are cancelled at Stripe after the commit, best effort: a payment that still
    succeeds is refunded when its webhook or `techan payments reconcile` reports it.
    """
    now = now or utcnow()
    with session_scope(engine, readonly=True) as session:
        if not due_order_ids(session, now=now, limit=1):
            return []
    with session_scope(engine) as session:
        expired = expire_due_orders(session, now=now, limit=limit)
        intents = list(
            session.exec(
                select(Payment.id, Payment.intent_id).where(
                    col(Payment.order_id).in_(expired), col(Payment.status).in_(OPEN)
                )
            )
        )
    cancelled = [
        payment_id for payment_id, intent in intents if gateway.cancel_intent_quietly(intent)
    ]
    if cancelled:
        with session_scope(engine) as session:
            session.execute(
                update(Payment)
                .where(col(Payment.id).in_(cancelled), col(Payment.status).in_(OPEN))
                .values(status=PaymentStatus.canceled, updated_at=utcnow())
            )
    return expired
