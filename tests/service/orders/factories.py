"""Factories for carts and orders: a listed SKU, a shopper, a cart, a placed order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, update
from sqlmodel import Session, col

from service.accounts.models import User
from service.catalog.freight import FreightTemplate, FreightTemplateIn, save_template
from service.catalog.models import Producer, Variant
from service.kit.db import session_scope, utcnow
from service.orders.checkout import place_order
from service.orders.models import Address, Cart, CartItem, Order
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


def place(
    engine: Engine,
    *,
    shopper: User,
    items: list[tuple[Variant, int]],
    address: Address | None = None,
) -> OrderOut:
    """A pending order of SHOPPER for ITEMS (to ADDRESS, with freight, when given), placed
    through the checkout rules."""
    with session_scope(engine) as session:
        cart = make_cart(session, shopper=shopper, items=items)
    with session_scope(engine) as session:
        user = session.get(User, shopper.id)
        assert user is not None
        body = OrderIn(cart_id=cart.id, address_id=address.id if address else None)  # type: ignore[arg-type]
        return place_order(session, user=user, body=body)


def stock_of(session: Session, variant: Variant) -> int:
    """The SKU's stock as committed now."""
    session.expire_all()
    fresh = session.get(Variant, variant.id)
    assert fresh is not None
    return fresh.stock


def make_address(session: Session, *, shopper: User, province: str = "浙江", **kw: Any) -> Address:
    """An address in SHOPPER's book (Hangzhou unless told otherwise)."""
    values = {
        "recipient": "王小明",
        "phone": "13812345678",
        "province": province,
        "city": "杭州",
        "district": "西湖区",
        "detail": "文三路 100 号",
        **kw,
    }
    address = Address(shopper_id=shopper.id, **values)  # type: ignore[arg-type]
    session.add(address)
    session.commit()
    session.refresh(address)
    return address


# A template like the design's example: near provinces cheap and fast, others by the default.
EXAMPLE_TEMPLATE: dict[str, Any] = {
    "rules": [
        {
            "provinces": ["浙江", "上海"],
            "first_g": 1000,
            "first_fen": 600,
            "next_kg_fen": 300,
            "days": 2,
        },
        {
            "provinces": ["新疆"],
            "first_g": 1000,
            "first_fen": 2000,
            "next_kg_fen": 1500,
            "days": 10,
        },
    ],
    "default": {"first_g": 1000, "first_fen": 1200, "next_kg_fen": 800, "days": 4},
    "free_over_fen": 9900,
    "chilled_max_days": 2,
}


def make_template(
    session: Session, *, producer: Producer, template: dict[str, Any] | None = None
) -> FreightTemplate:
    """PRODUCER's freight template (the example unless told otherwise)."""
    saved = save_template(
        session, producer, FreightTemplateIn.model_validate(template or EXAMPLE_TEMPLATE)
    )
    session.commit()
    return saved


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


def ship_every_parcel(
    client: Any, order_id: int, *, shopper: dict[str, str], producers: list[dict[str, str]]
) -> None:
    """Ship each pending parcel of the order, each by whichever of PRODUCERS' headers owns it."""
    order = client.get(f"/api/v1/orders/{order_id}", headers=shopper).json()
    for parcel in order["parcels"]:
        if parcel["status"] != "pending":
            continue
        tracking = f"SF{parcel['id']:09d}"
        body = {"parcel_id": parcel["id"], "carrier": "顺丰", "tracking_number": tracking}
        answers = [
            client.post(f"/api/v1/orders/{order_id}/ship", json=body, headers=headers).status_code
            for headers in producers
        ]
        assert 200 in answers, (parcel, answers)
