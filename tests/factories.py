"""Plain factory functions for test data; each commits what it makes."""

from __future__ import annotations

import itertools
from typing import Any

from sqlmodel import Session

from service.accounts.models import Role, User
from service.catalog.members import create_member
from service.catalog.models import Category, Park, Producer, Product, Region, Variant

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def _save(session: Session, row: Any) -> Any:
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def make_park(session: Session, **kw: Any) -> Park:
    n = _n()
    return _save(session, Park(**{"code": f"park-{n}", "name": f"园区{n}", **kw}))


def make_region(session: Session, *, park: Park | None = None, **kw: Any) -> Region:
    n = _n()
    values = {
        "code": f"region-{n}",
        "name": f"产区{n}",
        "province": "四川",
        "park_id": park.id if park else None,
        **kw,
    }
    return _save(session, Region(**values))


def make_category(session: Session, *, parent: Category | None = None, **kw: Any) -> Category:
    n = _n()
    values = {
        "code": f"cat-{n}",
        "name": f"品类{n}",
        "parent_id": parent.id if parent else None,
        **kw,
    }
    return _save(session, Category(**values))


def make_producer(session: Session, *, region: Region | None = None, **kw: Any) -> Producer:
    n = _n()
    region = region or make_region(session, park=make_park(session))
    return _save(
        session,
        Producer(**{"code": f"producer-{n}", "name": f"合作社{n}", "region_id": region.id, **kw}),
    )


def make_product(
    session: Session,
    *,
    producer: Producer | None = None,
    category: Category | None = None,
    status: str = "listed",
    **kw: Any,
) -> Product:
    n = _n()
    producer = producer or make_producer(session)
    category = category or make_category(session)
    values = {
        "code": f"product-{n}",
        "title": f"特产{n}",
        "producer_id": producer.id,
        "category_id": category.id,
        "status": status,
        "harvest_months": [],
        **kw,
    }
    return _save(session, Product(**values))


def make_variant(session: Session, *, product: Product, **kw: Any) -> Variant:
    n = _n()
    values = {
        "sku": f"sku-{n}",
        "product_id": product.id,
        "net_weight_g": 500,
        "packaging": "standard",
        "price_fen": 5000,
        "stock": 10,
        **kw,
    }
    return _save(session, Variant(**values))


def make_user(
    session: Session,
    role: Role | str,
    *,
    producer: Producer | None = None,
    park: Park | None = None,
    city: str | None = None,
) -> tuple[User, str]:
    """A user and its bearer token."""
    user, token = create_member(
        session,
        role=Role(role),
        name=f"{role}-{_n()}",
        producer_code=producer.code if producer else None,
        park_code=park.code if park else None,
        city=city,
    )
    session.commit()
    return user, token


def auth(token: str) -> dict[str, str]:
    """The Authorization header for TOKEN."""
    return {"Authorization": f"Bearer {token}"}
