"""Cart and order endpoints that need no payment: carts, placing, shipping, delivering.

Reading, cancelling and refunding orders can settle or move money, so those endpoints are the
payments router's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, status
from fastapi.responses import JSONResponse

from service.accounts.deps import CurrentUser, ShopperUser
from service.accounts.rate_limits import rate_limited
from service.kit.app_state import SettingsDep
from service.kit.bounds import Id
from service.kit.db import SessionDep
from service.kit.errors import (
    Conflict,
    Forbidden,
    NotFound,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    error_responses,
)
from service.orders import addresses, carts, checkout, parcels, quotes, views
from service.orders.schemas import (
    AddressIn,
    AddressOut,
    CartItemsIn,
    CartOut,
    OrderIn,
    OrderOut,
    QuoteOut,
    ShipIn,
)

router = APIRouter(tags=["orders"])
READ_ERRORS = error_responses(Unauthorized, Forbidden, NotFound)
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable)
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)]


@router.post("/carts", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
def create_cart(session: SessionDep, user: ShopperUser, body: CartItemsIn | None = None) -> CartOut:
    """Open a new cart, optionally with items."""
    cart = carts.create_cart(session, user=user, items=body.items if body else ())
    return carts.cart_out(session, cart)


@router.get("/carts/{cart_id}", responses=READ_ERRORS)
def get_cart(cart_id: Id, session: SessionDep, user: ShopperUser) -> CartOut:
    """Your cart with today's prices and stock."""
    return carts.cart_out(session, carts.get_own_cart(session, user=user, cart_id=cart_id))


@router.put("/carts/{cart_id}/items", responses=WRITE_ERRORS)
def replace_cart_items(
    cart_id: Id, body: CartItemsIn, session: SessionDep, user: ShopperUser
) -> CartOut:
    """Set the cart's items (each SKU must exist, be listed and have the stock)."""
    cart = carts.replace_cart_items(session, user=user, cart_id=cart_id, items=body.items)
    return carts.cart_out(session, cart)


@router.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    responses=WRITE_ERRORS | error_responses(TooManyRequests),
    # Per signed-in shopper, not per address: many shoppers behind one address buy at once.
    dependencies=[Depends(rate_limited("orders", "rate_orders"))],
)
def place_order(
    body: OrderIn,
    key: IdempotencyKey,
    session: SessionDep,
    user: ShopperUser,
    settings: SettingsDep,
) -> JSONResponse:
    """Order a cart at today's prices, reserving its stock; the same Idempotency-Key and body
    return the first answer (header `Idempotent-Replayed: true`), another body is 409. A
    shopper holding TECHAN_MAX_UNPAID_ORDERS unpaid orders gets 409; an item over its SKU's
    purchase limit (限购) 422."""
    hold = timedelta(minutes=settings.reservation_minutes)
    answer = checkout.place_order_once(
        session, user=user, key=key, body=body, hold=hold, max_unpaid=settings.max_unpaid_orders
    )
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


@router.post("/addresses", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
def add_address(body: AddressIn, session: SessionDep, user: ShopperUser) -> AddressOut:
    """Add an address to your address book (province by its name: 浙江 or 浙江省)."""
    return addresses.address_out(addresses.add_address(session, user=user, body=body))


@router.get("/addresses", responses=READ_ERRORS)
def list_addresses(session: SessionDep, user: ShopperUser) -> list[AddressOut]:
    """Your address book."""
    return [addresses.address_out(a) for a in addresses.list_addresses(session, user=user)]


@router.get("/carts/{cart_id}/quote", responses=READ_ERRORS | error_responses(Unprocessable))
def quote_cart(
    cart_id: Id,
    session: SessionDep,
    user: ShopperUser,
    address_id: Annotated[Id, Query()],
) -> QuoteOut:
    """What ordering the cart to one of your addresses costs: goods, freight per parcel
    (producer × storage group) and what cannot be delivered there, and why."""
    return quotes.quote_cart(session, user=user, cart_id=cart_id, address_id=address_id)


@router.post("/orders/{order_id}/ship", responses=WRITE_ERRORS)
def ship_order(order_id: Id, body: ShipIn, session: SessionDep, user: CurrentUser) -> OrderOut:
    """The parcel's producer ships it with carrier and tracking number; the order is shipped
    when every parcel not refunded is."""
    parcels.ship_parcel(session, user=user, order_id=order_id, body=body)
    return views.order_detail(session, user=user, order_id=order_id)


@router.post("/orders/{order_id}/confirm", responses=WRITE_ERRORS)
def confirm_order(order_id: Id, session: SessionDep, user: CurrentUser) -> OrderOut:
    """The shopper confirms the parcels on their way arrived (done automatically after
    TECHAN_AUTO_CONFIRM_DAYS)."""
    parcels.confirm_delivery(session, user=user, order_id=order_id)
    return views.order_detail(session, user=user, order_id=order_id)


@router.post("/orders/{order_id}/deliver", responses=WRITE_ERRORS, deprecated=True)
def deliver_order(order_id: Id, session: SessionDep, user: CurrentUser) -> OrderOut:
    """The former name of `POST /orders/{id}/confirm`."""
    parcels.confirm_delivery(session, user=user, order_id=order_id)
    return views.order_detail(session, user=user, order_id=order_id)
