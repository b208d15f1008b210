"""`GET /carts/{id}/quote`: what ordering a cart to one of the shopper's addresses would cost."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session, col, select

from service.accounts.models import User
from service.catalog.freight import templates_of
from service.catalog.models import Producer, Product, Variant
from service.orders.addresses import own_address
from service.orders.carts import get_own_cart
from service.orders.freight import Goods, Quote, quote_goods
from service.orders.models import Address, CartItem
from service.orders.schemas import QuoteOut, QuoteParcelOut, UndeliverableOut


def goods_of(row: Any, *, unit_price_fen: int) -> Goods:
    """A cart row (quantity, SKU, producer, storage, shelf life, weight) as freight sees it."""
    return Goods(
        sku=row.sku,
        producer_id=row.producer_id,
        producer_code=row.producer_code,
        storage=row.storage,
        shelf_life_days=row.shelf_life_days,
        net_weight_g=row.net_weight_g,
        quantity=row.quantity,
        unit_price_fen=unit_price_fen,
    )


def quote_for_address(session: Session, goods: Sequence[Goods], address: Address) -> Quote:
    """Price GOODS to ADDRESS by their producers' templates (one query for the templates)."""
    templates = templates_of(session, sorted({g.producer_id for g in goods}))
    return quote_goods(goods, templates=templates, province=address.province)


def _cart_goods(session: Session, cart_id: int) -> list[Goods]:
    rows = session.exec(
        select(  # type: ignore[call-overload]
            col(CartItem.quantity).label("quantity"),
            col(Variant.sku).label("sku"),
            col(Variant.net_weight_g).label("net_weight_g"),
            col(Variant.price_fen).label("price_fen"),
            col(Product.producer_id).label("producer_id"),
            col(Product.storage).label("storage"),
            col(Product.shelf_life_days).label("shelf_life_days"),
            col(Producer.code).label("producer_code"),
        )
        .join(Variant, col(Variant.id) == col(CartItem.variant_id))
        .join(Product, col(Product.id) == col(Variant.product_id))
        .join(Producer, col(Producer.id) == col(Product.producer_id))
        .where(col(CartItem.cart_id) == cart_id)
        .order_by(col(Variant.sku))
    )
    return [goods_of(row, unit_price_fen=row.price_fen) for row in rows]  # type: ignore[attr-defined]


def quote_out(quote: Quote, *, cart_id: int, address_id: int) -> QuoteOut:
    """The quote as the API shows it."""
    return QuoteOut(
        cart_id=cart_id,
        address_id=address_id,
        goods_fen=quote.goods_fen,
        freight_fen=quote.freight_fen,
        total_fen=quote.total_fen,
        parcels=[
            QuoteParcelOut(
                producer=p.producer_code,
                storage=p.storage,
                weight_g=p.weight_g,
                goods_fen=p.goods_fen,
                freight_fen=p.freight_fen,
                days=p.days or 0,
            )
            for p in quote.parcels
        ],
        undeliverable=[
            UndeliverableOut(sku=r.sku, reason=r.reason, message=r.message)
            for r in quote.undeliverable
        ],
    )


def quote_cart(session: Session, *, user: User, cart_id: int, address_id: int) -> QuoteOut:
    """USER's cart priced to USER's address at today's prices."""
    cart = get_own_cart(session, user=user, cart_id=cart_id)
    address = own_address(session, user=user, address_id=address_id)
    quote = quote_for_address(session, _cart_goods(session, cart.id), address)  # type: ignore[arg-type]
    return quote_out(quote, cart_id=cart_id, address_id=address_id)
