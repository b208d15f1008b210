"""Factories for carts and orders: a listed SKU, a shopper, a cart, a placed order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from service.accounts.models import User
from service.catalog.models import Producer, Variant
from service.kit.db import session_scope, utcnow
from service.orders.checkout import place_order
from service.orders.models import Cart, CartItem, Order
from service.orders.schemas import OrderIn, OrderOut
from tests.factories import make_category, make_product, make_user, make_variant


def make_sku(
    session: Session,
    *,
    stock: int = 10,
    price_fen: int = 5000,
    producer: Producer | None = None,
    status: str = "listed",
    **kw: Any,
) -> Variant:
    """A SKU of a fresh product (listed unless STATUS says otherwise)."""
    product = make_product(
        session, producer=producer, category=make_category(session), status=status
    )
    return make_variant(session, product=product, stock=stock, price_fen=price_fen, **kw)


def make_shopper(session: Session, *, city: str | None = "成都") -> tuple[User, str]:
    """A shopper and its token."""
    return make_user(session, "shopper", city=city)


def make_cart(session: Session, *, shopper: User, items: list[tuple[Variant, int]]) -> Cart:
    """An open cart of SHOPPER holding ITEMS (SKU, quantity), written directly."""
    cart = Cart(shopper_id=shopper.id)  # type: ignore[arg-type]
    session.add(cart)
    session.commit()
    session.refresh(cart)
    for variant, quantity in items:
        session.add(CartItem(cart_id=cart.id, variant_id=variant.id, quantity=quantity))  # type: ignore[arg-type]
    session.commit()
    return cart


def place(engine: Engine, *, shopper: User, items: list[tuple[Variant, int]]) -> OrderOut:
    """A pending order of SHOPPER for ITEMS, placed through the checkout rules."""
    with session_scope(engine) as session:
        cart = make_cart(session, shopper=shopper, items=items)
    with session_scope(engine) as session:
        user = session.get(User, shopper.id)
        assert user is not None
        return place_order(session, user=user, body=OrderIn(cart_id=cart.id))  # type: ignore[arg-type]


def stock_of(session: Session, variant: Variant) -> int:
    """The SKU's stock as committed now."""
    session.expire_all()
    fresh = session.get(Variant, variant.id)
    assert fresh is not None
    return fresh.stock


def lapse_reservation(session: Session, order_id: int) -> None:
    """Move the order's reservation deadline into the past."""
    session.execute(
        update(Order)
        .where(col(Order.id) == order_id)
        .values(reserved_until=utcnow() - timedelta(seconds=1))
    )
    session.commit()


def order_status(session: Session, order_id: int) -> str:
    """The order's status as committed now."""
    session.expire_all()
    order = session.get(Order, order_id)
    assert order is not None
    return order.status
