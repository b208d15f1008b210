"""Anti-hoarding: how many unpaid orders a shopper may hold, and each SKU's purchase limit (限购).

Both are checked inside the checkout's transaction after the shopper's row is locked, so two
concurrent checkouts of one shopper cannot both slip under a limit; stock itself is still only
ever taken by the conditional UPDATE in `stock.reserve_stock`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, func, or_
from sqlmodel import Session, col, select

from service.accounts.models import User
from service.kit.errors import Conflict, Unprocessable
from service.orders.models import Order, OrderLine, OrderStatus


class TooManyUnpaidOrders(Conflict):
    """The shopper already holds the most unpaid orders allowed: pay or cancel one first."""

    code = "too_many_unpaid_orders"


class PurchaseLimitExceeded(Unprocessable):
    """The order would take the shopper past a SKU's purchase limit (限购)."""

    code = "purchase_limit_exceeded"


def lock_shopper(session: Session, user: User) -> None:
    """Serialise one shopper's checkouts (PostgreSQL row lock; SQLite writers are serial)."""
    session.exec(select(User.id).where(col(User.id) == user.id).with_for_update()).one()


def _live_unpaid(now: datetime) -> Any:
    return and_(col(Order.status) == OrderStatus.pending_payment, col(Order.reserved_until) > now)


def check_unpaid_orders(session: Session, *, user: User, max_unpaid: int, now: datetime) -> None:
    """409 when USER already holds MAX_UNPAID unpaid orders whose reservation still runs."""
    held = session.exec(
        select(func.count())
        .select_from(Order)
        .where(col(Order.shopper_id) == user.id, _live_unpaid(now))
    ).one()
    if held >= max_unpaid:
        raise TooManyUnpaidOrders(
            f"you have {held} unpaid orders; pay or cancel one before ordering again "
            f"(at most {max_unpaid})",
            details={"unpaid_orders": held, "max_unpaid_orders": max_unpaid},
        )


def check_purchase_limits(
    session: Session, *, user: User, items: Sequence[Row[Any]], now: datetime
) -> None:
    """422 when an item would take USER past its SKU's limit, counting the units USER holds
    in unpaid (still reserved) and paid orders, less refunds."""
    limited = {i.variant_id: i for i in items if i.purchase_limit is not None}
    if not limited:
        return
    held = dict(
        session.exec(
            select(
                OrderLine.variant_id,
                func.sum(col(OrderLine.quantity) - col(OrderLine.refunded_quantity)),
            )
            .join(Order, col(Order.id) == col(OrderLine.order_id))
            .where(
                col(Order.shopper_id) == user.id,
                col(OrderLine.variant_id).in_(limited),
                or_(_live_unpaid(now), col(Order.status) == OrderStatus.paid),
            )
            .group_by(col(OrderLine.variant_id))
        ).all()
    )
    for variant_id, item in limited.items():
        already = int(held.get(variant_id) or 0)
        if already + item.quantity > item.purchase_limit:
            raise PurchaseLimitExceeded(
                f"SKU {item.sku} is limited to {item.purchase_limit} per shopper (限购); you "
                f"already hold {already} in unpaid or paid orders",
                details={"sku": item.sku, "purchase_limit": item.purchase_limit, "held": already},
            )
