"""Webhooks can be lost: ask Stripe about every payment still open and apply what it says."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from service.kit.db import session_scope
from service.kit.errors import ServiceError
from service.payments.gateway import StripeGateway
from service.payments.models import Payment, PaymentStatus
from service.payments.service import Applied, apply_intent_succeeded, set_payment_status
from service.payments.webhooks import SUCCEEDED, note_outcome, record_event

OPEN = (PaymentStatus.requires_payment, PaymentStatus.failed)


@dataclass
class ReconcileReport:
    """How many open payments were checked and what became of them."""

    checked: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def open_payment_ids(session: Session, *, limit: int) -> list[int]:
    """Payments whose success we have not heard of, oldest first."""
    rows = session.exec(
        select(Payment.id)
        .where(col(Payment.status).in_(OPEN))
        .order_by(col(Payment.id))
        .limit(limit)
    )
    return [i for i in rows if i is not None]


def reconcile_payment(
    session: Session, *, payment_id: int, gateway: StripeGateway
) -> Applied | None:
    """Apply what Stripe says of one payment: a success as if its webhook had come."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.status not in OPEN:
        return None
    intent = gateway.retrieve_intent(payment.intent_id)
    if intent.status == "canceled":
        set_payment_status(session, payment, PaymentStatus.canceled, when=OPEN)
        return None
    if intent.status != "succeeded":
        return None
    event_id = f"reconcile:{intent.id}"
    if not record_event(session, event_id=event_id, event_type=SUCCEEDED, intent=intent):
        return None
    applied = apply_intent_succeeded(session, intent=intent, gateway=gateway, source="reconcile")
    note_outcome(session, event_id=event_id, applied=applied)
    return applied


def reconcile_payments(
    engine: Engine, *, gateway: StripeGateway, limit: int = 1000
) -> ReconcileReport:
    """Check up to LIMIT open payments, each in its own transaction."""
    report = ReconcileReport()
    with session_scope(engine, readonly=True) as session:
        ids = open_payment_ids(session, limit=limit)
    for payment_id in ids:
        report.checked += 1
        try:
            with session_scope(engine) as session:
                applied = reconcile_payment(session, payment_id=payment_id, gateway=gateway)
        except ServiceError as exc:
            report.errors.append(f"payment {payment_id}: {exc.message}")
            continue
        report.count(applied.outcome if applied else "unchanged")
    return report
