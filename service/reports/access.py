"""Who may read which analytics: a producer its own suggestions, a park's operators its reports."""

from __future__ import annotations

from sqlmodel import Session

from service.accounts.models import Role, User
from service.catalog.access import park_id_of_producer
from service.catalog.models import Park, Producer
from service.kit.errors import Forbidden


def ensure_may_read_suggestions(session: Session, user: User, producer: Producer) -> None:
    """The producer itself, an operator of its park, or an admin."""
    if user.role == Role.admin:
        return
    if user.role == Role.producer and user.producer_id == producer.id:
        return
    if (
        user.role == Role.operator
        and user.park_id is not None
        and user.park_id == park_id_of_producer(session, producer)
    ):
        return
    raise Forbidden("only the producer itself or an operator of its park may read its suggestions")


def ensure_may_read_park_report(user: User, park: Park) -> None:
    """An operator of the park, or an admin."""
    if user.role == Role.admin:
        return
    if user.role == Role.operator and user.park_id is not None and user.park_id == park.id:
        return
    raise Forbidden("only an operator of this park may read its demand report")
