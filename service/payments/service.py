"""Payment rules: one intent per order for its server-side total; a success applied once.

Reservations and payments: an order can be paid only while it is pending_payment. Asking to
pay an order whose reservation has lapsed is refused (409 reservation_expired; the order is
cancelled, its stock returned and its intent cancelled at Stripe). Money that still arrives
for a cancelled order (a shopper confirming at the last second, a lost webhook) is refunded
in full through Stripe and recorded (outcome refunded_closed_order). An order past its
deadline that nobody has cancelled yet still holds its stock, so a success reaching it first
is applied: the conditional status change lets exactly one of payment and expiry win.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.accounts.models import User
from service.kit.db import utcnow
from service.kit.errors import Conflict, UpstreamError
from service.orders.models import Order, OrderStatus
from service.orders.service import ensure_shopper_or_admin, lock_order, mark_paid, visible_order
from service.payments.gateway import IntentMissing, IntentState, PaymentDeclined, StripeGateway
from service.payments.models import (
    EventOutcome,
    Payment,
    PaymentEvent,
    PaymentRefund,
    PaymentStatus,
)

P = PaymentStatus
STRIPE_ACTOR = "stripe"
OPEN = (P.requires_payment, P.failed)


class OrderNotPayable(Conflict):
    """The order's status does not allow paying it."""

    code = "order_not_payable"


class ReservationExpired(Conflict):
    """The order's reservation lapsed before payment; it was cancelled."""

    code = "reservation_expired"


@dataclass(frozen=True)
class Applied:
    """What applying one intent state did, for the event log."""

    outcome: EventOutcome
    order_id: int | None = None
    detail: str | None = None


@dataclass(frozen=True)
class PaymentAttempt:
    """The intent after a payment request; DECLINED when a server-side confirm was refused."""

    order: Order
    payment: Payment
    intent: IntentState
    declined: PaymentDeclined | None = None


def payment_of_order(session: Session, order_id: int) -> Payment | None:
    """The order's payment, if one was started."""
    return session.exec(select(Payment).where(col(Payment.order_id) == order_id)).first()


def unmatched(intent: IntentState) -> Applied:
    """An event for an intent none of our payments has: stored, tied to no order (its metadata
    may name an order that does not exist, or someone else's)."""
    detail = f"no payment {intent.id} (metadata order {intent.order_id})"
    return Applied(EventOutcome.unknown_payment, None, detail)


def payment_of_intent(session: Session, intent_id: str) -> Payment | None:
    """Our payment for a Stripe PaymentIntent id."""
    return session.exec(select(Payment).where(col(Payment.intent_id) == intent_id)).first()


def _ensure_payable(order: Order) -> None:
    if order.status == OrderStatus.pending_payment:
        if order.reserved_until is not None and order.reserved_until <= utcnow():
            raise ReservationExpired(f"order {order.id}'s reservation expired; order again")
        return
    lapsed = (
        order.reserved_until is not None
        and order.cancelled_at is not None
        and order.cancelled_at >= order.reserved_until
    )
    if order.status == OrderStatus.cancelled and lapsed:
        raise ReservationExpired(f"order {order.id}'s reservation expired; order again")
    raise OrderNotPayable(f"a {order.status} order cannot be paid", details=order.status)


def start_payment(
    session: Session,
    *,
    user: User,
    order_id: int,
    gateway: StripeGateway,
    payment_method: str | None = None,
) -> PaymentAttempt:
    """The order's PaymentIntent (created once, for the order's own total); confirmed when
    PAYMENT_METHOD is given. The order row stays locked, so two requests make one intent."""
    order = lock_order(session, order_id)
    visible_order(session, user=user, order=order)
    ensure_shopper_or_admin(user, order)
    _ensure_payable(order)
    payment = payment_of_order(session, order_id)
    if payment is None:
        intent = gateway.create_intent(order_id=order_id, amount_fen=order.total_fen)
        payment = Payment(order_id=order_id, intent_id=intent.id, amount_fen=order.total_fen)
        session.add(payment)
        session.flush()
    else:
        intent = usable_intent(session, order=order, payment=payment, gateway=gateway)
        session.refresh(order)
    if payment_method is None or order.status != OrderStatus.pending_payment:
        return PaymentAttempt(order, payment, intent)
    try:
        confirmed = gateway.confirm_with(intent.id, payment_method=payment_method)
    except PaymentDeclined as exc:
        apply_intent_failed(session, intent=intent, error=exc.message)
        return PaymentAttempt(order, payment, gateway.retrieve_intent(intent.id), declined=exc)
    if confirmed.status == "succeeded":
        apply_intent_succeeded(session, intent=confirmed, gateway=gateway, source="confirm")
    session.refresh(order)
    return PaymentAttempt(order, payment, confirmed)


def usable_intent(
    session: Session, *, order: Order, payment: Payment, gateway: StripeGateway
) -> IntentState:
    """The intent to pay ORDER with now.

    A new intent replaces the old one when Stripe no longer knows it (a test server started
    afresh) or after a decline, whether the retry is confirmed here or by the shopper's app with
    the new client secret: Stripe could confirm a declined intent again, localstripe cannot,
    and a fresh intent (the old one cancelled first) works on both. A success Stripe reports
    for the old intent is applied instead of replacing it.
    """
    try:
        intent = gateway.retrieve_intent(payment.intent_id)
    except IntentMissing:
        if payment.status not in OPEN:
            raise  # money was taken through an intent Stripe forgot: nothing to recreate
        return _replace_intent(
            session, order=order, payment=payment, gateway=gateway, why="Stripe no longer knows it"
        )
    if intent.status == "succeeded":
        apply_intent_succeeded(session, intent=intent, gateway=gateway, source="retrieve")
        return intent
    if payment.status != P.failed and intent.status != "canceled":
        return intent
    if intent.status != "canceled" and not gateway.cancel_intent_quietly(intent.id):
        intent = gateway.retrieve_intent(intent.id)
        if intent.status == "succeeded":
            apply_intent_succeeded(session, intent=intent, gateway=gateway, source="retrieve")
            return intent
        raise UpstreamError(f"Stripe would not cancel the declined intent {intent.id}")
    return _replace_intent(
        session, order=order, payment=payment, gateway=gateway, why="retried after a decline"
    )


def _replace_intent(
    session: Session, *, order: Order, payment: Payment, gateway: StripeGateway, why: str
) -> IntentState:
    """A fresh intent for the order's total becomes the payment's; the old one is recorded."""
    old = payment.intent_id
    assert order.id is not None
    intent = gateway.create_intent(order_id=order.id, amount_fen=order.total_fen, replacing=old)
    session.execute(
        update(Payment)
        .where(col(Payment.id) == payment.id)
        .values(intent_id=intent.id, status=P.requires_payment, updated_at=utcnow())
    )
    session.add(
        PaymentEvent(
            event_id=f"replaced:{old}",
            type="techan.intent_replaced",
            intent_id=old,
            order_id=order.id,
            amount_fen=order.total_fen,
            currency=order.currency,
            outcome=EventOutcome.intent_replaced,
            detail=f"replaced by {intent.id}: {why}",
        )
    )
    session.flush()
    session.refresh(payment)
    return intent


def set_payment_status(
    session: Session, payment: Payment, to: PaymentStatus, *, when: tuple[PaymentStatus, ...]
) -> bool:
    """Change the payment's status only from one of WHEN (a conditional statement)."""
    values: dict[str, object] = {"status": to, "updated_at": utcnow()}
    if to == P.succeeded:
        values["succeeded_at"] = values["updated_at"]
    result = session.execute(
        update(Payment)
        .where(col(Payment.id) == payment.id, col(Payment.status).in_(when))
        .values(**values)
    )
    session.refresh(payment)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def apply_intent_succeeded(
    session: Session, *, intent: IntentState, gateway: StripeGateway, source: str
) -> Applied:
    """A success from Stripe: pay the order once, if amount and currency are the order's."""
    payment = payment_of_intent(session, intent.id)
    if payment is None:
        return unmatched(intent)
    order = session.get(Order, payment.order_id)
    assert order is not None
    if intent.amount_fen != order.total_fen or intent.currency != order.currency:
        detail = (
            f"Stripe says {intent.amount_fen} {intent.currency}, "
            f"order {order.id} is {order.total_fen} {order.currency}"
        )
        return Applied(EventOutcome.amount_mismatch, order.id, detail)
    # Stripe saying it succeeded outranks what we believed (failed, or cancelled too late).
    set_payment_status(
        session, payment, P.succeeded, when=(P.requires_payment, P.failed, P.canceled)
    )
    if mark_paid(session, order.id, actor=STRIPE_ACTOR, reason=f"{source}: {intent.id}"):  # type: ignore[arg-type]
        return Applied(EventOutcome.applied, order.id)
    session.refresh(order)
    if order.status != OrderStatus.cancelled:
        return Applied(EventOutcome.already_paid, order.id)
    return _refund_closed_order(session, order=order, payment=payment, gateway=gateway)


def _refund_closed_order(
    session: Session, *, order: Order, payment: Payment, gateway: StripeGateway
) -> Applied:
    """Money arrived for an order already cancelled (its stock is gone): give it all back."""
    claimed = set_payment_status(session, payment, P.refunded, when=(P.succeeded,))
    if not claimed:
        return Applied(EventOutcome.refunded_closed_order, order.id, "already refunded")
    refund_id = gateway.refund(
        intent_id=payment.intent_id,
        amount_fen=payment.amount_fen,
        idempotency_key=f"techan-order-{order.id}-closed-refund",
    )
    session.add(
        PaymentRefund(
            order_id=order.id,  # type: ignore[arg-type]
            payment_id=payment.id,  # type: ignore[arg-type]
            amount_fen=payment.amount_fen,
            stripe_refund_id=refund_id,
            reason="paid after the order was cancelled",
            actor=STRIPE_ACTOR,
        )
    )
    session.flush()
    return Applied(EventOutcome.refunded_closed_order, order.id, refund_id)


def apply_intent_failed(session: Session, *, intent: IntentState, error: str | None) -> Applied:
    """A decline: recorded unless the payment already succeeded (an out-of-order event)."""
    payment = payment_of_intent(session, intent.id)
    if payment is None:
        return unmatched(intent)
    if not set_payment_status(session, payment, P.failed, when=(P.requires_payment, P.failed)):
        return Applied(EventOutcome.failure_ignored, payment.order_id, f"payment {payment.status}")
    message = (error or intent.last_error or "declined")[:500]
    session.execute(update(Payment).where(col(Payment.id) == payment.id).values(last_error=message))
    return Applied(EventOutcome.failure_recorded, payment.order_id, message)
