"""What a viewer sees of orders: a shopper its own, a producer only its own lines."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import Session, col, select

from service.accounts.models import Role, User
from service.catalog.models import Producer, Product
from service.kit.errors import NotFound
from service.kit.pagination import decode_cursor, encode_cursor
from service.orders.addresses import address_out
from service.orders.models import Address, Order, OrderLine, OrderTransition, Parcel, ParcelStatus
from service.orders.parcels import SHIPPABLE_ORDERS
from service.orders.schemas import (
    OrderLineOut,
    OrderOut,
    OrderPage,
    OrderTransitionOut,
    ParcelLineOut,
    ParcelOut,
)
from service.orders.service import producer_ids_in_scope, visible_order


def line_out(line: OrderLine, *, product_code: str, producer_code: str) -> OrderLineOut:
    """One order line as shown to a viewer."""
    return OrderLineOut(
        sku=line.sku,
        product_code=product_code,
        producer=producer_code,
        title=line.title,
        unit_price_fen=line.unit_price_fen,
        quantity=line.quantity,
        refunded_quantity=line.refunded_quantity,
        line_total_fen=line.unit_price_fen * line.quantity,
        net_weight_g=line.net_weight_g,
        packaging=line.packaging,
        shipped_at=line.shipped_at,
        parcel_id=line.parcel_id,
    )


def transition_out(step: OrderTransition) -> OrderTransitionOut:
    """One step of the history as shown to a viewer."""
    return OrderTransitionOut(
        from_status=step.from_status,
        to_status=step.to_status,
        actor=step.actor,
        reason=step.reason,
        at=step.at,
    )


def step_for_scope(
    step: OrderTransition,
    actor_role: str | None,
    actor_producer: int | None,
    *,
    scope: set[int] | None,
) -> OrderTransitionOut | None:
    """A step as a viewer limited to SCOPE's producers sees it: another producer's steps not at
    all, and the reason only of its own and the system's steps (a shopper's, operator's or
    admin's reason may be about other producers' lines)."""
    out = transition_out(step)
    if scope is None or actor_role is None or actor_producer in scope:
        return out
    if actor_role == Role.producer:
        return None
    return out.model_copy(update={"reason": None})


def assemble_order(
    order: Order,
    *,
    lines: Sequence[OrderLineOut],
    transitions: Sequence[OrderTransitionOut],
    partial: bool,
    parcels: Sequence[ParcelOut] = (),
) -> OrderOut:
    """The response shape; a partial view totals only the lines and parcels shown."""
    freight = sum(p.freight_fen for p in parcels) if partial else order.freight_fen
    goods = sum(line.line_total_fen for line in lines) if partial else order.total_fen - freight
    refunded = (
        sum(line.refunded_quantity * line.unit_price_fen for line in lines)
        if partial
        else order.refunded_fen
    )
    return OrderOut(
        id=order.id,  # type: ignore[arg-type]
        status=order.status,
        city=order.city,
        currency=order.currency,
        address_id=order.address_id,
        goods_fen=goods,
        freight_fen=freight,
        total_fen=goods + freight,
        refunded_fen=refunded,
        partial_view=partial,
        reserved_until=order.reserved_until,
        created_at=order.created_at,
        paid_at=order.paid_at,
        shipped_at=order.shipped_at,
        delivered_at=order.delivered_at,
        cancelled_at=order.cancelled_at,
        lines=list(lines),
        parcels=list(parcels),
        transitions=list(transitions),
    )


def _parcels_out(
    session: Session,
    orders: Sequence[Order],
    *,
    scope: set[int] | None,
    lines: dict[int, list[OrderLineOut]],
    full_phone: bool,
) -> dict[int, list[ParcelOut]]:
    """The parcels of ORDERS within SCOPE, each with its address; 2 queries."""
    query = (
        select(Parcel, Producer.code)
        .join(Producer, col(Producer.id) == col(Parcel.producer_id))
        .where(col(Parcel.order_id).in_([o.id for o in orders]))
        .order_by(col(Parcel.id))
    )
    if scope is not None:
        query = query.where(col(Parcel.producer_id).in_(scope))
    address_ids = {o.address_id for o in orders if o.address_id is not None}
    addresses = {
        a.id: a for a in session.exec(select(Address).where(col(Address.id).in_(address_ids)))
    }
    address_of = {o.id: addresses.get(o.address_id) for o in orders if o.address_id}
    out: dict[int, list[ParcelOut]] = defaultdict(list)
    for parcel, producer_code in session.exec(query):
        address = address_of.get(parcel.order_id)
        masked = not full_phone and parcel.status == ParcelStatus.delivered
        out[parcel.order_id].append(
            ParcelOut(
                id=parcel.id,  # type: ignore[arg-type]
                producer=producer_code,
                storage=parcel.storage,
                status=parcel.status,
                weight_g=parcel.weight_g,
                freight_fen=parcel.freight_fen,
                days=parcel.days,
                carrier=parcel.carrier,
                tracking_number=parcel.tracking_number,
                shipped_at=parcel.shipped_at,
                delivered_at=parcel.delivered_at,
                address=address_out(address, masked=masked) if address else None,
                lines=[
                    ParcelLineOut(
                        sku=line.sku,
                        quantity=line.quantity,
                        refunded_quantity=line.refunded_quantity,
                    )
                    for line in lines[parcel.order_id]
                    if line.parcel_id == parcel.id
                ],
            )
        )
    return out


def orders_out(
    session: Session,
    orders: Sequence[Order],
    *,
    scope: set[int] | None,
    full_phone: bool = True,
) -> list[OrderOut]:
    """ORDERS as a viewer limited to SCOPE's producers (None: all lines) sees them; 4 queries.

    FULL_PHONE: the viewer sees the recipient's phone even after delivery (the shopper, an
    admin); everyone else sees it masked once the parcel arrived."""
    ids = [o.id for o in orders]
    line_query = (
        select(OrderLine, Product.code, Producer.code)
        .join(Product, col(Product.id) == col(OrderLine.product_id))
        .join(Producer, col(Producer.id) == col(OrderLine.producer_id))
        .where(col(OrderLine.order_id).in_(ids))
        .order_by(col(OrderLine.sku))
    )
    if scope is not None:
        line_query = line_query.where(col(OrderLine.producer_id).in_(scope))
    lines: dict[int, list[OrderLineOut]] = defaultdict(list)
    for line, product_code, producer_code in session.exec(line_query):
        out = line_out(line, product_code=product_code, producer_code=producer_code)
        lines[line.order_id].append(out)
    steps: dict[int, list[OrderTransitionOut]] = defaultdict(list)
    for step, actor_role, actor_producer in session.exec(
        select(OrderTransition, User.role, User.producer_id)
        .outerjoin(User, col(User.id) == col(OrderTransition.actor_id))
        .where(col(OrderTransition.order_id).in_(ids))
        .order_by(col(OrderTransition.id))
    ):
        shown = step_for_scope(step, actor_role, actor_producer, scope=scope)
        if shown is not None:
            steps[step.order_id].append(shown)
    parcels = _parcels_out(session, orders, scope=scope, lines=lines, full_phone=full_phone)
    return [
        assemble_order(
            o,
            lines=lines[o.id],  # type: ignore[index]
            transitions=steps[o.id],  # type: ignore[index]
            partial=scope is not None,
            parcels=parcels[o.id],  # type: ignore[index]
        )
        for o in orders
    ]


def sees_full_phone(user: User) -> bool:
    """The shopper (its own address) and admins; producers and operators see it masked once
    the parcel was delivered."""
    return user.role in (Role.shopper, Role.admin)


def order_detail(session: Session, *, user: User, order_id: int) -> OrderOut:
    """One order as USER may see it; 404 if USER may not see it at all."""
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    scope = visible_order(session, user=user, order=order)
    return orders_out(session, [order], scope=scope, full_phone=sees_full_phone(user))[0]


def list_orders(
    session: Session,
    *,
    user: User,
    status: str | None,
    limit: int,
    cursor: str | None,
    to_ship: bool = False,
) -> OrderPage:
    """A page of the orders USER may see, newest first; TO_SHIP: only paid orders (partly
    refunded or not) with a parcel of USER's scope still waiting to ship."""
    query = select(Order).order_by(col(Order.id).desc()).limit(limit + 1)
    scope = producer_ids_in_scope(session, user)
    if user.role == Role.shopper:
        query = query.where(col(Order.shopper_id) == user.id)
    if scope is not None:
        holding = select(OrderLine.order_id).where(col(OrderLine.producer_id).in_(scope))
        query = query.where(col(Order.id).in_(holding))
    if status is not None:
        query = query.where(col(Order.status) == status)
    if to_ship:
        waiting = select(Parcel.order_id).where(col(Parcel.status) == ParcelStatus.pending)
        if scope is not None:
            waiting = waiting.where(col(Parcel.producer_id).in_(scope))
        query = query.where(col(Order.id).in_(waiting), col(Order.status).in_(SHIPPABLE_ORDERS))
    if cursor:
        query = query.where(col(Order.id) < decode_cursor("o", cursor))
    rows = list(session.exec(query))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor("o", rows[-1].id) if more and rows else None  # type: ignore[arg-type]
    items = orders_out(session, rows, scope=scope, full_phone=sees_full_phone(user))
    return OrderPage(items=items, next_cursor=next_cursor)
