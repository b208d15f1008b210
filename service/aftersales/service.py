"""After-sales rules: who may ask, answer, escalate and decide, and what acceptance does.

A shopper asks about lines of one producer of a paid order: `refund` (money only) or `return`
(goods back, then money; only for lines that shipped). The producer accepts or refuses before
`respond_by` (`TECHAN_AFTER_SALES_HOURS` after the request); silence past it accepts. A refusal
may be escalated by the shopper to an operator of the producer's park, who decides. Acceptance
refunds through Stripe at once (last, just before the commit, as every refund does) and puts
back on the shelf what never shipped or is being returned. Every step is an after_sales_step
row: action, statuses, actor, note, time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from service.accounts.models import Role, User
from service.aftersales.models import (
    OPEN_STATUSES,
    AfterSalesKind,
    AfterSalesRequest,
    AfterSalesStatus,
    AfterSalesStep,
)
from service.aftersales.schemas import AfterSalesIn
from service.catalog.access import park_id_of_producer
from service.catalog.models import Producer
from service.kit.errors import Conflict, Forbidden, NotFound, Unprocessable
from service.orders.models import Order, OrderLine, OrderStatus
from service.orders.refunds import (
    NothingToRefund,
    RefundItem,
    RefundPlan,
    apply_refund_plan,
    emptied_parcels,
)
from service.orders.service import (
    actor_name,
    ensure_shopper_or_admin,
    lines_of,
    lock_order,
    visible_order,
)
from service.payments.gateway import StripeGateway
from service.payments.refunds import PAID, NotPaidThroughStripe, pay_back_plan
from service.payments.service import payment_of_order

A = AfterSalesStatus
SILENCE_ACTOR = "after-sales deadline"
ELIGIBLE = (
    OrderStatus.paid,
    OrderStatus.shipped,
    OrderStatus.delivered,
    OrderStatus.partially_refunded,
    OrderStatus.refunded,
)


class WrongAfterSalesStatus(Conflict):
    """The after-sales request is not in a status that allows this (or it changed meanwhile)."""

    code = "after_sales_status"


@dataclass(frozen=True)
class ReturnedItem(RefundItem):
    """Goods the shopper sends back: they go back on the shelf even though they shipped."""

    @property
    def restock(self) -> bool:
        return True


def _unanswered_quantities(session: Session, order_id: int) -> dict[str, int]:
    """Units of each SKU already asked for by open requests of the order."""
    taken: dict[str, int] = {}
    rows = session.exec(
        select(AfterSalesRequest).where(
            col(AfterSalesRequest.order_id) == order_id,
            col(AfterSalesRequest.status).in_(OPEN_STATUSES),
        )
    )
    for request in rows:
        for item in request.lines:
            taken[item["sku"]] = taken.get(item["sku"], 0) + int(item["quantity"])
    return taken


def _asked_lines(session: Session, order: Order, body: AfterSalesIn) -> list[tuple[OrderLine, int]]:
    by_sku = {line.sku: line for line in lines_of(session, order.id)}  # type: ignore[arg-type]
    taken = _unanswered_quantities(session, order.id)  # type: ignore[arg-type]
    asked: list[tuple[OrderLine, int]] = []
    seen: set[str] = set()
    for i, wanted in enumerate(body.lines):
        field = f"lines[{i}]"
        line = by_sku.get(wanted.sku)
        if line is None or wanted.sku in seen:
            problem = "is not in this order" if line is None else "is listed twice"
            raise Unprocessable(f"SKU {wanted.sku!r} {problem}", details={"field": field})
        seen.add(wanted.sku)
        left = line.quantity - line.refunded_quantity - taken.get(wanted.sku, 0)
        if wanted.quantity > left:
            raise NothingToRefund(
                f"only {max(left, 0)} of SKU {wanted.sku!r} can still be asked for",
                details={"field": field, "refundable": max(left, 0)},
            )
        if body.kind == AfterSalesKind.return_ and line.shipped_at is None:
            raise Unprocessable(
                f"SKU {wanted.sku!r} has not shipped: ask for a refund, not a return",
                details={"field": field},
            )
        asked.append((line, wanted.quantity))
    if len({line.producer_id for line, _ in asked}) != 1:
        raise Unprocessable(
            "one request covers the lines of one producer", details={"field": "lines"}
        )
    return asked


def open_request(
    session: Session, *, user: User, order_id: int, body: AfterSalesIn, now: datetime, hours: int
) -> AfterSalesRequest:
    """The shopper asks for a refund or a return of some lines of its paid order."""
    order = lock_order(session, order_id)
    visible_order(session, user=user, order=order)
    ensure_shopper_or_admin(user, order)
    payment = payment_of_order(session, order_id)
    if order.status not in ELIGIBLE or payment is None or payment.status not in PAID:
        raise NotPaidThroughStripe(f"order {order_id} has no payment to refund")
    asked = _asked_lines(session, order, body)
    request = AfterSalesRequest(
        order_id=order_id,
        producer_id=asked[0][0].producer_id,
        shopper_id=order.shopper_id,
        kind=body.kind,
        reason=body.reason,
        lines=[
            {"sku": line.sku, "quantity": q, "amount_fen": line.unit_price_fen * q}
            for line, q in asked
        ],
        amount_fen=sum(line.unit_price_fen * q for line, q in asked),
        respond_by=now + timedelta(hours=hours),
        created_at=now,
        updated_at=now,
    )
    if request.amount_fen <= 0:
        raise Unprocessable("these lines cost nothing to refund", details={"field": "lines"})
    session.add(request)
    session.flush()
    _record(session, request, "request", None, A.requested, actor=user, note=body.reason, at=now)
    return request


def _record(
    session: Session,
    request: AfterSalesRequest,
    action: str,
    from_status: A | None,
    to: A,
    *,
    actor: User | str,
    note: str | None,
    at: datetime,
) -> None:
    session.add(
        AfterSalesStep(
            request_id=request.id,  # type: ignore[arg-type]
            action=action,
            from_status=from_status.value if from_status else None,
            to_status=to.value,
            actor_id=actor.id if isinstance(actor, User) else None,
            actor=actor_name(actor),
            note=note,
            at=at,
        )
    )
    session.flush()


def _move(
    session: Session,
    request: AfterSalesRequest,
    action: str,
    *,
    to: A,
    when: Sequence[A],
    actor: User | str,
    note: str | None,
    now: datetime,
) -> None:
    """Change the request's status only from one of WHEN (one conditional statement)."""
    from_status = A(request.status)
    result = session.execute(
        update(AfterSalesRequest)
        .where(col(AfterSalesRequest.id) == request.id, col(AfterSalesRequest.status).in_(when))
        .values(status=to, updated_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(request)
        raise WrongAfterSalesStatus(
            f"a {request.status} after-sales request cannot be {action}ed",
            details={"status": request.status},
        )
    session.refresh(request)
    _record(session, request, action, from_status, to, actor=actor, note=note, at=now)


def _refund(
    session: Session,
    *,
    request: AfterSalesRequest,
    order: Order,
    actor: User | str,
    gateway: StripeGateway,
) -> None:
    """Apply the accepted request to the order and stock, then pay it back through Stripe."""
    lines = lines_of(session, order.id)  # type: ignore[arg-type]
    by_sku = {line.sku: line for line in lines}
    item_type = ReturnedItem if request.kind == AfterSalesKind.return_ else RefundItem
    items = [item_type(by_sku[i["sku"]], int(i["quantity"])) for i in request.lines]
    # A parcel none of whose goods will now ship pays its freight back, as an order refund does.
    plan = RefundPlan(items, emptied_parcels(session, order, lines, items))
    reason = f"after-sales {request.id}: {request.reason}"[:500]
    apply_refund_plan(session, order=order, plan=plan, actor=actor, reason=reason)
    refund = pay_back_plan(
        session, order=order, plan=plan, actor=actor, reason=reason, gateway=gateway
    )
    session.execute(
        update(AfterSalesRequest)
        .where(col(AfterSalesRequest.id) == request.id)
        .values(refund_id=refund.id)
    )
    session.refresh(request)


def _locked(session: Session, request_id: int) -> tuple[AfterSalesRequest, Order]:
    request = session.get(AfterSalesRequest, request_id)
    if request is None:
        raise NotFound(f"after-sales request {request_id} does not exist")
    order = lock_order(session, request.order_id)  # the order first, as every refund does
    session.refresh(request)
    return request, order


def ensure_may_see(session: Session, user: User, request: AfterSalesRequest) -> None:
    """The shopper, the producer, an operator of its park, an admin (404 for anyone else)."""
    if user.role == Role.admin:
        return
    if user.role == Role.shopper and user.id == request.shopper_id:
        return
    if user.role == Role.producer and user.producer_id == request.producer_id:
        return
    if user.role == Role.operator and user.park_id is not None:
        producer = session.get(Producer, request.producer_id)
        if producer is not None and park_id_of_producer(session, producer) == user.park_id:
            return
    raise NotFound(f"after-sales request {request.id} does not exist")


def _answer_silence(
    session: Session,
    request: AfterSalesRequest,
    order: Order,
    *,
    now: datetime,
    gateway: StripeGateway,
) -> bool:
    """Accept REQUEST if the producer let its deadline pass; whether it did."""
    if request.status != A.requested or request.respond_by > now:
        return False
    note = f"no answer by {request.respond_by.isoformat()}"
    _move(session, request, "silence", to=A.refunded, when=(A.requested,), actor=SILENCE_ACTOR,
          note=note, now=now)  # fmt: skip
    _refund(session, request=request, order=order, actor=SILENCE_ACTOR, gateway=gateway)
    return True


def producer_answers(
    session: Session,
    *,
    user: User,
    request_id: int,
    accept: bool,
    note: str | None,
    now: datetime,
    gateway: StripeGateway,
) -> AfterSalesRequest:
    """The producer accepts (refund now) or refuses (the shopper may escalate)."""
    request, order = _locked(session, request_id)
    ensure_may_see(session, user, request)
    if user.role != Role.admin and not (
        user.role == Role.producer and user.producer_id == request.producer_id
    ):
        raise Forbidden("only the producer of these lines answers this request")
    if _answer_silence(session, request, order, now=now, gateway=gateway):
        return request  # the deadline answered first
    if accept:
        _move(session, request, "accept", to=A.refunded, when=(A.requested,), actor=user,
              note=note, now=now)  # fmt: skip
        _refund(session, request=request, order=order, actor=user, gateway=gateway)
    else:
        _move(session, request, "refuse", to=A.refused, when=(A.requested,), actor=user,
              note=note, now=now)  # fmt: skip
    return request


def escalate(
    session: Session, *, user: User, request_id: int, note: str | None, now: datetime
) -> AfterSalesRequest:
    """The shopper takes a refusal to an operator of the producer's park."""
    request, _ = _locked(session, request_id)
    ensure_may_see(session, user, request)
    if user.role != Role.admin and user.id != request.shopper_id:
        raise Forbidden("only the shopper who asked may escalate")
    _move(session, request, "escalate", to=A.escalated, when=(A.refused,), actor=user,
          note=note, now=now)  # fmt: skip
    return request


def decide(
    session: Session,
    *,
    user: User,
    request_id: int,
    accept: bool,
    note: str,
    now: datetime,
    gateway: StripeGateway,
) -> AfterSalesRequest:
    """An operator of the producer's park settles an escalated request."""
    request, order = _locked(session, request_id)
    ensure_may_see(session, user, request)
    if user.role not in (Role.operator, Role.admin):
        raise Forbidden("only an operator of the producer's park decides")
    to = A.refunded if accept else A.rejected
    _move(session, request, "decide", to=to, when=(A.escalated,), actor=user, note=note, now=now)
    if accept:
        _refund(session, request=request, order=order, actor=user, gateway=gateway)
    return request


def settle_silence(
    session: Session, *, request_ids: Sequence[int], now: datetime, gateway: StripeGateway
) -> int:
    """Accept those of REQUEST_IDS whose producer let the deadline pass; how many."""
    settled = 0
    for request_id in request_ids:
        request, order = _locked(session, request_id)
        settled += _answer_silence(session, request, order, now=now, gateway=gateway)
    return settled


def due_request_ids(
    session: Session, *, now: datetime, among: Sequence[int] | None = None, limit: int = 100
) -> list[int]:
    """Requests waiting for a producer past their deadline, oldest first."""
    query = select(AfterSalesRequest.id).where(
        col(AfterSalesRequest.status) == A.requested, col(AfterSalesRequest.respond_by) <= now
    )
    if among is not None:
        query = query.where(col(AfterSalesRequest.id).in_(among))
    rows = session.exec(query.order_by(col(AfterSalesRequest.respond_by)).limit(limit))
    return [i for i in rows if i is not None]


def requests_of_order(session: Session, *, user: User, order_id: int) -> list[AfterSalesRequest]:
    """The order's requests USER may see (a producer: its own)."""
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(f"order {order_id} does not exist")
    visible_order(session, user=user, order=order)
    rows = session.exec(
        select(AfterSalesRequest)
        .where(col(AfterSalesRequest.order_id) == order_id)
        .order_by(col(AfterSalesRequest.id))
    )
    out = []
    for request in rows:
        try:
            ensure_may_see(session, user, request)
        except NotFound:
            continue
        out.append(request)
    return out


def steps_of(session: Session, request_id: int) -> list[AfterSalesStep]:
    """Every step of the request, in order."""
    return list(
        session.exec(
            select(AfterSalesStep)
            .where(col(AfterSalesStep.request_id) == request_id)
            .order_by(col(AfterSalesStep.id))
        )
    )
