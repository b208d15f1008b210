"""After-sales endpoints: ask, answer, escalate, decide, read."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlmodel import Session

from service.accounts.deps import CurrentUser
from service.aftersales import service
from service.aftersales.deps import ClockDep, HoursDep
from service.aftersales.models import AfterSalesRequest
from service.aftersales.schemas import (
    AfterSalesIn,
    AfterSalesList,
    AfterSalesOut,
    AfterSalesStepOut,
    DecideIn,
    NoteIn,
    RefuseIn,
)
from service.aftersales.sweep import settle_due
from service.catalog.models import Producer
from service.kit.bounds import Id
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
from service.payments.deps import GatewayDep

router = APIRouter(tags=["after-sales"])
ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Conflict, Unprocessable, UpstreamError)


def _out(session: Session, request: AfterSalesRequest) -> AfterSalesOut:
    producer = session.get(Producer, request.producer_id)
    steps = service.steps_of(session, request.id)  # type: ignore[arg-type]
    return AfterSalesOut(
        id=request.id,  # type: ignore[arg-type]
        order_id=request.order_id,
        producer=producer.code if producer else "",
        kind=request.kind,
        status=request.status,
        reason=request.reason,
        lines=request.lines,
        amount_fen=request.amount_fen,
        respond_by=request.respond_by,
        refund_id=request.refund_id,
        created_at=request.created_at,
        steps=[AfterSalesStepOut.model_validate(s, from_attributes=True) for s in steps],
    )


def _settle_silence(
    request: Request, session: Session, gateway: GatewayDep, now: ClockDep, ids: list[int]
) -> None:
    """Accept the requests among IDS whose deadline passed, in transactions of their own;
    the read then goes on from a fresh snapshot."""
    if ids and service.due_request_ids(session, now=now(), among=ids, limit=1):
        settle_due(request.app.state.engine, gateway=gateway, now=now(), among=ids)
        session.commit()


@router.post("/orders/{order_id}/after-sales", status_code=201, responses=ERRORS)
def ask(
    order_id: Id,
    body: AfterSalesIn,
    session: SessionDep,
    user: CurrentUser,
    now: ClockDep,
    hours: HoursDep,
) -> AfterSalesOut:
    """Ask for a refund (`refund`) or a return and refund (`return`) of lines of one producer."""
    request = service.open_request(
        session, user=user, order_id=order_id, body=body, now=now(), hours=hours
    )
    return _out(session, request)


@router.get("/orders/{order_id}/after-sales", responses=ERRORS)
def list_for_order(order_id: Id, session: SessionDep, user: CurrentUser) -> AfterSalesList:
    """The order's after-sales requests you may see, with their steps."""
    requests = service.requests_of_order(session, user=user, order_id=order_id)
    return AfterSalesList(items=[_out(session, r) for r in requests])


@router.get("/after-sales/{request_id}", responses=ERRORS)
def read(
    request_id: Id,
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    gateway: GatewayDep,
    now: ClockDep,
) -> AfterSalesOut:
    """One request and its steps (past its deadline, a silent producer has accepted)."""
    found = session.get(AfterSalesRequest, request_id)
    if found is None:
        raise NotFound(f"after-sales request {request_id} does not exist")
    service.ensure_may_see(session, user, found)
    _settle_silence(request, session, gateway, now, [request_id])
    session.refresh(found)
    return _out(session, found)


@router.post("/after-sales/{request_id}/accept", responses=ERRORS)
def accept(
    request_id: Id,
    session: SessionDep,
    user: CurrentUser,
    gateway: GatewayDep,
    now: ClockDep,
    body: NoteIn | None = None,
) -> AfterSalesOut:
    """The producer accepts: the lines are refunded through Stripe at once."""
    request = service.producer_answers(
        session, user=user, request_id=request_id, accept=True,
        note=body.note if body else None, now=now(), gateway=gateway,
    )  # fmt: skip
    return _out(session, request)


@router.post("/after-sales/{request_id}/refuse", responses=ERRORS)
def refuse(
    request_id: Id,
    body: RefuseIn,
    session: SessionDep,
    user: CurrentUser,
    gateway: GatewayDep,
    now: ClockDep,
) -> AfterSalesOut:
    """The producer refuses, saying why; the shopper may escalate."""
    request = service.producer_answers(
        session, user=user, request_id=request_id, accept=False,
        note=body.note, now=now(), gateway=gateway,
    )  # fmt: skip
    return _out(session, request)


@router.post("/after-sales/{request_id}/escalate", responses=ERRORS)
def escalate(
    request_id: Id,
    session: SessionDep,
    user: CurrentUser,
    now: ClockDep,
    body: NoteIn | None = None,
) -> AfterSalesOut:
    """The shopper takes a refusal to an operator of the producer's park."""
    request = service.escalate(
        session, user=user, request_id=request_id, note=body.note if body else None, now=now()
    )
    return _out(session, request)


@router.post("/after-sales/{request_id}/decide", responses=ERRORS)
def decide(
    request_id: Id,
    body: DecideIn,
    session: SessionDep,
    user: CurrentUser,
    gateway: GatewayDep,
    now: ClockDep,
) -> AfterSalesOut:
    """An operator of the park decides an escalated request (accepting refunds at once)."""
    request = service.decide(
        session, user=user, request_id=request_id, accept=body.accept,
        note=body.note, now=now(), gateway=gateway,
    )  # fmt: skip
    return _out(session, request)
