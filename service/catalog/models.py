"""Catalog tables — parks, regions, categories, producers, products, SKUs — and their queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, Column, Index
from sqlmodel import Field, Session, SQLModel, col, select

from service.catalog.vocabulary import Packaging, check_in
from service.kit.db import utcnow
from service.kit.types import JSONList, UTCDateTime


class ProductStatus(StrEnum):
    draft = "draft"
    pending_review = "pending_review"
    listed = "listed"
    rejected = "rejected"
    delisted = "delisted"


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class Park(SQLModel, table=True):
    """A regional operation centre that curates the goods of its regions."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=100)


class Region(SQLModel, table=True):
    """A place of origin (county or city); each is curated by at most one park."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=100)
    province: str = Field(max_length=50)
    park_id: int | None = Field(default=None, foreign_key="park.id", index=True)


class Category(SQLModel, table=True):
    """A node of the category tree."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=100)
    parent_id: int | None = Field(default=None, foreign_key="category.id", index=True)


class Producer(SQLModel, table=True):
    """A farm, co-operative or company that lists products."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    region_id: int = Field(foreign_key="region.id", index=True)
    created_at: datetime = _created()


class Product(SQLModel, table=True):
    """A specialty with its origin attributes; shoppers buy its variants (SKUs)."""

    __table_args__ = (
        CheckConstraint(
            "status IN ('draft','pending_review','listed','rejected','delisted')",
            name="ck_product_status",
        ),
        CheckConstraint("shelf_life_days > 0", name="ck_product_shelf_life"),
        Index("ix_product_status_id", "status", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, unique=True)
    producer_id: int = Field(foreign_key="producer.id", index=True)
    category_id: int = Field(foreign_key="category.id", index=True)
    title: str = Field(max_length=200)
    title_en: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    grade: str | None = Field(default=None, max_length=50)
    organic: bool = False
    geo_indication: bool = False
    harvest_months: list[int] = Field(
        default_factory=list, sa_column=Column(JSONList(), nullable=False)
    )
    shelf_life_days: int = 30
    storage: str = Field(default="ambient", max_length=16)
    status: str = Field(default=ProductStatus.draft, max_length=16)
    reject_reason: str | None = Field(default=None, max_length=500)
    created_at: datetime = _created()
    updated_at: datetime = _created()


class Variant(SQLModel, table=True):
    """A sellable SKU: a net weight in a packaging at a price, with stock on hand."""

    __table_args__ = (
        CheckConstraint("stock >= 0", name="ck_variant_stock_nonneg"),
        CheckConstraint("price_fen > 0", name="ck_variant_price_pos"),
        CheckConstraint("net_weight_g > 0", name="ck_variant_weight_pos"),
        CheckConstraint(check_in("packaging", Packaging), name="ck_variant_packaging"),
    )

    id: int | None = Field(default=None, primary_key=True)
    sku: str = Field(max_length=64, unique=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    net_weight_g: int
    packaging: str = Field(max_length=16)
    price_fen: int
    stock: int = 0
    created_at: datetime = _created()
    updated_at: datetime = _created()


class ProductTransition(SQLModel, table=True):
    """One step of a product's curation workflow: who moved it, when, why."""

    __tablename__ = "product_transition"

    id: int | None = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id", index=True)
    from_status: str | None = Field(default=None, max_length=16)
    to_status: str = Field(max_length=16)
    actor_id: int | None = Field(default=None, foreign_key="user_account.id")
    actor: str = Field(max_length=100)  # a name even when no user did it (an import)
    reason: str | None = Field(default=None, max_length=500)
    at: datetime = _created()



def variants_of(session: Session, product_ids: Sequence[int]) -> dict[int, list[Variant]]:
    """Variants grouped by product id, in one query."""
    grouped: dict[int, list[Variant]] = {pid: [] for pid in product_ids}
    if not product_ids:
        return grouped
    rows = session.exec(
        select(Variant).where(col(Variant.product_id).in_(product_ids)).order_by(col(Variant.id))
    )
    for variant in rows:
        grouped[variant.product_id].append(variant)
    return grouped

