"""Reservations: an unpaid order holds its stock for a while (TECHAN_RESERVATION_MINUTES),
then lapses: the order is cancelled and its stock returns to the shelf.

Lapsing is done in the caller's transaction; what else a lapse undoes (an open payment at
Stripe) is the payments domain's business, told the ids of the orders that lapsed.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from service.catalog.events import notify_products_changed
from service.kit.db import utcnow
from service.orders.models import Order, OrderLine, OrderStatus
from service.orders.service import move_order_if, unshipped_moves
from service.orders.stock import release_stock
from service.settings import Settings

SWEEP_ACTOR = "reservation-sweep"
# The hold when a caller does not say (the checkout benchmark, tests): the settings' default.
DEFAULT_HOLD = timedelta(minutes=Settings.model_fields["reservation_minutes"].default)


def reservation_deadline(placed_at: datetime, *, hold: timedelta) -> datetime:
    """Until when an order placed at PLACED_AT holds its stock unpaid."""
    return placed_at + hold


def due_order_ids(
    session: Session, *, now: datetime, limit: int, among: Collection[int] | None = None
) -> list[int]:
    """Unpaid orders whose reservation lapsed before NOW (only AMONG these ids when given),
    oldest first."""
    query = (
        select(Order.id)
        .where(
            col(Order.status) == OrderStatus.pending_payment,
            col(Order.reserved_until) < now,
        )
        .order_by(col(Order.reserved_until))
        .limit(limit)
    )
    if among is not None:
        query = query.where(col(Order.id).in_(among))
    return [i for i in session.exec(query) if i is not None]


def _cancel_if_lapsed(session: Session, order_id: int, *, now: datetime) -> bool:
    """Cancel one lapsed order; False if it was paid or cancelled first."""
    moved = move_order_if(
        session,
        order_id,
        OrderStatus.pending_payment,
        OrderStatus.cancelled,
        actor=SWEEP_ACTOR,
        reason="reservation expired before payment",
        also=[col(Order.reserved_until) < now],
        now=now,
    )
    return moved is not None


def _return_stock_of(session: Session, order_ids: list[int]) -> None:
    """Put the units of these orders back, all SKUs in one sorted pass (no lock-order cycles
    with a checkout taking the same SKUs)."""
    if not order_ids:
        return
    lines = list(session.exec(select(OrderLine).where(col(OrderLine.order_id).in_(order_ids))))
    release_stock(session, unshipped_moves(lines))
    notify_products_changed(session, [line.product_id for line in lines], stock_only=True)


def expire_order(session: Session, order_id: int, *, now: datetime) -> bool:
    """Cancel one lapsed order and return its stock; False if a payment or a cancel came first."""
    if not _cancel_if_lapsed(session, order_id, now=now):
        return False
    _return_stock_of(session, [order_id])
    return True


def expire_due_orders(
    session: Session,
    *,
    now: datetime | None = None,
    limit: int = 500,
    among: Collection[int] | None = None,
) -> list[int]:
    """Cancel up to LIMIT lapsed orders (only AMONG these ids when given), returning their
    stock; the ids that were cancelled."""
    now = now or utcnow()
    due = due_order_ids(session, now=now, limit=limit, among=among)
    expired = [i for i in due if _cancel_if_lapsed(session, i, now=now)]
    _return_stock_of(session, expired)
    return expired
