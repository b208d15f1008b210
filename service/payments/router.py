"""Paying for an order through Stripe, and Stripe's webhooks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from service.accounts.deps import CurrentUser
from service.kit.db import SessionDep
from service.kit.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    Unauthorized,
    UpstreamError,
    error_responses,
)
from service.payments.deps import GatewayDep, ReservationsSettled
from service.payments.gateway import PaymentDeclined
from service.payments.schemas import PaymentIn, PaymentOut, WebhookReceipt
from service.payments.service import start_payment
from service.payments.webhooks import receive_stripe_event

router = APIRouter(tags=["payments"])


@router.post(
    "/orders/{order_id}/payment",
    response_model=PaymentOut,
    responses=error_responses(
        Unauthorized, Forbidden, NotFound, Conflict, PaymentDeclined, UpstreamError
    ),
)
def pay_order(
    _: ReservationsSettled,
    order_id: int,
    session: SessionDep,
    user: CurrentUser,
    gateway: GatewayDep,
    body: PaymentIn | None = None,
) -> PaymentOut | JSONResponse:
    """The order's Stripe PaymentIntent (for the server's total, in CNY) and its client secret;
    with `payment_method` the server confirms it at once (402 when the card is declined)."""
    method = body.payment_method if body else None
    attempt = start_payment(
        session, user=user, order_id=order_id, gateway=gateway, payment_method=method
    )
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


@router.post("/webhooks/stripe", responses=error_responses(BadRequest))
def stripe_webhook(
    payload: Annotated[bytes, Depends(raw_body)],
    session: SessionDep,
    gateway: GatewayDep,
    signature: Annotated[str | None, Header(alias="Stripe-Signature")] = None,
) -> WebhookReceipt:
    """Stripe's events, signature-checked; each event id is stored and applied once."""
    return receive_stripe_event(session, payload=payload, signature=signature, gateway=gateway)
