"""Storefront reads: listed products, filters and cursor pages in a bounded number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from service.accounts.models import User
from service.catalog.access import can_see_unlisted
from service.catalog.models import (
    Category,
    Park,
    Producer,
    Product,
    ProductStatus,
    Region,
    Variant,
    variants_of,
)
from service.catalog.schemas import (
    Attributes,
    CategoryOut,
    ProducerOut,
    ProducerRef,
    ProductOut,
    ProductPage,
    RegionOut,
    VariantOut,
)
from service.catalog.tree import subtree
from service.kit.errors import NotFound
from service.kit.lookup import require
from service.kit.pagination import decode_cursor, encode_cursor


@dataclass(frozen=True)
class ProductFilters:
    category: str | None = None
    region: str | None = None
    producer: str | None = None
    min_price_fen: int | None = None
    max_price_fen: int | None = None
    in_stock: bool | None = None


def price_per_500g(price_fen: int, net_weight_g: int) -> int:
    """The price of 500 g of this SKU, so shoppers can compare pack sizes."""
    return round(price_fen * 500 / net_weight_g)


def category_tree(session: Session) -> dict[int, Category]:
    """All categories by id (the tree is small; one query)."""
    return {c.id: c for c in session.exec(select(Category))}  # type: ignore[misc]


def descendant_ids(tree: dict[int, Category], root_id: int) -> set[int]:
    """ROOT_ID and every category below it."""
    return subtree(((int(cid), cat.parent_id) for cid, cat in tree.items()), root_id)


def _code_filter(session: Session, model: type[Any], code: str, field: str) -> int:
    return int(require(session, model, code, field=field).id)


def _apply_filters(session: Session, query: Any, filters: ProductFilters) -> Any:
    if filters.category:
        tree = category_tree(session)
        root = _code_filter(session, Category, filters.category, "category")
        query = query.where(col(Product.category_id).in_(descendant_ids(tree, root)))
    if filters.region:
        query = query.where(Region.id == _code_filter(session, Region, filters.region, "region"))
    if filters.producer:
        pid = _code_filter(session, Producer, filters.producer, "producer")
        query = query.where(Producer.id == pid)
    conditions: list[Any] = [col(Variant.product_id) == col(Product.id)]
    if filters.min_price_fen is not None:
        conditions.append(Variant.price_fen >= filters.min_price_fen)
    if filters.max_price_fen is not None:
        conditions.append(Variant.price_fen <= filters.max_price_fen)
    if filters.in_stock:
        conditions.append(Variant.stock > 0)
    if len(conditions) > 1:
        query = query.where(exists().where(*conditions))
    return query


def _base_query() -> Any:
    park = aliased(Park)
    return (
        select(Product, Category, Producer, Region, park.code)  # type: ignore[call-overload]
        .join(Category, col(Category.id) == Product.category_id)
        .join(Producer, col(Producer.id) == Product.producer_id)
        .join(Region, col(Region.id) == Producer.region_id)
        .outerjoin(park, park.id == Region.park_id)
    )


def _product_out(row: Any, variants: list[Variant], tree: dict[int, Category]) -> ProductOut:
    product, category, producer, region, park_code = row
    parent = tree.get(category.parent_id) if category.parent_id else None
    return ProductOut(
        code=product.code,
        title=product.title,
        title_en=product.title_en,
        description=product.description,
        category=CategoryOut(
            code=category.code, name=category.name, parent=parent.code if parent else None
        ),
        producer=ProducerRef(code=producer.code, name=producer.name),
        region=RegionOut(
            code=region.code, name=region.name, province=region.province, park=park_code
        ),
        # The schema's fields are the product's columns (as when they are written).
        attributes=Attributes.model_validate(product, from_attributes=True),
        status=product.status,
        reject_reason=product.reject_reason,
        min_price_fen=min((v.price_fen for v in variants), default=None),
        in_stock=any(v.stock > 0 for v in variants),
        variants=[
            VariantOut(
                sku=v.sku,
                net_weight_g=v.net_weight_g,
                packaging=v.packaging,
                price_fen=v.price_fen,
                stock=v.stock,
                price_per_500g_fen=price_per_500g(v.price_fen, v.net_weight_g),
            )
            for v in variants
        ],
    )


def products_out(session: Session, rows: Sequence[Any]) -> list[ProductOut]:
    """Response shapes for joined product rows, with their variants in one more query."""
    variants = variants_of(session, [row[0].id for row in rows])
    tree = category_tree(session)
    return [_product_out(row, variants[row[0].id], tree) for row in rows]


def list_products(
    session: Session, *, filters: ProductFilters, limit: int, cursor: str | None
) -> ProductPage:
    """A page of listed products in id order; `next_cursor` continues after it."""
    query = _base_query().where(Product.status == ProductStatus.listed.value)
    query = _apply_filters(session, query, filters)
    if cursor:
        query = query.where(col(Product.id) > decode_cursor("p", cursor))
    rows = list(session.exec(query.order_by(col(Product.id)).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    items = products_out(session, rows)
    next_cursor = encode_cursor("p", rows[-1][0].id) if more else None
    return ProductPage(items=items, next_cursor=next_cursor)


def product_detail(session: Session, *, code: str, user: User | None) -> ProductOut:
    """One product; unlisted ones only for its producer, its park's operators and admins."""
    row = session.exec(_base_query().where(Product.code == code)).first()
    if row is None:
        raise NotFound(f"product {code!r} does not exist")
    if row[0].status != ProductStatus.listed.value and not can_see_unlisted(session, user, row[0]):
        raise NotFound(f"product {code!r} does not exist")
    return products_out(session, [row])[0]


def products_by_ids(session: Session, ids: Sequence[int]) -> list[ProductOut]:
    """Response shapes for product ids, in the order given."""
    rows = {r[0].id: r for r in session.exec(_base_query().where(col(Product.id).in_(ids)))}
    ordered = [rows[i] for i in ids if i in rows]
    return products_out(session, ordered)


def list_categories(session: Session) -> list[CategoryOut]:
    """The category tree, parents first."""
    tree = category_tree(session)
    out = [
        CategoryOut(
            code=c.code, name=c.name, parent=tree[c.parent_id].code if c.parent_id else None
        )
        for c in tree.values()
    ]
    return sorted(out, key=lambda c: (c.parent is not None, c.code))


def list_regions(session: Session) -> list[RegionOut]:
    """All regions with the park that curates each."""
    rows = session.exec(
        select(Region, Park.code)
        .outerjoin(Park, col(Park.id) == Region.park_id)
        .order_by(col(Region.code))
    )
    return [RegionOut(code=r.code, name=r.name, province=r.province, park=p) for r, p in rows]


def producer_detail(session: Session, code: str) -> ProducerOut:
    """A producer with its region and how many products it has listed."""
    row = session.exec(
        select(Producer, Region, Park.code)
        .join(Region, col(Region.id) == Producer.region_id)
        .outerjoin(Park, col(Park.id) == Region.park_id)
        .where(Producer.code == code)
    ).first()
    if row is None:
        raise NotFound(f"producer {code!r} does not exist")
    producer, region, park_code = row
    listed = session.exec(
        select(func.count())
        .select_from(Product)
        .where(Product.producer_id == producer.id, Product.status == ProductStatus.listed.value)
    ).one()
    return ProducerOut(
        code=producer.code,
        name=producer.name,
        listed_products=int(listed),
        region=RegionOut(
            code=region.code, name=region.name, province=region.province, park=park_code
        ),
    )
