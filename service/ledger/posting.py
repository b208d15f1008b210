"""Posting: every captured payment and every Stripe refund becomes ledger entries, once.

The payments domain keeps the facts (a `payment` that succeeded, a `payment_refund` with its
lines); posting reads them and appends entries per producer, dated when the money moved. It is
idempotent (an entry's source, producer and kind are unique) and runs before every statement
and check, in the background sweep and by `techan ledger post`, so nothing below the ledger
needs to know it exists.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from service.catalog.models import DEFAULT_COMMISSION_RATE_BP, Park, Producer, Region
from service.kit.db import session_scope
from service.ledger.models import LedgerEntry, LedgerKind
from service.orders.models import Order, OrderLine
from service.orders.parcels import parcels_of
from service.payments.models import Payment, PaymentRefund, PaymentStatus

K = LedgerKind
CAPTURED = (PaymentStatus.succeeded, PaymentStatus.partially_refunded, PaymentStatus.refunded)


def commission_on(goods_fen: int, rate_bp: int) -> int:
    """The commission on GOODS_FEN at RATE_BP basis points, rounded half up to the fen."""
    return (goods_fen * rate_bp + 5_000) // 10_000


def split(amount_fen: int, weights: dict[int, int]) -> dict[int, int]:
    """AMOUNT_FEN shared by WEIGHTS (largest remainder): the parts add up exactly."""
    total = sum(weights.values())
    if amount_fen == 0 or total <= 0:
        return {key: 0 for key in weights}
    parts = {key: amount_fen * w // total for key, w in weights.items()}
    left = amount_fen - sum(parts.values())
    by_remainder = sorted(weights, key=lambda k: (-(amount_fen * weights[k] % total), k))
    for key in by_remainder[:left]:
        parts[key] += 1
    return parts


def goods_by_producer(lines: Iterable[OrderLine]) -> dict[int, int]:
    """What each producer's lines of an order sold for, in fen."""
    goods: dict[int, int] = {}
    for line in lines:
        goods[line.producer_id] = (
            goods.get(line.producer_id, 0) + line.unit_price_fen * line.quantity
        )
    return goods


def freight_by_producer(session: Session, order: Order) -> dict[int, int]:
    """What each producer is owed for freight on ORDER: the fees of its own parcels."""
    owed: dict[int, int] = {}
    for parcel in parcels_of(session, order.id):  # type: ignore[arg-type]
        owed[parcel.producer_id] = owed.get(parcel.producer_id, 0) + parcel.freight_fen
    return {producer: fen for producer, fen in owed.items() if fen}


def rate_of_producers(session: Session, producer_ids: Iterable[int]) -> dict[int, int]:
    """Each producer's park commission rate (the default for a producer outside any park)."""
    ids = list(producer_ids)
    rows = session.exec(
        select(Producer.id, Park.commission_rate_bp)
        .join(Region, col(Region.id) == col(Producer.region_id))
        .join(Park, col(Park.id) == col(Region.park_id), isouter=True)
        .where(col(Producer.id).in_(ids))
    )
    rates = {pid: rate for pid, rate in rows if pid is not None and rate is not None}
    return {pid: rates.get(pid, DEFAULT_COMMISSION_RATE_BP) for pid in ids}


@dataclass
class PostingReport:
    payments: int = 0
    refunds: int = 0


def post_entries(session: Session, *, limit: int = 10_000) -> PostingReport:
    """Post what is not yet in the ledger: captured payments first, then their refunds."""
    report = PostingReport()
    sold = select(LedgerEntry.payment_id).where(col(LedgerEntry.kind) == K.sale)
    payments = session.exec(
        select(Payment)
        .where(col(Payment.status).in_(CAPTURED), col(Payment.id).not_in(sold))
        .order_by(col(Payment.id))
        .limit(limit)
    ).all()
    for payment in payments:
        post_payment(session, payment)
        report.payments += 1
    posted = select(LedgerEntry.refund_id).where(col(LedgerEntry.refund_id).is_not(None))
    refunds = session.exec(
        select(PaymentRefund)
        .where(col(PaymentRefund.id).not_in(posted))
        .order_by(col(PaymentRefund.id))
        .limit(limit)
    ).all()
    for refund in refunds:
        post_refund(session, refund)
        report.refunds += 1
    session.flush()
    return report


def post_pending(engine: Engine) -> PostingReport:
    """Post what is due in a transaction of its own (a concurrent poster that got there first
    makes this one write nothing)."""
    try:
        with session_scope(engine) as session:
            return post_entries(session)
    except IntegrityError:
        return PostingReport()


def _lines(session: Session, order_id: int) -> list[OrderLine]:
    return list(session.exec(select(OrderLine).where(col(OrderLine.order_id) == order_id)))


def post_payment(session: Session, payment: Payment) -> None:
    """A captured payment: per producer its sale, its freight and the park's commission."""
    order = session.get(Order, payment.order_id)
    assert order is not None and payment.id is not None
    goods = goods_by_producer(_lines(session, order.id))  # type: ignore[arg-type]
    freight = freight_by_producer(session, order)
    rates = rate_of_producers(session, goods)
    at = payment.succeeded_at or payment.updated_at
    source = f"payment:{payment.id}"
    for producer_id, goods_fen in sorted(goods.items()):
        rate = rates[producer_id]
        amounts = [
            (K.sale, goods_fen, None),
            (K.freight, freight.get(producer_id, 0), None),
            (K.commission, -commission_on(goods_fen, rate), rate),
        ]
        for kind, amount, rate_bp in amounts:
            if amount == 0 and kind != K.sale:
                continue
            session.add(
                LedgerEntry(
                    producer_id=producer_id,
                    order_id=order.id,  # type: ignore[arg-type]
                    payment_id=payment.id,
                    kind=kind,
                    amount_fen=amount,
                    rate_bp=rate_bp,
                    source=source,
                    stripe_ref=payment.intent_id,
                    at=at,
                )
            )
    session.flush()


def _payment_entries(session: Session, payment_id: int) -> list[LedgerEntry]:
    return list(session.exec(select(LedgerEntry).where(col(LedgerEntry.payment_id) == payment_id)))


def refund_by_producer(
    refund: PaymentRefund, lines: list[OrderLine], captured: dict[int, int]
) -> dict[int, int]:
    """Whose money REFUND gave back: its lines' producers, and any rest (a refund of a whole
    closed order has no lines) shared by what each producer was paid."""
    producer_of_sku = {line.sku: line.producer_id for line in lines}
    producer_of_parcel = {line.parcel_id: line.producer_id for line in lines}
    parts: dict[int, int] = {}
    for item in refund.lines or []:
        if "parcel_id" in item:  # the freight of a parcel that will never ship
            producer, amount = producer_of_parcel[item["parcel_id"]], int(item["freight_fen"])
        else:
            producer, amount = producer_of_sku[str(item["sku"])], int(item["amount_fen"])
        parts[producer] = parts.get(producer, 0) + amount
    rest = refund.amount_fen - sum(parts.values())
    for producer, amount in split(rest, captured).items():
        parts[producer] = parts.get(producer, 0) + amount
    return {p: a for p, a in parts.items() if a}


def post_refund(session: Session, refund: PaymentRefund) -> None:
    """A refund: per producer the money given back, and the commission on it given back.

    Goods count as refunded before freight, and the commission given back is what the
    commission on all goods refunded so far comes to, less what was given back before: after a
    full refund the commission nets to exactly zero, whatever the steps.
    """
    assert refund.id is not None
    entries = _payment_entries(session, refund.payment_id)
    if not any(e.kind == K.sale for e in entries):
        post_payment(session, session.get(Payment, refund.payment_id))  # type: ignore[arg-type]
        entries = _payment_entries(session, refund.payment_id)
    captured: dict[int, int] = {}
    goods: dict[int, int] = {}
    refunded: dict[int, int] = {}
    rate: dict[int, int] = {}
    for e in entries:
        if e.kind in (K.sale, K.freight):
            captured[e.producer_id] = captured.get(e.producer_id, 0) + e.amount_fen
        if e.kind == K.sale:
            goods[e.producer_id] = e.amount_fen
        if e.kind == K.refund:
            refunded[e.producer_id] = refunded.get(e.producer_id, 0) - e.amount_fen
        if e.kind == K.commission and e.rate_bp is not None:
            rate[e.producer_id] = e.rate_bp
    order_lines = _lines(session, entries[0].order_id)
    for producer_id, amount in sorted(refund_by_producer(refund, order_lines, captured).items()):
        before = min(refunded.get(producer_id, 0), goods.get(producer_id, 0))
        after = min(refunded.get(producer_id, 0) + amount, goods.get(producer_id, 0))
        bp = rate.get(producer_id, 0)
        given_back = commission_on(after, bp) - commission_on(before, bp)
        for kind, value in ((K.refund, -amount), (K.commission, given_back)):
            if value == 0:
                continue
            session.add(
                LedgerEntry(
                    producer_id=producer_id,
                    order_id=refund.order_id,
                    payment_id=refund.payment_id,
                    refund_id=refund.id,
                    kind=kind,
                    amount_fen=value,
                    rate_bp=bp if kind == K.commission else None,
                    source=f"refund:{refund.id}",
                    stripe_ref=refund.stripe_refund_id,
                    at=refund.created_at,
                )
            )
    session.flush()
