"""Order rules: who sees an order, which status may follow which, shipping and delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, update
from sqlmodel import Session, col, select

from service.accounts.models import Role, User
from service.catalog.events import notify_products_changed
from service.catalog.models import Producer, Region
from service.kit.db import utcnow
from service.kit.errors import Conflict, Forbidden, NotFound
from service.orders.models import Order, OrderLine, OrderStatus, OrderTransition
from service.orders.stock import StockMove, release_stock

S = OrderStatus
# Which status may follow which. `refunded` means every unit was refunded: nothing follows it.
# `partially_refunded` says some but not all was: its other parcels still ship and arrive (the
# parcels say so, and the order's shipped_at / delivered_at are stamped), it may be refunded
# further, or cancelled while nothing has shipped.
ALLOWED_TRANSITIONS: dict[S, frozenset[S]] = {
    S.pending_payment: frozenset({S.paid, S.cancelled}),
    S.paid: frozenset({S.shipped, S.cancelled, S.partially_refunded, S.refunded}),
    S.shipped: frozenset({S.delivered, S.partially_refunded, S.refunded}),
    S.delivered: frozenset({S.partially_refunded, S.refunded}),
    S.partially_refunded: frozenset({S.partially_refunded, S.refunded, S.cancelled}),
    S.refunded: frozenset(),
    S.cancelled: frozenset(),
}
# The column stamped when an order enters a status.
_STAMPS = {
    S.paid: "paid_at",
    S.shipped: "shipped_at",
    S.delivered: "delivered_at",
    S.cancelled: "cancelled_at",
}


class InvalidTransition(Conflict):
    """The order's status does not allow this (or it changed meanwhile)."""

    code = "invalid_transition"


def actor_name(actor: User | str) -> str:
    """How an actor appears in the history."""
    return actor.name if isinstance(actor, User) else actor


def transition_order(
    session: Session, order: Order, to: S, *, actor: User | str, reason: str | None = None
) -> None:
    """Move ORDER to TO if allowed, in one conditional statement, and record who and why."""
    current = S(order.status)
    if to not in ALLOWED_TRANSITIONS[current]:
        raise InvalidTransition(
            f"a {current.value} order cannot become {to.value}",
            details={"status": current.value, "wanted": to.value},
        )
    values = move_order_if(session, order.id, current, to, actor=actor, reason=reason)
    if values is None:
        raise InvalidTransition(f"order {order.id} changed meanwhile; try again")
    for name, value in values.items():
        setattr(order, name, value)


def move_order_if(
    session: Session,
    order_id: int | None,
    current: S,
    to: S,
    *,
    actor: User | str,
    reason: str | None = None,
    also: Sequence[ColumnElement[bool]] = (),
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """Move the order from CURRENT to TO if it is still CURRENT (and ALSO holds); record it.

    The check and the change are one UPDATE, so two writers racing for the same order (a
    payment and the reservation expiry, a webhook delivered twice) cannot both win. Returns the
    columns written, or None when the order was no longer CURRENT.
    """
    now = now or utcnow()
    values: dict[str, Any] = {"status": to.value, "updated_at": now}
    if to in _STAMPS:
        values[_STAMPS[to]] = now
    result = session.execute(
        update(Order)
        .where(col(Order.id) == order_id, col(Order.status) == current.value, *also)
        .values(**values)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    record_transition(
        session, order_id=order_id, from_status=current, to=to, actor=actor, reason=reason, at=now
    )
    return values


def record_transition(
    session: Session,
    *,
    order_id: int | None,
    from_status: S | None,
    to: S,
    actor: User | str,
    reason: str | None = None,
    at: datetime | None = None,
) -> None:
    """Write one line of an order's history."""
    session.add(
        OrderTransition(
            order_id=order_id,  # type: ignore[arg-type]
            from_status=from_status.value if from_status else None,
            to_status=to.value,
            actor_id=actor.id if isinstance(actor, User) else None,
            actor=actor_name(actor),
            reason=reason,
            at=at or utcnow(),
        )
    )
    session.flush()


def lock_order(session: Session, order_id: int) -> Order:
    """The order, row-locked for the rest of the transaction (SQLite: the write lock is held)."""
    order = session.exec(
        select(Order)
        .where(col(Order.id) == order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    return order


def producer_ids_in_scope(session: Session, user: User) -> set[int] | None:
    """Whose lines USER may see: None for all (a shopper's own orders, an admin), else these."""
    if user.role in (Role.shopper, Role.admin):
        return None
    if user.role == Role.producer:
        return {user.producer_id} if user.producer_id else set()
    if user.park_id is None:
        return set()
    ids = session.exec(
        select(Producer.id)
        .join(Region, col(Region.id) == col(Producer.region_id))
        .where(col(Region.park_id) == user.park_id)
    )
    return {i for i in ids if i is not None}


def visible_order(session: Session, *, user: User, order: Order) -> set[int] | None:
    """Check USER may see ORDER (404 otherwise) and return the producers whose lines it sees."""
    scope = producer_ids_in_scope(session, user)
    if user.role == Role.shopper and order.shopper_id != user.id:
        raise NotFound(f"order {order.id} does not exist")
    if scope is not None:
        held = session.exec(
            select(OrderLine.id).where(
                col(OrderLine.order_id) == order.id, col(OrderLine.producer_id).in_(scope)
            )
        ).first()
        if held is None:
            raise NotFound(f"order {order.id} does not exist")
    return scope


def lines_of(session: Session, order_id: int) -> list[OrderLine]:
    """An order's lines in SKU order."""
    return list(
        session.exec(
            select(OrderLine).where(col(OrderLine.order_id) == order_id).order_by(OrderLine.sku)
        )
    )


def unshipped_moves(lines: list[OrderLine]) -> list[StockMove]:
    """The units of LINES still on the shelf side: not refunded and not shipped."""
    return [
        StockMove(line.variant_id, line.sku, line.quantity - line.refunded_quantity)
        for line in lines
        if line.shipped_at is None
    ]


def cancel_unpaid_order(
    session: Session, order: Order, *, actor: User | str, reason: str | None = None
) -> None:
    """Cancel a pending order and put its reserved units back."""
    transition_order(session, order, S.cancelled, actor=actor, reason=reason)
    lines = lines_of(session, order.id)  # type: ignore[arg-type]
    release_stock(session, unshipped_moves(lines))
    notify_products_changed(session, [line.product_id for line in lines], stock_only=True)


def ensure_shopper_or_admin(user: User, order: Order) -> None:
    """Only the order's shopper (or an admin) may do this."""
    if user.role != Role.admin and order.shopper_id != user.id:
        raise Forbidden("only the shopper who placed the order may do this")


def mark_paid(session: Session, order_id: int, *, actor: str, reason: str | None = None) -> bool:
    """Move a pending order to paid; False if it was not pending.

    Only pending_payment becomes paid, so a late or repeated payment event can never move an
    order backwards, and a payment racing the reservation expiry cannot also win.
    """
    moved = move_order_if(session, order_id, S.pending_payment, S.paid, actor=actor, reason=reason)
    return moved is not None
