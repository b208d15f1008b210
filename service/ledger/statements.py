"""Monthly statements of a producer's ledger, as figures and as a spreadsheet-safe CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from pydantic import BaseModel
from sqlmodel import Session, col, select

from service.accounts.models import Role, User
from service.catalog.access import park_id_of_producer
from service.catalog.models import Producer
from service.kit.errors import Forbidden, Unprocessable
from service.ledger.models import LedgerEntry, LedgerKind

K = LedgerKind
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# A cell a spreadsheet would run as a formula (or split) starts with one of these.
RISKY_FIRST = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = (
    "producer",
    "producer_name",
    "month",
    "at",
    "kind",
    "order_id",
    "amount_fen",
    "rate_bp",
    "reference",
)


class StatementEntry(BaseModel):
    at: datetime
    kind: str
    order_id: int
    amount_fen: int
    rate_bp: int | None
    reference: str | None


class Statement(BaseModel):
    """What a producer earned in a month (UTC): all in fen; net = gross + freight − refunds −
    commission (commission is net of what refunds gave back)."""

    producer: str
    producer_name: str
    month: str
    gross_fen: int
    freight_fen: int
    refunds_fen: int
    commission_fen: int
    net_payable_fen: int
    entries: list[StatementEntry]


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of MONTH (YYYY-MM, UTC) and of the month after (422 naming `month`)."""
    match = MONTH.match(month)
    if match is None:
        raise Unprocessable(
            f"month must be YYYY-MM, not {month[:20]!r}", details={"field": "month"}
        )
    year, number = int(match.group(1)), int(match.group(2))
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


def ensure_may_read(session: Session, user: User, producer: Producer) -> None:
    """The producer itself, an operator of its park, or an admin."""
    if user.role == Role.admin:
        return
    if user.role == Role.producer and user.producer_id == producer.id:
        return
    park_id = park_id_of_producer(session, producer)
    if user.role == Role.operator and park_id is not None and user.park_id == park_id:
        return
    raise Forbidden("only the producer, an operator of its park or an admin may read this")


def statement(session: Session, *, producer: Producer, month: str) -> Statement:
    """PRODUCER's statement for MONTH from its ledger entries dated in that month."""
    start, end = month_bounds(month)
    entries = session.exec(
        select(LedgerEntry)
        .where(
            col(LedgerEntry.producer_id) == producer.id,
            col(LedgerEntry.at) >= start,
            col(LedgerEntry.at) < end,
        )
        .order_by(col(LedgerEntry.at), col(LedgerEntry.id))
    ).all()

    def total(kind: K) -> int:
        return sum(e.amount_fen for e in entries if e.kind == kind)

    return Statement(
        producer=producer.code,
        producer_name=producer.name,
        month=month,
        gross_fen=total(K.sale),
        freight_fen=total(K.freight),
        refunds_fen=-total(K.refund),
        commission_fen=-total(K.commission),
        net_payable_fen=sum(e.amount_fen for e in entries),
        entries=[
            StatementEntry(
                at=e.at,
                kind=e.kind,
                order_id=e.order_id,
                amount_fen=e.amount_fen,
                rate_bp=e.rate_bp,
                reference=e.stripe_ref,
            )
            for e in entries
        ],
    )


def safe_cell(value: object) -> str:
    """VALUE as a CSV cell a spreadsheet shows as text: a leading = + - @ tab or CR gets a '.

    Integers are written as they are: a negative amount is a number, not a formula.
    """
    if isinstance(value, int):
        return str(value)
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(RISKY_FIRST) else text


def statement_csv(report: Statement) -> str:
    """The statement's entries, then one row per total (kind `total_<name>`), every cell safe."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for e in report.entries:
        cells = (report.producer, report.producer_name, report.month, e.at.isoformat(),
                 e.kind, e.order_id, e.amount_fen, e.rate_bp, e.reference)  # fmt: skip
        writer.writerow([safe_cell(v) for v in cells])
    totals = {
        "gross_fen": report.gross_fen,
        "freight_fen": report.freight_fen,
        "refunds_fen": report.refunds_fen,
        "commission_fen": report.commission_fen,
        "net_payable_fen": report.net_payable_fen,
    }
    for name, value in totals.items():
        row = (report.producer, report.producer_name, report.month, "", f"total_{name}", "",
               value, "", "")  # fmt: skip
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
