"""`techan ledger check`: the ledger's money against what Stripe captured minus refunded."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import Session, col, select

from service.ledger.models import LedgerEntry, LedgerKind
from service.payments.gateway import StripeGateway
from service.payments.models import Payment

K = LedgerKind
MONEY_KINDS = (K.sale, K.freight, K.refund)  # commission only moves money between parties


@dataclass
class LedgerCheck:
    """Per payment, Stripe's captured − refunded against the ledger's sale + freight − refunds."""

    payments: int = 0
    stripe_net_fen: int = 0
    ledger_net_fen: int = 0
    commission_fen: int = 0
    mismatches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.stripe_net_fen == self.ledger_net_fen


def check_ledger(session: Session, *, gateway: StripeGateway, limit: int = 100_000) -> LedgerCheck:
    """Ask Stripe about every payment and compare with the ledger (post entries first)."""
    result = LedgerCheck()
    money = dict(
        session.exec(  # type: ignore[arg-type]
            select(LedgerEntry.payment_id, func.sum(LedgerEntry.amount_fen))
            .where(col(LedgerEntry.kind).in_(MONEY_KINDS))
            .group_by(col(LedgerEntry.payment_id))
        ).all()
    )
    result.commission_fen = -int(
        session.exec(
            select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0)).where(
                col(LedgerEntry.kind) == K.commission
            )
        ).one()
    )
    payments = session.exec(select(Payment).order_by(col(Payment.id)).limit(limit)).all()
    for payment in payments:
        result.payments += 1
        intent = gateway.retrieve_intent(payment.intent_id)
        captured = intent.amount_fen if intent.status == "succeeded" else 0
        stripe_net = captured - (gateway.refunded_fen(intent.id) if captured else 0)
        ledger_net = int(money.get(payment.id or 0, 0) or 0)
        result.stripe_net_fen += stripe_net
        result.ledger_net_fen += ledger_net
        if stripe_net != ledger_net:
            result.mismatches.append(
                f"order {payment.order_id} ({intent.id}): Stripe {captured} captured, "
                f"net {stripe_net}; ledger {ledger_net}"
            )
    return result
