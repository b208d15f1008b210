"""Recommendation rules: whose list, which month, and the best-seller fallback without a model."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from service.accounts.models import User
from service.catalog.models import Category, Product, ProductStatus
from service.history.frames import shopper_key
from service.kit.db import utcnow
from service.kit.errors import NotFound
from service.kit.lookup import require
from service.recommendations.popularity import as_items
from service.recommendations.serving import RecommenderHolder

Items = list[dict[str, Any]]


def recommend_for_shopper(
    session: Session,
    holder: RecommenderHolder,
    *,
    key: str | None,
    city: str | None,
    limit: int,
) -> Items:
    """The shopper's list (own purchases, neighbours, city favourites), best first."""
    recommender = holder.current(session)
    if recommender is None:
        return as_items(holder.popular(session), limit=limit)
    found = recommender.for_shopper(key, city=city, month=utcnow().month, limit=limit)
    return [item.to_dict() for item in found]


def recommend_for_user(
    session: Session, holder: RecommenderHolder, *, user: User, limit: int
) -> Items:
    """The list of a signed-in shopper, by its history key and home city."""
    key = shopper_key(int(user.id or 0), user.external_id)
    return recommend_for_shopper(session, holder, key=key, city=user.city, limit=limit)


def also_bought(session: Session, holder: RecommenderHolder, *, code: str, limit: int) -> Items:
    """Products bought by the shoppers who bought CODE; else its category's best sellers."""
    product = require(session, Product, code)
    if product.status != ProductStatus.listed:
        raise NotFound(f"product {code!r} does not exist")
    recommender = holder.current(session)
    if recommender is not None:
        found = recommender.also_bought(code, month=utcnow().month, limit=limit)
        if found:
            return [item.to_dict() for item in found]
    category = session.get(Category, product.category_id)
    same_category = [
        p
        for p in holder.popular(session)
        if category is not None and p.category == category.code and p.code != code
    ]
    return as_items(same_category, limit=limit)


def find_shopper(session: Session, shopper: str) -> User | None:
    """A user by history shopper id (external_id), else by numeric user id."""
    user = session.exec(select(User).where(User.external_id == shopper)).first()
    if user is None and shopper.isdigit():
        user = session.get(User, int(shopper))
    return user


def recommend_for_line(
    session: Session, holder: RecommenderHolder, *, shopper: str, limit: int
) -> Items:
    """`techan recommend`: a shopper id or user id from a file; unknown ids get the cold start."""
    user = find_shopper(session, shopper)
    if user is None:
        return recommend_for_shopper(session, holder, key=shopper, city=None, limit=limit)
    return recommend_for_user(session, holder, user=user, limit=limit)
