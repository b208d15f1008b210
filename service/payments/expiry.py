"""Lapsed reservations: cancel the orders, return their stock, cancel their intents at Stripe.

The orders are cancelled in the caller's transaction (a request's own, or the sweeper's); the
intents are cancelled at Stripe only after that transaction commits, best effort: a payment
that still succeeds is refunded when its webhook or `techan payments reconcile` reports it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from service.kit.db import session_scope, utcnow
from service.orders.reservations import due_order_ids, expire_due_orders
from service.payments.gateway import StripeGateway
from service.payments.models import Payment, PaymentStatus

OPEN = (PaymentStatus.requires_payment, PaymentStatus.failed)


@dataclass(frozen=True)
class Lapsed:
    """Orders just cancelled because their reservation lapsed, and their intents still open."""

    order_ids: list[int] = field(default_factory=list)
    intents: list[tuple[int, str]] = field(default_factory=list)  # (payment id, intent id)


def expire_lapsed_orders(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = 500,
    among: Collection[int] | None = None,
) -> Lapsed:
    """Cancel unpaid orders past their reservation (only AMONG these ids when given) in
    SESSION's transaction, and name the intents to cancel at Stripe once it commits.

    Nothing is written when nothing is due, so a read only takes a write lock when it must.
    """
    expired = expire_due_orders(session, now=now, limit=limit, among=among)
    if not expired:
        return Lapsed()
    rows = session.exec(
        select(Payment.id, Payment.intent_id).where(
            col(Payment.order_id).in_(expired), col(Payment.status).in_(OPEN)
        )
    )
    return Lapsed(expired, [(payment_id, intent) for payment_id, intent in rows if payment_id])


def cancel_open_intents(
    engine: Engine, *, gateway: StripeGateway, intents: Sequence[tuple[int, str]]
) -> None:
    """After the orders' cancellation committed: cancel their intents at Stripe, and mark
    the payments Stripe agreed to cancel (in a transaction of their own)."""
    cancelled = [pid for pid, intent in intents if gateway.cancel_intent_quietly(intent)]
    if not cancelled:
        return
    with session_scope(engine) as session:
        session.execute(
            update(Payment)
            .where(col(Payment.id).in_(cancelled), col(Payment.status).in_(OPEN))
            .values(status=PaymentStatus.canceled, updated_at=utcnow())
        )


def settle_lapsed_reservations(
    engine: Engine, *, gateway: StripeGateway, now: datetime | None = None, limit: int = 500
) -> list[int]:
    """Cancel unpaid orders past their reservation in a transaction of their own (the sweeper,
    `techan orders sweep`); the ids cancelled.

    A cheap read runs first, so the sweep only takes a write lock when something is due.
    """
    now = now or utcnow()
    with session_scope(engine, readonly=True) as session:
        if not due_order_ids(session, now=now, limit=1):
            return []
    with session_scope(engine) as session:
        lapsed = expire_lapsed_orders(session, now=now, limit=limit)
    cancel_open_intents(engine, gateway=gateway, intents=lapsed.intents)
    return lapsed.order_ids
