"""The `search_document` values of products, read from the catalog in a few plain queries.

Columns are selected directly (no ORM objects: a full reindex of 100,000 products would spend
seconds building them), and text shared by many products (category, region, producer names)
is analysed once per dictionary state (`analyzer.text_terms` is cached).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select
from sqlmodel import Session, col

from service.catalog.models import Category, Producer, Product, ProductStatus, Region, Variant
from service.kit.db import utcnow
from service.search.analyzer import ProductText, analyse_product, encode_terms, terms_hash
from service.search.segmenter import get_segmenter

_PRODUCT_COLUMNS: tuple[Any, ...] = (
    col(Product.id),
    col(Product.code),
    col(Product.status),
    col(Product.title),
    col(Product.title_en),
    col(Product.description),
    col(Product.grade),
    col(Product.category_id),
    col(Producer.code).label("producer_code"),
    col(Producer.name).label("producer_name"),
    col(Region.code).label("region_code"),
    col(Region.name).label("region_name"),
    col(Region.province),
)
_VARIANT_COLUMNS: tuple[Any, ...] = (
    col(Variant.product_id),
    col(Variant.sku),
    col(Variant.net_weight_g),
    col(Variant.packaging),
    col(Variant.price_fen),
    col(Variant.stock),
)


def _category_chains(session: Session) -> dict[int, list[tuple[str, str]]]:
    """For each category id, (code, name) from the category up to its root."""
    rows = session.execute(
        select(col(Category.id), col(Category.code), col(Category.name), col(Category.parent_id))
    )
    nodes = {r.id: r for r in rows}
    chains: dict[int, list[tuple[str, str]]] = {}
    for category_id in nodes:
        chain: list[tuple[str, str]] = []
        node = nodes.get(category_id)
        while node is not None and len(chain) < 20:
            chain.append((node.code, node.name))
            node = nodes.get(node.parent_id) if node.parent_id is not None else None
        chains[category_id] = chain
    return chains


_SKUS_OF = (
    select(*_VARIANT_COLUMNS)
    .where(col(Variant.product_id).in_(bindparam("ids", expanding=True)))
    .order_by(col(Variant.product_id), col(Variant.id))
)


def _skus_by_product(
    session: Session, product_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    """Each product's SKUs as a document lists them (in SKU creation order)."""
    grouped: dict[int, list[dict[str, Any]]] = {pid: [] for pid in product_ids}
    for row in session.connection().execute(_SKUS_OF, {"ids": list(product_ids)}):
        variant = row._asdict()
        grouped[variant.pop("product_id")].append(variant)
    return grouped


def _sku_columns(variants: list[dict[str, Any]]) -> dict[str, Any]:
    """The document columns that follow from a product's SKUs."""
    return {
        "variants": variants,
        "min_price_fen": min((v["price_fen"] for v in variants), default=None),
        "in_stock": any(v["stock"] > 0 for v in variants),
    }


def _analysed(row: Any, *, chain: list[tuple[str, str]]) -> dict[str, Any]:
    text = ProductText(
        title=row.title,
        title_en=row.title_en,
        description=row.description,
        grade=row.grade,
        category_names=tuple(name for _, name in chain),
        region_name=row.region_name,
        province=row.province,
        producer_name=row.producer_name,
    )
    analysed = analyse_product(text, get_segmenter())
    encoded = encode_terms(analysed.terms)
    return {
        "terms": encoded,
        "words": " ".join(sorted(analysed.words)),
        "terms_hash": terms_hash(encoded),
    }


def _document(
    row: Any, *, chain: list[tuple[str, str]], variants: list[dict[str, Any]]
) -> dict[str, Any]:
    listed = row.status == ProductStatus.listed.value
    values: dict[str, Any] = {
        "product_id": row.id,
        "code": row.code,
        "listed": listed,
        "title": row.title,
        "title_en": row.title_en,
        "category_code": chain[0][0] if chain else "",
        "category_path": "/".join(code for code, _ in reversed(chain)),
        "region_code": row.region_code,
        "producer_code": row.producer_code,
        "producer_name": row.producer_name,
        **_sku_columns(variants),
        "terms": "{}",
        "words": "",
        "terms_hash": "",
        "indexed_at": utcnow(),
    }
    if listed:
        values |= _analysed(row, chain=chain)
    return values


def build_documents(session: Session, product_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The `search_document` values of these products (unlisted ones without terms)."""
    rows = session.execute(
        select(*_PRODUCT_COLUMNS)
        .join(Producer, col(Producer.id) == Product.producer_id)
        .join(Region, col(Region.id) == Producer.region_id)
        .where(col(Product.id).in_(product_ids))
        .order_by(col(Product.id))
    ).all()
    chains = _category_chains(session)
    variants = _skus_by_product(session, [r.id for r in rows])
    return [
        _document(row, chain=chains.get(row.category_id, []), variants=variants[row.id])
        for row in rows
    ]
