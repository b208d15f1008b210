"""Producer statements: `GET /producers/{code}/statements?month=YYYY-MM` (JSON or CSV)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from service.accounts.deps import CurrentUser
from service.catalog.models import Producer
from service.kit.db import SessionDep
from service.kit.errors import Forbidden, NotFound, Unauthorized, Unprocessable, error_responses
from service.kit.lookup import require
from service.ledger.posting import post_pending
from service.ledger.statements import Statement, ensure_may_read, statement, statement_csv

router = APIRouter(tags=["ledger"])
READ_ERRORS = error_responses(Unauthorized, Forbidden, NotFound, Unprocessable)
Month = Annotated[str, Query(min_length=7, max_length=7, description="YYYY-MM (UTC)")]


def _statement(
    request: Request, session: SessionDep, user: CurrentUser, code: str, month: str
) -> Statement:
    producer = require(session, Producer, code)
    ensure_may_read(session, user, producer)
    post_pending(request.app.state.engine)  # in a writer transaction of its own
    session.commit()  # the read goes on from a fresh snapshot that sees the new entries
    return statement(session, producer=producer, month=month)


@router.get("/producers/{code}/statements", responses=READ_ERRORS)
def producer_statement(
    code: str, month: Month, request: Request, session: SessionDep, user: CurrentUser
) -> Statement:
    """A producer's monthly statement: gross, freight, refunds, commission and net payable."""
    return _statement(request, session, user, code, month)


@router.get(
    "/producers/{code}/statements.csv",
    responses=READ_ERRORS | {200: {"content": {"text/csv": {}}}},
    response_class=Response,
)
def producer_statement_csv(
    code: str, month: Month, request: Request, session: SessionDep, user: CurrentUser
) -> Response:
    """The same statement as CSV: its entries, then its totals (cells safe for spreadsheets)."""
    report = _statement(request, session, user, code, month)
    filename = f"statement-{report.producer}-{report.month}.csv"
    return Response(
        statement_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
