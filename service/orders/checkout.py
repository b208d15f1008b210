"""Placing an order from a cart: prices taken server-side, stock reserved, once per key."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Row, Table, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from service.accounts.models import User
from service.catalog.events import notify_products_changed
from service.catalog.freight import templates_of
from service.catalog.models import Producer, Product, Variant
from service.kit.db import utcnow
from service.kit.errors import Conflict, NotFound, ServiceError, Unprocessable
from service.kit.insert_once import insert_once
from service.orders.addresses import address_out, own_address
from service.orders.carts import CartClosed
from service.orders.freight import ParcelQuote, Quote, quote_goods, unaddressed_quote
from service.orders.limits import (
    check_purchase_limits,
    check_unpaid_orders,
    lock_shopper,
)
from service.orders.models import (
    Address,
    Cart,
    CartItem,
    CartStatus,
    IdempotencyRecord,
    Order,
    OrderLine,
    OrderStatus,
    OrderTransition,
    Parcel,
    ParcelStatus,
)
from service.orders.quotes import goods_of
from service.orders.reservations import DEFAULT_HOLD, reservation_deadline
from service.orders.schemas import (
    AddressOut,
    OrderIn,
    OrderOut,
    OrderTransitionOut,
    ParcelLineOut,
    ParcelOut,
)
from service.orders.stock import StockMove, reserve_stock
from service.orders.views import assemble_order, line_out

ORDER_TABLE: Table = Order.__table__  # type: ignore[attr-defined]
LINE_TABLE: Table = OrderLine.__table__  # type: ignore[attr-defined]
PARCEL_TABLE: Table = Parcel.__table__  # type: ignore[attr-defined]
TRANSITION_TABLE: Table = OrderTransition.__table__  # type: ignore[attr-defined]
S = OrderStatus

# The checkout's statements are built once (building one costs about as much CPU as running it).
_CLAIM_CART = (
    update(Cart)
    .where(
        col(Cart.id) == bindparam("p_cart_id"),
        col(Cart.shopper_id) == bindparam("p_shopper_id"),
        col(Cart.status) == CartStatus.open,
    )
    .values(status=CartStatus.ordered, updated_at=bindparam("p_now"))
)
_CART_LINES: Any = (
    sa_select(
        col(CartItem.quantity).label("quantity"),
        col(Variant.id).label("variant_id"),
        col(Variant.sku).label("sku"),
        col(Variant.net_weight_g).label("net_weight_g"),
        col(Variant.packaging).label("packaging"),
        col(Variant.purchase_limit).label("purchase_limit"),
        col(Product.id).label("product_id"),
        col(Product.code).label("product_code"),
        col(Product.producer_id).label("producer_id"),
        col(Product.category_id).label("category_id"),
        col(Product.title).label("title"),
        col(Product.storage).label("storage"),
        col(Product.shelf_life_days).label("shelf_life_days"),
        col(Producer.code).label("producer_code"),
    )
    .join(Variant, col(Variant.id) == col(CartItem.variant_id))
    .join(Product, col(Product.id) == col(Variant.product_id))
    .join(Producer, col(Producer.id) == col(Product.producer_id))
    .where(col(CartItem.cart_id) == bindparam("p_cart_id"))
    .order_by(col(Variant.sku))  # stock rows are locked in SKU order: no deadlocks
)
_RECORD_ANSWER = (
    update(IdempotencyRecord)
    .where(
        col(IdempotencyRecord.shopper_id) == bindparam("p_shopper_id"),
        col(IdempotencyRecord.key) == bindparam("p_key"),
    )
    .values(status_code=bindparam("p_status"), response_body=bindparam("p_body"))
)


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was used before for a different request body."""

    code = "idempotency_key_reused"


class EmptyCart(Unprocessable):
    """The cart holds nothing to order."""

    code = "empty_cart"


@dataclass(frozen=True)
class Answer:
    """An HTTP answer to replay: status and JSON body."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def request_digest(body: OrderIn) -> str:
    """A fingerprint of the request body, to tell a retry from a different request."""
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def place_order_once(
    session: Session,
    *,
    user: User,
    key: str,
    body: OrderIn,
    hold: timedelta = DEFAULT_HOLD,
    max_unpaid: int | None = None,
) -> Answer:
    """Place the order unless this key was used: then the first answer, or 409 for another body.

    The key is claimed with insert-on-conflict-do-nothing in the same transaction as the
    order, so a concurrent duplicate waits for the first and then replays its answer. Rule
    failures (out of stock, empty cart …) are answers too and are replayed like successes.
    """
    digest = request_digest(body)
    claimed = insert_once(
        session,
        IdempotencyRecord,
        {"shopper_id": user.id, "key": key, "request_hash": digest, "created_at": utcnow()},
        unique=("shopper_id", "key"),
    )
    if not claimed:
        return _replay(session, user=user, key=key, digest=digest)
    try:
        with session.begin_nested():
            placed = place_order(
                session, user=user, body=body, hold=hold, max_unpaid=max_unpaid
            )
            answer = Answer(201, placed.model_dump(mode="json"))
    except ServiceError as exc:
        answer = Answer(exc.status, exc.body())
    session.connection().execute(
        _RECORD_ANSWER,
        {"p_shopper_id": user.id, "p_key": key, "p_status": answer.status, "p_body": answer.body},
    )
    return answer


def _replay(session: Session, *, user: User, key: str, digest: str) -> Answer:
    record = session.exec(
        select(IdempotencyRecord).where(
            col(IdempotencyRecord.shopper_id) == user.id, col(IdempotencyRecord.key) == key
        )
    ).one()
    if record.request_hash != digest:
        raise IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request", details={"key": key}
        )
    if record.status_code is None or record.response_body is None:
        raise Conflict("a request with this Idempotency-Key is still in progress")
    return Answer(record.status_code, record.response_body, replayed=True)


def _claim_cart(session: Session, *, user: User, cart_id: int) -> None:
    """Close the cart in one conditional statement, so it becomes at most one order."""
    params = {"p_cart_id": cart_id, "p_shopper_id": user.id, "p_now": utcnow()}
    claimed = session.connection().execute(_CLAIM_CART, params)
    if claimed.rowcount == 1:
        return
    cart = session.get(Cart, cart_id)
    if cart is None or cart.shopper_id != user.id:
        raise NotFound(f"cart {cart_id} does not exist")
    raise CartClosed(f"cart {cart_id} was already ordered")


def _cart_lines(session: Session, cart_id: int) -> list[Row[Any]]:
    """The cart's SKUs with the snapshot an order line keeps, in SKU order."""
    return list(session.connection().execute(_CART_LINES, {"p_cart_id": cart_id}))


def place_order(
    session: Session,
    *,
    user: User,
    body: OrderIn,
    hold: timedelta = DEFAULT_HOLD,
    max_unpaid: int | None = None,
) -> OrderOut:
    """Turn USER's cart into an order at today's prices plus the freight its quote names,
    reserving its stock line by line for HOLD (TECHAN_RESERVATION_MINUTES; requests pass the
    app's setting). An undeliverable cart is refused (422) before any stock is taken, and so is
    an order beyond MAX_UNPAID unpaid orders of USER or over a SKU's purchase limit."""
    address, city = _destination(session, user=user, body=body)
    lock_shopper(session, user)
    if max_unpaid is not None:  # the API passes TECHAN_MAX_UNPAID_ORDERS
        check_unpaid_orders(session, user=user, max_unpaid=max_unpaid, now=utcnow())
    _claim_cart(session, user=user, cart_id=body.cart_id)
    items = _cart_lines(session, body.cart_id)
    if not items:
        raise EmptyCart(f"cart {body.cart_id} is empty")
    check_purchase_limits(session, user=user, items=items, now=utcnow())
    price = _freight_pricer(session, items, address)
    price(0).refuse_if_undeliverable()  # before any stock row is locked
    prices = [
        reserve_stock(session, StockMove(item.variant_id, item.sku, item.quantity))
        for item in items
    ]
    quote = price(prices)
    now = utcnow()
    order = Order(
        shopper_id=user.id,  # type: ignore[arg-type]
        cart_id=body.cart_id,
        city=city,
        address_id=address.id if address else None,
        freight_fen=quote.freight_fen,
        total_fen=quote.total_fen,
        reserved_until=reservation_deadline(now, hold=hold),
        created_at=now,
        updated_at=now,
    )
    lines = _write_order(session, order=order, items=items, prices=prices, user=user, quote=quote)
    notify_products_changed(session, [item.product_id for item in items], stock_only=True)
    shown = [
        line_out(line, product_code=item.product_code, producer_code=item.producer_code)
        for line, item in zip(lines, items, strict=True)
    ]
    placed = OrderTransitionOut(
        from_status=None, to_status=S.pending_payment, actor=user.name, reason=None, at=now
    )
    parcels = _parcels_placed(quote, lines, address=address_out(address) if address else None)
    return assemble_order(order, lines=shown, transitions=[placed], partial=False, parcels=parcels)


def _destination(session: Session, *, user: User, body: OrderIn) -> tuple[Address | None, str]:
    """The order's address (when given) and city: the address's, else the body's or USER's."""
    address = None
    if body.address_id is not None:
        address = own_address(session, user=user, address_id=body.address_id)
    city = address.city if address else (body.city or user.city)
    if not city:
        raise Unprocessable("say where the order goes", details={"field": "address_id"})
    return address, city


def _freight_pricer(
    session: Session, items: list[Row[Any]], address: Address | None
) -> Callable[[int | list[int]], Quote]:
    """A function pricing ITEMS at given unit prices to ADDRESS (templates read once); without
    an address, parcels without freight."""
    templates = templates_of(session, sorted({i.producer_id for i in items})) if address else {}

    def price(unit_prices: int | list[int]) -> Quote:
        each = unit_prices if isinstance(unit_prices, list) else [unit_prices] * len(items)
        goods = [goods_of(i, unit_price_fen=p) for i, p in zip(items, each, strict=True)]
        if address is None:
            return unaddressed_quote(goods)
        return quote_goods(goods, templates=templates, province=address.province)

    return price


def _parcels_placed(
    quote: Quote, lines: list[OrderLine], *, address: AddressOut | None
) -> list[ParcelOut]:
    """The parcels just written, as the order's answer shows them."""
    parcel_of_sku = {line.sku: line.parcel_id for line in lines}
    return [
        ParcelOut(
            id=parcel_of_sku[parcel.goods[0].sku],  # type: ignore[arg-type]
            producer=parcel.producer_code,
            storage=parcel.storage,
            status=ParcelStatus.pending,
            weight_g=parcel.weight_g,
            freight_fen=parcel.freight_fen,
            days=parcel.days,
            carrier=None,
            tracking_number=None,
            shipped_at=None,
            delivered_at=None,
            address=address,
            lines=[
                ParcelLineOut(sku=g.sku, quantity=g.quantity, refunded_quantity=0)
                for g in parcel.goods
            ],
        )
        for parcel in quote.parcels
    ]


def _write_parcels(session: Session, *, order: Order, quote: Quote) -> dict[str, int]:
    """Insert the order's parcels; the parcel id of each SKU."""
    conn = session.connection()
    parcel_of_sku: dict[str, int] = {}
    for parcel in quote.parcels:
        parcel_id = conn.execute(
            insert(PARCEL_TABLE).values(_parcel_row(order, parcel)).returning(PARCEL_TABLE.c.id)
        ).scalar_one()
        parcel_of_sku.update({g.sku: parcel_id for g in parcel.goods})
    return parcel_of_sku


def _parcel_row(order: Order, parcel: ParcelQuote) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "producer_id": parcel.producer_id,
        "storage": parcel.storage,
        "weight_g": parcel.weight_g,
        "freight_fen": parcel.freight_fen,
        "days": parcel.days,
        "status": "pending",
    }


def _write_order(
    session: Session,
    *,
    order: Order,
    items: list[Row[Any]],
    prices: list[int],
    user: User,
    quote: Quote,
) -> list[OrderLine]:
    """Insert the order, its lines and its first history step (Core inserts: the hot path)."""
    conn = session.connection()
    values = order.model_dump(exclude={"id"})
    order.id = conn.execute(
        insert(ORDER_TABLE).values(values).returning(ORDER_TABLE.c.id)
    ).scalar_one()
    parcel_of_sku = _write_parcels(session, order=order, quote=quote)
    lines = [_order_line(order, item, price) for price, item in zip(prices, items, strict=True)]
    for line in lines:
        line.parcel_id = parcel_of_sku.get(line.sku)
    conn.execute(insert(LINE_TABLE), [line.model_dump(exclude={"id"}) for line in lines])
    step = {"order_id": order.id, "to_status": S.pending_payment, "actor": user.name}
    conn.execute(insert(TRANSITION_TABLE).values(actor_id=user.id, at=order.created_at, **step))
    return lines


def _order_line(order: Order, item: Row[Any], price: int) -> OrderLine:
    return OrderLine(
        order_id=order.id,  # type: ignore[arg-type]
        variant_id=item.variant_id,
        sku=item.sku,
        product_id=item.product_id,
        producer_id=item.producer_id,
        category_id=item.category_id,
        title=item.title,
        unit_price_fen=price,
        quantity=item.quantity,
        net_weight_g=item.net_weight_g,
        packaging=item.packaging,
        city=order.city,
    )
