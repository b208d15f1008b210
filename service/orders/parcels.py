"""Parcels: shipped by their producer with carrier and tracking number, confirmed by the shopper
or automatically after TECHAN_AUTO_CONFIRM_DAYS; the order's status follows its parcels."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Engine, update
from sqlmodel import Session, col, select

from service.accounts.models import Role, User
from service.kit.db import session_scope, utcnow
from service.kit.errors import Forbidden, NotFound
from service.orders.models import Order, OrderLine, OrderStatus, Parcel, ParcelStatus
from service.orders.schemas import ShipIn
from service.orders.service import (
    InvalidTransition,
    actor_name,
    ensure_shopper_or_admin,
    lock_order,
    move_order_if,
    visible_order,
)

S = OrderStatus
P = ParcelStatus
AUTO_CONFIRM_ACTOR = "auto-confirm"
SHIPPABLE_ORDERS = (S.paid, S.partially_refunded)


def parcels_of(session: Session, order_id: int) -> list[Parcel]:
    """An order's parcels by id."""
    query = select(Parcel).where(col(Parcel.order_id) == order_id).order_by(col(Parcel.id))
    return list(session.exec(query.execution_options(populate_existing=True)))


def settle_fulfilment(
    session: Session, order_id: int, *, actor: User | str, now: datetime | None = None
) -> None:
    """Stamp the order shipped once every live parcel shipped, delivered once every one
    arrived, and move a paid (shipped) order's status along; a partly refunded order keeps
    its status, which says that it was."""
    now = now or utcnow()
    live = [p for p in parcels_of(session, order_id) if p.status != P.cancelled]
    if not live:
        return
    if all(p.status in (P.shipped, P.delivered) for p in live):
        _stamp_and_move(session, order_id, "shipped_at", S.paid, S.shipped, actor=actor, now=now)
    if all(p.status == P.delivered for p in live):
        _stamp_and_move(
            session, order_id, "delivered_at", S.shipped, S.delivered, actor=actor, now=now
        )


def _stamp_and_move(
    session: Session,
    order_id: int,
    stamp: str,
    current: S,
    to: S,
    *,
    actor: User | str,
    now: datetime,
) -> None:
    if move_order_if(session, order_id, current, to, actor=actor, now=now) is not None:
        return
    column = getattr(Order, stamp)
    session.execute(
        update(Order)
        .where(col(Order.id) == order_id, col(column).is_(None))
        .values({stamp: now, "updated_at": now})
    )


def ship_parcel(session: Session, *, user: User, order_id: int, body: ShipIn) -> Order:
    """The parcel's producer (or an admin) ships it with its carrier and tracking number."""
    order = lock_order(session, order_id)
    scope = visible_order(session, user=user, order=order)
    if user.role not in (Role.producer, Role.admin):
        raise Forbidden("only the parcel's producer may ship it")
    parcel = session.get(Parcel, body.parcel_id)
    if parcel is None or parcel.order_id != order.id:
        raise NotFound(f"order {order_id} has no parcel {body.parcel_id}")
    if scope is not None and parcel.producer_id not in scope:
        raise NotFound(f"order {order_id} has no parcel {body.parcel_id}")
    if order.status not in SHIPPABLE_ORDERS:
        raise InvalidTransition(f"a {order.status} order cannot be shipped")
    now = utcnow()
    shipped = session.execute(
        update(Parcel)
        .where(col(Parcel.id) == parcel.id, col(Parcel.status) == P.pending)
        .values(
            status=P.shipped,
            carrier=body.carrier,
            tracking_number=body.tracking_number,
            shipped_at=now,
            shipped_by_id=user.id,
        )
    )
    if shipped.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(parcel)
        raise InvalidTransition(f"parcel {parcel.id} is {parcel.status}, not waiting to ship")
    session.execute(
        update(OrderLine)
        .where(
            col(OrderLine.parcel_id) == parcel.id,
            col(OrderLine.shipped_at).is_(None),
            col(OrderLine.refunded_quantity) < col(OrderLine.quantity),
        )
        .values(shipped_at=now, shipped_by_id=user.id)
    )
    settle_fulfilment(session, order_id, actor=user, now=now)
    session.refresh(order)
    return order


def _deliver(
    session: Session, parcel_ids: Collection[int], *, actor: User | str, now: datetime
) -> int:
    """Mark these parcels delivered if they are still on their way; how many were."""
    if not parcel_ids:
        return 0
    result = session.execute(
        update(Parcel)
        .where(col(Parcel.id).in_(parcel_ids), col(Parcel.status) == P.shipped)
        .values(status=P.delivered, delivered_at=now, delivered_by=actor_name(actor))
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def confirm_delivery(session: Session, *, user: User, order_id: int) -> Order:
    """The shopper (or an admin) confirms that the parcels on their way arrived."""
    order = lock_order(session, order_id)
    visible_order(session, user=user, order=order)
    ensure_shopper_or_admin(user, order)
    on_the_way = [p.id for p in parcels_of(session, order_id) if p.status == P.shipped]
    now = utcnow()
    if not _deliver(session, on_the_way, actor=user, now=now):  # type: ignore[arg-type]
        raise InvalidTransition(f"nothing of this {order.status} order is on its way")
    settle_fulfilment(session, order_id, actor=user, now=now)
    session.refresh(order)
    return order


def overdue_parcel_ids(
    session: Session,
    *,
    now: datetime,
    after: timedelta,
    limit: int = 500,
    among: Collection[int] | None = None,
) -> list[tuple[int, int]]:
    """(parcel id, order id) of parcels shipped more than AFTER before NOW and not confirmed."""
    query = (
        select(Parcel.id, Parcel.order_id)
        .where(col(Parcel.status) == P.shipped, col(Parcel.shipped_at) < now - after)
        .order_by(col(Parcel.shipped_at))
        .limit(limit)
    )
    if among is not None:
        query = query.where(col(Parcel.order_id).in_(among))
    return [(pid, oid) for pid, oid in session.exec(query) if pid is not None]


def confirm_overdue_parcels(
    session: Session,
    *,
    now: datetime,
    after: timedelta,
    limit: int = 500,
    among: Collection[int] | None = None,
) -> list[int]:
    """Confirm parcels shipped more than AFTER ago (the shopper never said); the orders touched."""
    due = overdue_parcel_ids(session, now=now, after=after, limit=limit, among=among)
    _deliver(session, [pid for pid, _ in due], actor=AUTO_CONFIRM_ACTOR, now=now)
    orders = sorted({oid for _, oid in due})
    for order_id in orders:
        settle_fulfilment(session, order_id, actor=AUTO_CONFIRM_ACTOR, now=now)
    return orders


def settle_overdue_parcels(
    engine: Engine, *, after: timedelta, now: datetime | None = None, limit: int = 500
) -> list[int]:
    """Confirm overdue parcels in a transaction of their own (the background sweep); the
    orders touched. A cheap read runs first, so the sweep only writes when something is due."""
    now = now or utcnow()
    with session_scope(engine, readonly=True) as session:
        if not overdue_parcel_ids(session, now=now, after=after, limit=1):
            return []
    with session_scope(engine) as session:
        return confirm_overdue_parcels(session, now=now, after=after, limit=limit)
