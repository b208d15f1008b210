"""Order endpoints that involve Stripe or lapsed reservations, and Stripe's webhooks.

Reading an order settles its lapsed reservation (which cancels its PaymentIntent), cancelling
or refunding one pays money back, paying creates and confirms an intent: so these endpoints
live here, above orders, and the orders domain never reaches up to payments.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from service.accounts.deps import CurrentUser
from service.kit.bounds import Id
from service.kit.db import SessionDep
from service.kit.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    Unprocessable,
    UpstreamError,
    error_responses,
)
from service.kit.pagination import MAX_PAGE
from service.orders import views
from service.orders.models import OrderStatus
from service.orders.schemas import OrderOut, OrderPage, ReasonIn, RefundIn
from service.orders.service import InvalidTransition
from service.payments import refunds
from service.payments.deps import GatewayDep, ReservationsDep
from service.payments.gateway import PaymentDeclined, PaymentMethodRefused
from service.payments.schemas import PaymentIn, PaymentOut, WebhookReceipt
from service.payments.service import ReservationExpired, start_payment
from service.payments.webhooks import receive_stripe_event

router = APIRouter()
READ_ERRORS = error_responses(Unauthorized, Forbidden, NotFound)
MONEY_ERRORS = error_responses(
    Unauthorized, Forbidden, NotFound, Conflict, Unprocessable, UpstreamError
)


@router.get("/orders", tags=["orders"], responses=READ_ERRORS | error_responses(Unprocessable))
def list_orders(
    session: SessionDep,
    user: CurrentUser,
    reservations: ReservationsDep,
    status: OrderStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    to_ship: bool = False,
) -> OrderPage:
    """Your orders, newest first; a producer sees orders holding its SKUs, only its lines and
    parcels; `to_ship=true`: paid orders (partly refunded or not) with a parcel of yours not
    yet shipped."""
    reservations.settle()
    return views.list_orders(
        session, user=user, status=status, limit=limit, cursor=cursor, to_ship=to_ship
    )


@router.get("/orders/{order_id}", tags=["orders"], responses=READ_ERRORS)
def get_order(
    order_id: Id, session: SessionDep, user: CurrentUser, reservations: ReservationsDep
) -> OrderOut:
    """One order with its lines and status history."""
    reservations.settle([order_id])
    return views.order_detail(session, user=user, order_id=order_id)


@router.post(
    "/orders/{order_id}/cancel", tags=["orders"], response_model=OrderOut, responses=MONEY_ERRORS
)
def cancel_order(
    order_id: Id,
    session: SessionDep,
    user: CurrentUser,
    gateway: GatewayDep,
    reservations: ReservationsDep,
    body: ReasonIn | None = None,
) -> OrderOut | JSONResponse:
    """Cancel before shipping: stock goes back; a paid order is refunded in full."""
    lapsed = reservations.settle([order_id])
    reason = body.reason if body else None
    try:
        refunds.cancel_order(session, user=user, order_id=order_id, reason=reason, gateway=gateway)
    except InvalidTransition as exc:
        if not lapsed:
            raise
        # The reservation lapsed just now, so the order is already cancelled and nothing else
        # was written: answered rather than raised, the lapse commits with the request.
        return exc.response()
    return views.order_detail(session, user=user, order_id=order_id)


@router.post("/orders/{order_id}/refund", tags=["orders"], responses=MONEY_ERRORS)
def refund_order(
    order_id: Id, body: RefundIn, session: SessionDep, user: CurrentUser, gateway: GatewayDep
) -> OrderOut:
    """Refund lines (or all that remain) through Stripe; unshipped units are restocked."""
    refunds.refund_order(session, user=user, order_id=order_id, body=body, gateway=gateway)
    return views.order_detail(session, user=user, order_id=order_id)


@router.post(
    "/orders/{order_id}/payment",
    tags=["payments"],
    response_model=PaymentOut,
    responses=error_responses(
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        PaymentDeclined,
        PaymentMethodRefused,
        UpstreamError,
    ),
)
def pay_order(
    order_id: Id,
    session: SessionDep,
    user: CurrentUser,
    gateway: GatewayDep,
    reservations: ReservationsDep,
    body: PaymentIn | None = None,
) -> PaymentOut | JSONResponse:
    """The order's Stripe PaymentIntent (for the server's total, in CNY) and its client secret;
    with `payment_method` the server confirms it at once (402 when the card is declined)."""
    reservations.settle([order_id])
    method = body.payment_method if body else None
    try:
        attempt = start_payment(
            session, user=user, order_id=order_id, gateway=gateway, payment_method=method
        )
    except ReservationExpired as exc:
        # Refused before anything but the lapse was written: answered, so the lapse commits.
        return exc.response()
    if attempt.declined is not None:
        # An answer, not an exception: the decline stays recorded when the request commits.
        return attempt.declined.response()
    return PaymentOut(
        order_id=order_id,
        intent_id=attempt.intent.id,
        client_secret=attempt.intent.client_secret,
        amount_fen=attempt.payment.amount_fen,
        currency=attempt.payment.currency,
        intent_status=attempt.intent.status,
        order_status=attempt.order.status,
    )


async def raw_body(request: Request) -> bytes:
    """The request body exactly as sent: the signature covers these bytes."""
    return await request.body()


@router.post("/webhooks/stripe", tags=["payments"], responses=error_responses(BadRequest))
def stripe_webhook(
    payload: Annotated[bytes, Depends(raw_body)],
    session: SessionDep,
    gateway: GatewayDep,
    signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookReceipt:
    """Stripe's events, signature-checked; each event id is stored and applied once."""
    return receive_stripe_event(session, payload=payload, signature=signature, gateway=gateway)
