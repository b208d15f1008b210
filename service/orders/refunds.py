"""Which lines a refund covers, who may ask for it, and what it does to the order and stock.

Paying the money back (Stripe's Refund API) is the payments domain's part, which calls this
one: here the order's side is planned and applied, inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.accounts.models import Role, User
from service.catalog.events import notify_products_changed
from service.kit.errors import Conflict, Forbidden, Unprocessable
from service.orders.models import Order, OrderLine, OrderStatus, Parcel, ParcelStatus
from service.orders.parcels import parcels_of, settle_fulfilment
from service.orders.schemas import RefundLineIn
from service.orders.service import (
    InvalidTransition,
    lines_of,
    producer_ids_in_scope,
    transition_order,
)
from service.orders.stock import StockMove, release_stock

S = OrderStatus
REFUNDABLE = frozenset({S.paid, S.shipped, S.delivered, S.partially_refunded})


class NothingToRefund(Conflict):
    """Nothing (or less than asked) of these lines is left to refund."""

    code = "nothing_to_refund"


@dataclass(frozen=True)
class RefundItem:
    """QUANTITY units of LINE to pay back; restocked when the line never shipped."""

    line: OrderLine
    quantity: int

    @property
    def amount_fen(self) -> int:
        return self.line.unit_price_fen * self.quantity

    @property
    def restock(self) -> bool:
        return self.line.shipped_at is None


@dataclass(frozen=True)
class RefundPlan:
    """Units to pay back, and the parcels that will never ship (their freight is paid back)."""

    items: list[RefundItem]
    emptied_parcels: list[Parcel]

    @property
    def freight_fen(self) -> int:
        return sum(p.freight_fen for p in self.emptied_parcels)

    @property
    def amount_fen(self) -> int:
        return sum(i.amount_fen for i in self.items) + self.freight_fen

    def summary(self) -> list[dict[str, object]]:
        """The lines as stored with the refund."""
        return [
            {
                "sku": i.line.sku,
                "quantity": i.quantity,
                "amount_fen": i.amount_fen,
                "restocked": i.restock,
            }
            for i in self.items
        ] + [{"parcel_id": p.id, "freight_fen": p.freight_fen} for p in self.emptied_parcels]


def _cancel_parcels(session: Session, parcels: list[Parcel]) -> None:
    for parcel in parcels:
        result = session.execute(
            update(Parcel)
            .where(col(Parcel.id) == parcel.id, col(Parcel.status) == ParcelStatus.pending)
            .values(status=ParcelStatus.cancelled)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise NothingToRefund(f"parcel {parcel.id} shipped meanwhile; ask again")


def _remaining(line: OrderLine) -> int:
    return line.quantity - line.refunded_quantity


def _requested_items(lines: list[OrderLine], wanted: Sequence[RefundLineIn]) -> list[RefundItem]:
    by_sku = {line.sku: line for line in lines}
    items = []
    for request in wanted:
        line = by_sku.get(request.sku)
        if line is None:
            raise Unprocessable(f"SKU {request.sku!r} is not in this order", details=request.sku)
        if request.quantity > _remaining(line):
            raise NothingToRefund(
                f"only {_remaining(line)} of SKU {request.sku!r} can still be refunded",
                details={"sku": request.sku, "refundable": _remaining(line)},
            )
        items.append(RefundItem(line, request.quantity))
    return items


def _ensure_may_refund(session: Session, *, user: User, order: Order, plan: RefundPlan) -> None:
    """The shopper for lines not yet shipped; an operator for its park's lines; an admin."""
    if user.role == Role.admin:
        return
    if user.role == Role.shopper and order.shopper_id == user.id:
        if any(not i.restock for i in plan.items):
            raise Forbidden("shipped lines are refunded by the operator, not the shopper")
        return
    scope = producer_ids_in_scope(session, user)
    own_park = scope is not None and all(i.line.producer_id in scope for i in plan.items)
    if user.role == Role.operator and own_park:
        return
    raise Forbidden("only the shopper, an operator of the lines' park or an admin may refund")


def emptied_parcels(
    session: Session, order: Order, lines: list[OrderLine], items: list[RefundItem]
) -> list[Parcel]:
    """Parcels not yet shipped of which ITEMS refund every remaining unit."""
    left = {line.id: _remaining(line) for line in lines}
    for item in items:
        left[item.line.id] -= item.quantity
    return [
        parcel
        for parcel in parcels_of(session, order.id)  # type: ignore[arg-type]
        if parcel.status == ParcelStatus.pending
        and all(left[line.id] == 0 for line in lines if line.parcel_id == parcel.id)
    ]


def plan_refund(
    session: Session, *, user: User, order: Order, wanted: Sequence[RefundLineIn] | None
) -> RefundPlan:
    """The lines and quantities to pay back (all that remain when WANTED is None)."""
    if S(order.status) not in REFUNDABLE:
        raise InvalidTransition(f"a {order.status} order cannot be refunded")
    lines = lines_of(session, order.id)  # type: ignore[arg-type]
    if wanted is None:
        items = [RefundItem(line, _remaining(line)) for line in lines if _remaining(line) > 0]
    else:
        items = _requested_items(lines, wanted)
    plan = RefundPlan(items, emptied_parcels(session, order, lines, items))
    if plan.amount_fen <= 0:
        raise NothingToRefund(f"nothing of order {order.id} is left to refund")
    _ensure_may_refund(session, user=user, order=order, plan=plan)
    return plan


def apply_refund_plan(
    session: Session,
    *,
    order: Order,
    plan: RefundPlan,
    actor: User | str,
    to: S | None = None,
    reason: str | None = None,
) -> None:
    """Mark the units refunded (never past what was bought), restock unshipped ones, cancel the
    parcels left empty, and move the order to TO (by default `refunded` when nothing is left,
    else `partially_refunded`)."""
    for item in plan.items:
        result = session.execute(
            update(OrderLine)
            .where(
                col(OrderLine.id) == item.line.id,
                col(OrderLine.refunded_quantity) + item.quantity <= col(OrderLine.quantity),
            )
            .values(refunded_quantity=col(OrderLine.refunded_quantity) + item.quantity)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise NothingToRefund(f"SKU {item.line.sku!r} was refunded meanwhile")
    release_stock(
        session,
        [StockMove(i.line.variant_id, i.line.sku, i.quantity) for i in plan.items if i.restock],
    )
    session.execute(
        update(Order)
        .where(col(Order.id) == order.id)
        .values(refunded_fen=col(Order.refunded_fen) + plan.amount_fen)
    )
    _cancel_parcels(session, plan.emptied_parcels)
    session.refresh(order)
    if to is None:
        left = session.exec(
            select(OrderLine.id).where(
                col(OrderLine.order_id) == order.id,
                col(OrderLine.refunded_quantity) < col(OrderLine.quantity),
            )
        ).first()
        to = S.partially_refunded if left is not None else S.refunded
    transition_order(session, order, to, actor=actor, reason=reason)
    if to == S.partially_refunded:
        settle_fulfilment(session, order.id, actor=actor)  # type: ignore[arg-type]
    restocked = [i.line.product_id for i in plan.items if i.restock]
    notify_products_changed(session, restocked, stock_only=True)
