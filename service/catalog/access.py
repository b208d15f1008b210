"""Who may touch which product: its own producer, an operator of its park, an admin."""

from __future__ import annotations

from sqlmodel import Session

from service.accounts.models import Role, User
from service.catalog.models import Producer, Product, Region
from service.kit.errors import Forbidden


def park_id_of_product(session: Session, product: Product) -> int | None:
    """The park that curates the product's region."""
    producer = session.get(Producer, product.producer_id)
    region = session.get(Region, producer.region_id) if producer else None
    return region.park_id if region else None


def park_id_of_producer(session: Session, producer: Producer) -> int | None:
    """The park that curates the producer's region."""
    region = session.get(Region, producer.region_id)
    return region.park_id if region else None


def ensure_owner(user: User, product: Product) -> None:
    """Only the product's own producer (or an admin) may change it."""
    if user.role == Role.admin:
        return
    if user.role != Role.producer or user.producer_id != product.producer_id:
        raise Forbidden("only the product's own producer may change it")


def ensure_operator_of(session: Session, user: User, park_id: int | None) -> None:
    """Only an operator of PARK_ID (or an admin) may pass."""
    if user.role == Role.admin:
        return
    if user.role != Role.operator or park_id is None or user.park_id != park_id:
        raise Forbidden("only an operator of the product's park may do this")


def can_see_unlisted(session: Session, user: User | None, product: Product) -> bool:
    """Whether USER may see PRODUCT while it is not listed."""
    if user is None:
        return False
    if user.role == Role.admin:
        return True
    if user.role == Role.producer:
        return user.producer_id == product.producer_id
    if user.role == Role.operator:
        return user.park_id is not None and user.park_id == park_id_of_product(session, product)
    return False
