"""Refunds and cancellations that give money back: the order's side, then Stripe's Refund API.

Stripe is called last, just before the transaction commits; its idempotency key is derived
from the order's refund state, so a retry after a failed commit cannot refund twice.
"""

from __future__ import annotations

from sqlmodel import Session

from service.accounts.models import User
from service.kit.errors import Conflict
from service.orders.models import Order, OrderStatus
from service.orders.refunds import RefundPlan, apply_refund_plan, plan_refund
from service.orders.schemas import RefundIn
from service.orders.service import (
    InvalidTransition,
    actor_name,
    cancel_unpaid_order,
    ensure_shopper_or_admin,
    lines_of,
    lock_order,
    visible_order,
)
from service.payments.gateway import StripeGateway
from service.payments.models import Payment, PaymentRefund, PaymentStatus
from service.payments.service import payment_of_order, set_payment_status

P = PaymentStatus
PAID = (P.succeeded, P.partially_refunded)


class NotPaidThroughStripe(Conflict):
    """The order has no Stripe payment that could be refunded."""

    code = "not_paid"


def _paid_payment(session: Session, order: Order) -> Payment:
    payment = payment_of_order(session, order.id)  # type: ignore[arg-type]
    if payment is None or payment.status not in PAID:
        raise NotPaidThroughStripe(f"order {order.id} has no payment to refund")
    return payment


def _pay_back(
    session: Session,
    *,
    order: Order,
    payment: Payment,
    plan: RefundPlan,
    actor: User | str,
    reason: str | None,
    gateway: StripeGateway,
) -> PaymentRefund:
    """Refund PLAN's amount through Stripe and record it (the order's side is already done)."""
    before = order.refunded_fen - plan.amount_fen
    refund_id = gateway.refund(
        intent_id=payment.intent_id,
        amount_fen=plan.amount_fen,
        idempotency_key=f"techan-order-{order.id}-refund-{before}-{plan.amount_fen}",
    )
    fully = order.refunded_fen >= payment.amount_fen
    set_payment_status(session, payment, P.refunded if fully else P.partially_refunded, when=PAID)
    refund = PaymentRefund(
        order_id=order.id,  # type: ignore[arg-type]
        payment_id=payment.id,  # type: ignore[arg-type]
        amount_fen=plan.amount_fen,
        stripe_refund_id=refund_id,
        lines=plan.summary(),
        reason=reason,
        actor_id=actor.id if isinstance(actor, User) else None,
        actor=actor_name(actor),
    )
    session.add(refund)
    session.flush()
    return refund


def pay_back_plan(
    session: Session,
    *,
    order: Order,
    plan: RefundPlan,
    actor: User | str,
    reason: str | None,
    gateway: StripeGateway,
) -> PaymentRefund:
    """For a caller above payments (after-sales) that applied PLAN to the order itself: pay it
    back through Stripe and record it. Call it last, just before the transaction commits."""
    payment = _paid_payment(session, order)
    return _pay_back(
        session,
        order=order,
        payment=payment,
        plan=plan,
        actor=actor,
        reason=reason,
        gateway=gateway,
    )


def refund_order(
    session: Session, *, user: User, order_id: int, body: RefundIn, gateway: StripeGateway
) -> Order:
    """Refund some lines (or all that remain); unshipped units go back on the shelf."""
    order = lock_order(session, order_id)
    visible_order(session, user=user, order=order)
    payment = _paid_payment(session, order)
    plan = plan_refund(session, user=user, order=order, wanted=body.lines)
    apply_refund_plan(session, order=order, plan=plan, actor=user, reason=body.reason)
    _pay_back(
        session,
        order=order,
        payment=payment,
        plan=plan,
        actor=user,
        reason=body.reason,
        gateway=gateway,
    )
    return order


def cancel_order(
    session: Session, *, user: User, order_id: int, reason: str | None, gateway: StripeGateway
) -> Order:
    """Cancel before shipping: an unpaid order frees its stock; a paid one is refunded in full."""
    order = lock_order(session, order_id)
    visible_order(session, user=user, order=order)
    ensure_shopper_or_admin(user, order)
    if order.status == OrderStatus.pending_payment:
        cancel_unpaid_order(session, order, actor=user, reason=reason)
        payment = payment_of_order(session, order_id)
        if payment is not None and gateway.cancel_intent_quietly(payment.intent_id):
            set_payment_status(session, payment, P.canceled, when=(P.requires_payment, P.failed))
        return order
    if order.status not in (OrderStatus.paid, OrderStatus.partially_refunded):
        raise InvalidTransition(f"a {order.status} order cannot be cancelled")
    if any(line.shipped_at is not None for line in lines_of(session, order_id)):
        raise InvalidTransition("part of this order has shipped; refund the other lines instead")
    payment = _paid_payment(session, order)
    plan = plan_refund(session, user=user, order=order, wanted=None)
    apply_refund_plan(
        session, order=order, plan=plan, actor=user, to=OrderStatus.cancelled, reason=reason
    )
    _pay_back(
        session, order=order, payment=payment, plan=plan, actor=user, reason=reason, gateway=gateway
    )
    return order
