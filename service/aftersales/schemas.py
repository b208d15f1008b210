"""After-sales request and response shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.orders.schemas import RefundLineIn


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AfterSalesIn(Strict):
    """Refund only (`refund`), or send goods back and be refunded (`return`), for these lines."""

    kind: Literal["refund", "return"]
    lines: list[RefundLineIn] = Field(min_length=1, max_length=100)
    reason: str = Field(min_length=1, max_length=500)


class RefuseIn(Strict):
    note: str = Field(min_length=1, max_length=500)


class NoteIn(Strict):
    note: str | None = Field(default=None, max_length=500)


class DecideIn(Strict):
    accept: bool
    note: str = Field(min_length=1, max_length=500)


class AfterSalesStepOut(BaseModel):
    action: str
    from_status: str | None
    to_status: str
    actor: str
    note: str | None
    at: datetime


class AfterSalesOut(BaseModel):
    id: int
    order_id: int
    producer: str
    kind: str
    status: str
    reason: str
    lines: list[dict[str, Any]]
    amount_fen: int
    respond_by: datetime
    refund_id: int | None
    created_at: datetime
    steps: list[AfterSalesStepOut]


class AfterSalesList(BaseModel):
    items: list[AfterSalesOut]
