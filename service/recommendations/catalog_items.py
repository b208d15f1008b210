"""The catalog as the recommender serves it: which products exist and which can be bought now."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, col, select

from recommender.reco import ItemInfo
from service.catalog.models import Producer, Product, ProductStatus, Variant


def load_item_infos(session: Session) -> list[ItemInfo]:
    """Every product; `available` = listed and some SKU in stock (one grouped query)."""
    stmt = (
        select(  # type: ignore[call-overload]
            Product.code,
            Product.title,
            Producer.code,
            Product.status,
            Product.harvest_months,
            func.coalesce(func.max(Variant.stock), 0),
        )
        .join(Producer, col(Producer.id) == Product.producer_id)
        .outerjoin(Variant, col(Variant.product_id) == Product.id)
        .group_by(Product.id, Producer.code)
    )
    return [
        ItemInfo(
            code=code,
            title=title,
            producer_code=producer,
            available=status == ProductStatus.listed and max_stock > 0,
            harvest_months=tuple(months or ()),
        )
        for code, title, producer, status, months, max_stock in session.exec(stmt)
    ]
