"""Carts: a shopper's own baskets of listed SKUs, checked against stock when filled."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from service.accounts.models import User
from service.catalog.models import Product, ProductStatus, Variant
from service.kit.db import utcnow
from service.kit.errors import Conflict, NotFound, Unprocessable
from service.orders.models import Cart, CartItem, CartStatus
from service.orders.schemas import CartItemIn, CartItemOut, CartOut
from service.orders.stock import NotOnSale, OutOfStock


class UnknownSku(Unprocessable):
    """A SKU in the request does not exist."""

    code = "unknown_sku"


class CartClosed(Conflict):
    """The cart already became an order and can no longer change."""

    code = "cart_closed"


def create_cart(session: Session, *, user: User, items: Sequence[CartItemIn] = ()) -> Cart:
    """A new open cart for USER, optionally filled with ITEMS."""
    cart = Cart(shopper_id=user.id)  # type: ignore[arg-type]
    session.add(cart)
    session.flush()
    if items:
        replace_cart_items(session, user=user, cart_id=cart.id, items=items)  # type: ignore[arg-type]
    return cart


def get_own_cart(session: Session, *, user: User, cart_id: int) -> Cart:
    """USER's cart; someone else's cart is 404, as if it did not exist."""
    cart = session.get(Cart, cart_id)
    if cart is None or cart.shopper_id != user.id:
        raise NotFound(f"cart {cart_id} does not exist")
    return cart


def replace_cart_items(
    session: Session, *, user: User, cart_id: int, items: Sequence[CartItemIn]
) -> Cart:
    """Make the cart hold exactly ITEMS: every SKU must exist, be listed and be in stock."""
    cart = get_own_cart(session, user=user, cart_id=cart_id)
    # The conditional touch locks the cart row, so an order placed from it at the same moment
    # sees either the old items or the new ones, never a mix.
    touched = session.execute(
        update(Cart)
        .where(col(Cart.id) == cart.id, col(Cart.status) == CartStatus.open)
        .values(updated_at=utcnow())
    )
    if touched.rowcount != 1:  # type: ignore[attr-defined]
        raise CartClosed(f"cart {cart_id} was already ordered")
    variants = _variants_by_sku(session, [i.sku for i in items])
    rows = []
    for item in items:
        variant, status = variants.get(item.sku, (None, None))
        if variant is None:
            raise UnknownSku(f"SKU {item.sku!r} does not exist", details={"sku": item.sku})
        if status != ProductStatus.listed:
            raise NotOnSale(f"SKU {item.sku!r} is not on sale", details={"sku": item.sku})
        if variant.stock < item.quantity:
            raise OutOfStock(
                f"only {variant.stock} of SKU {item.sku!r} left, {item.quantity} wanted",
                details={"sku": item.sku, "available": variant.stock, "wanted": item.quantity},
            )
        rows.append({"cart_id": cart.id, "variant_id": variant.id, "quantity": item.quantity})
    session.execute(delete(CartItem).where(col(CartItem.cart_id) == cart.id))
    if rows:
        session.execute(insert(CartItem), rows)
    return cart


def _variants_by_sku(session: Session, skus: list[str]) -> dict[str, tuple[Variant, str]]:
    if not skus:
        return {}
    rows = session.exec(
        select(Variant, Product.status)
        .join(Product, col(Product.id) == col(Variant.product_id))
        .where(col(Variant.sku).in_(skus))
    )
    return {variant.sku: (variant, status) for variant, status in rows}


def cart_out(session: Session, cart: Cart) -> CartOut:
    """The cart with today's prices and stock."""
    rows = session.exec(
        select(CartItem.quantity, Variant, Product.code, Product.title)
        .join(Variant, col(Variant.id) == col(CartItem.variant_id))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .where(col(CartItem.cart_id) == cart.id)
        .order_by(col(Variant.sku))
    )
    items = [
        CartItemOut(
            sku=variant.sku,
            product_code=code,
            title=title,
            quantity=quantity,
            unit_price_fen=variant.price_fen,
            line_total_fen=variant.price_fen * quantity,
            available=variant.stock,
        )
        for quantity, variant, code, title in rows
    ]
    return CartOut(
        id=cart.id,  # type: ignore[arg-type]
        status=cart.status,
        items=items,
        total_fen=sum(i.line_total_fen for i in items),
    )
