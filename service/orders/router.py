"""Cart and order endpoints (paying is in the payments router)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, status
from fastapi.responses import JSONResponse

from service.accounts.deps import CurrentUser, ShopperUser
from service.kit.db import SessionDep
from service.kit.errors import (
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
    UpstreamError,
    error_responses,
)
from service.kit.pagination import MAX_PAGE
from service.orders import carts, checkout, service, views
from service.orders.models import OrderStatus
from service.orders.schemas import (
    CartItemsIn,
    CartOut,
    OrderIn,
    OrderOut,
    OrderPage,
    ReasonIn,
    RefundIn,
)
from service.payments import refunds
from service.payments.deps import GatewayDep, ReservationsSettled

router = APIRouter(tags=["orders"])
READ_ERRORS = error_responses(Unauthorized, Forbidden, NotFound)
WRITE_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable)
MONEY_ERRORS = error_responses(
    Unauthorized, Forbidden, NotFound, Conflict, Unprocessable, UpstreamError
)
IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=255)]


@router.post("/carts", status_code=status.HTTP_201_CREATED, responses=WRITE_ERRORS)
def create_cart(session: SessionDep, user: ShopperUser, body: CartItemsIn | None = None) -> CartOut:
    """Open a new cart, optionally with items."""
    cart = carts.create_cart(session, user=user, items=body.items if body else ())
    return carts.cart_out(session, cart)


@router.get("/carts/{cart_id}", responses=READ_ERRORS)
def get_cart(cart_id: int, session: SessionDep, user: ShopperUser) -> CartOut:
    """Your cart with today's prices and stock."""
    return carts.cart_out(session, carts.get_own_cart(session, user=user, cart_id=cart_id))


@router.put("/carts/{cart_id}/items", responses=WRITE_ERRORS)
def replace_cart_items(
    cart_id: int, body: CartItemsIn, session: SessionDep, user: ShopperUser
) -> CartOut:
    """Set the cart's items (each SKU must exist, be listed and have the stock)."""
    cart = carts.replace_cart_items(session, user=user, cart_id=cart_id, items=body.items)
    return carts.cart_out(session, cart)


@router.post(
    "/orders",
    status_code=status.HTTP_201_CREATED,
    response_model=OrderOut,
    responses=WRITE_ERRORS,
)
def place_order(
    body: OrderIn, key: IdempotencyKey, session: SessionDep, user: ShopperUser
) -> JSONResponse:
    """Order a cart at today's prices, reserving its stock; the same Idempotency-Key and body
    return the first answer (header `Idempotent-Replayed: true`), another body is 409."""
    answer = checkout.place_order_once(session, user=user, key=key, body=body)
    headers = {"Idempotent-Replayed": "true"} if answer.replayed else None
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


@router.get("/orders", responses=READ_ERRORS | error_responses(Unprocessable))
def list_orders(
    _: ReservationsSettled,
    session: SessionDep,
    user: CurrentUser,
    status: OrderStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> OrderPage:
    """Your orders, newest first; a producer sees orders holding its SKUs, only its lines."""
    return views.list_orders(session, user=user, status=status, limit=limit, cursor=cursor)


@router.get("/orders/{order_id}", responses=READ_ERRORS)
def get_order(
    _: ReservationsSettled, order_id: int, session: SessionDep, user: CurrentUser
) -> OrderOut:
    """One order with its lines and status history."""
    return views.order_detail(session, user=user, order_id=order_id)


@router.post("/orders/{order_id}/cancel", responses=MONEY_ERRORS)
def cancel_order(
    _: ReservationsSettled,
    order_id: int,
    session: SessionDep,
    user: CurrentUser,
    gateway: GatewayDep,
    body: ReasonIn | None = None,
) -> OrderOut:
    """Cancel before shipping: stock goes back; a paid order is refunded in full."""
    reason = body.reason if body else None
    refunds.cancel_order(session, user=user, order_id=order_id, reason=reason, gateway=gateway)
    return views.order_detail(session, user=user, order_id=order_id)


@router.post("/orders/{order_id}/ship", responses=WRITE_ERRORS)
def ship_order(order_id: int, session: SessionDep, user: CurrentUser) -> OrderOut:
    """A producer ships its lines; the order is shipped when every line is."""
    service.ship_order_lines(session, user=user, order_id=order_id)
    return views.order_detail(session, user=user, order_id=order_id)


@router.post("/orders/{order_id}/deliver", responses=WRITE_ERRORS)
def deliver_order(order_id: int, session: SessionDep, user: CurrentUser) -> OrderOut:
    """The shopper confirms a shipped order arrived."""
    service.deliver_order(session, user=user, order_id=order_id)
    return views.order_detail(session, user=user, order_id=order_id)


@router.post("/orders/{order_id}/refund", responses=MONEY_ERRORS)
def refund_order(
    order_id: int, body: RefundIn, session: SessionDep, user: CurrentUser, gateway: GatewayDep
) -> OrderOut:
    """Refund lines (or all that remain) through Stripe; unshipped units are restocked."""
    refunds.refund_order(session, user=user, order_id=order_id, body=body, gateway=gateway)
    return views.order_detail(session, user=user, order_id=order_id)
