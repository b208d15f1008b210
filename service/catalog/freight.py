"""Freight templates: each producer says what sending its goods to each province costs and takes.

A template has rules by province, an optional default for every other province, a threshold of
goods value above which a parcel ships free, and how many days chilled or frozen goods may travel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy import JSON, CheckConstraint, Column
from sqlmodel import Field as SQLField
from sqlmodel import Session, SQLModel, col, select

from service.accounts.models import Role, User
from service.catalog.models import Producer
from service.kit.db import utcnow
from service.kit.errors import Forbidden, NotFound
from service.kit.types import UTCDateTime

# The 34 provincial-level divisions by their short names (what freight rules and addresses use).
PROVINCES = (
    "北京", "天津", "河北", "山西", "内蒙古", "辽宁", "吉林", "黑龙江", "上海", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "广西", "海南", "重庆", "四川",
    "贵州", "云南", "西藏", "陕西", "甘肃", "青海", "宁夏", "新疆", "台湾", "香港", "澳门",
)  # fmt: skip
_LONG_NAMES = {
    "内蒙古自治区": "内蒙古",
    "广西壮族自治区": "广西",
    "西藏自治区": "西藏",
    "宁夏回族自治区": "宁夏",
    "新疆维吾尔自治区": "新疆",
    "香港特别行政区": "香港",
    "澳门特别行政区": "澳门",
}
MAX_FEN = 10_000_000  # 100,000 CNY: far above any parcel, well inside a 32-bit integer


def normalize_province(name: str) -> str:
    """'浙江省' / '上海市' / '新疆维吾尔自治区' → the short name; ValueError if not a province."""
    name = name.strip()
    short = _LONG_NAMES.get(name) or (name[:-1] if name[-1:] in ("省", "市") else name)
    if short not in PROVINCES:
        raise ValueError(f"{name!r} is not a province of China (e.g. 浙江, 上海, 新疆)")
    return short


class FreightTemplate(SQLModel, table=True):
    """One producer's freight template (rules and default stored as JSON, validated on write)."""

    __tablename__ = "freight_template"
    __table_args__ = (
        CheckConstraint("chilled_max_days >= 0", name="ck_freight_template_chilled_days"),
        CheckConstraint(
            "free_over_fen IS NULL OR free_over_fen > 0", name="ck_freight_template_free_over"
        ),
    )

    id: int | None = SQLField(default=None, primary_key=True)
    producer_id: int = SQLField(foreign_key="producer.id", unique=True)
    rules: list[dict[str, Any]] = SQLField(sa_column=Column(JSON(), nullable=False))
    default_rule: dict[str, Any] | None = SQLField(default=None, sa_column=Column(JSON()))
    free_over_fen: int | None = None
    chilled_max_days: int
    updated_at: datetime = SQLField(
        default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False)
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FreightRateIn(_Strict):
    """What one destination costs: the first weight, each started kilogram after it, the days."""

    first_g: int = Field(ge=1, le=100_000)
    first_fen: int = Field(ge=0, le=MAX_FEN)
    next_kg_fen: int = Field(ge=0, le=MAX_FEN)
    days: int = Field(ge=1, le=60)


class FreightRuleIn(FreightRateIn):
    provinces: list[str] = Field(min_length=1, max_length=len(PROVINCES))

    @field_validator("provinces")
    @classmethod
    def _known(cls, names: list[str]) -> list[str]:
        return [normalize_province(name) for name in names]


class FreightTemplateIn(_Strict):
    """`PUT /producers/{code}/shipping`: rules by province, a default (or none: other provinces
    cannot be served), a free-over threshold and how far chilled or frozen goods may travel."""

    rules: list[FreightRuleIn] = Field(default_factory=list, max_length=len(PROVINCES))
    default: FreightRateIn | None = None
    free_over_fen: int | None = Field(default=None, ge=1, le=MAX_FEN)
    chilled_max_days: int = Field(ge=0, le=60)

    @model_validator(mode="after")
    def _each_province_once(self) -> FreightTemplateIn:
        seen: set[str] = set()
        for rule in self.rules:
            twice = seen.intersection(rule.provinces)
            if twice:
                raise ValueError(f"rules: {sorted(twice)} appear in more than one rule")
            seen.update(rule.provinces)
        return self


class FreightTemplateOut(BaseModel):
    producer: str
    rules: list[FreightRuleIn]
    default: FreightRateIn | None
    free_over_fen: int | None
    chilled_max_days: int
    updated_at: datetime


def template_out(producer: Producer, template: FreightTemplate) -> FreightTemplateOut:
    """The template as the API shows it."""
    return FreightTemplateOut(
        producer=producer.code,
        rules=[FreightRuleIn.model_validate(rule) for rule in template.rules],
        default=FreightRateIn.model_validate(template.default_rule)
        if template.default_rule
        else None,
        free_over_fen=template.free_over_fen,
        chilled_max_days=template.chilled_max_days,
        updated_at=template.updated_at,
    )


def _producer(session: Session, code: str) -> Producer:
    producer = session.exec(select(Producer).where(col(Producer.code) == code)).first()
    if producer is None:
        raise NotFound(f"producer {code!r} does not exist")
    return producer


def save_template(session: Session, producer: Producer, body: FreightTemplateIn) -> FreightTemplate:
    """Create or replace PRODUCER's template (no permission check: the import and seed use it)."""
    template = session.exec(
        select(FreightTemplate).where(col(FreightTemplate.producer_id) == producer.id)
    ).first() or FreightTemplate(producer_id=producer.id, rules=[], chilled_max_days=0)  # type: ignore[arg-type]
    template.rules = [rule.model_dump() for rule in body.rules]
    template.default_rule = body.default.model_dump() if body.default else None
    template.free_over_fen = body.free_over_fen
    template.chilled_max_days = body.chilled_max_days
    template.updated_at = utcnow()
    session.add(template)
    session.flush()
    return template


def put_template(
    session: Session, *, user: User, code: str, body: FreightTemplateIn
) -> FreightTemplateOut:
    """The producer itself (or an admin) sets its freight template."""
    producer = _producer(session, code)
    if user.role != Role.admin and (user.role != Role.producer or user.producer_id != producer.id):
        raise Forbidden("only the producer itself may set its freight template")
    return template_out(producer, save_template(session, producer, body))


def get_template(session: Session, code: str) -> FreightTemplateOut:
    """A producer's template (public: shoppers may read what shipping costs)."""
    producer = _producer(session, code)
    template = templates_of(session, [producer.id]).get(producer.id)  # type: ignore[list-item,arg-type]
    if template is None:
        raise NotFound(f"producer {code!r} has no freight template")
    return template_out(producer, template)


def templates_of(session: Session, producer_ids: list[int]) -> dict[int, FreightTemplate]:
    """The templates of these producers, by producer id (one query)."""
    if not producer_ids:
        return {}
    rows = session.exec(
        select(FreightTemplate).where(col(FreightTemplate.producer_id).in_(producer_ids))
    )
    return {row.producer_id: row for row in rows}
