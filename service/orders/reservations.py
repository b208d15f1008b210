"""Reservations: an unpaid order holds its stock for TECHAN_RESERVATION_MINUTES, then lapses."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from service.catalog.events import notify_products_changed
from service.kit.db import utcnow
from service.orders.models import Order, OrderLine, OrderStatus
from service.orders.service import move_order_if, unshipped_moves
from service.orders.stock import release_stock
from service.settings import get_settings

SWEEP_ACTOR = "reservation-sweep"


def reservation_deadline(placed_at: datetime) -> datetime:
    """Until when an order placed at PLACED_AT holds its stock unpaid."""
    return placed_at + timedelta(minutes=get_settings().reservation_minutes)


def due_order_ids(session: Session, *, now: datetime, limit: int) -> list[int]:
    """Unpaid orders whose reservation lapsed before NOW, oldest first."""
    rows = session.exec(
        select(Order.id)
        .where(
            col(Order.status) == OrderStatus.pending_payment,
            col(Order.reserved_until) < now,
        )
        .order_by(col(Order.reserved_until))
        .limit(limit)
    )
    return [i for i in rows if i is not None]


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
    session: Session, *, now: datetime | None = None, limit: int = 500
) -> list[int]:
    """Cancel up to LIMIT lapsed orders, returning their stock; the ids that were cancelled."""
    now = now or utcnow()
    due = due_order_ids(session, now=now, limit=limit)
    expired = [i for i in due if _cancel_if_lapsed(session, i, now=now)]
    _return_stock_of(session, expired)
    return expired
