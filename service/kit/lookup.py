"""Typed lookups of rows by their public code."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar

from sqlmodel import Session, select

from service.kit.errors import NotFound, Unprocessable


class HasCode(Protocol):
    code: Any


M = TypeVar("M", bound=HasCode)


def find(session: Session, model: type[M], code: str) -> M | None:
    """The row of MODEL with this code, or None."""
    return session.exec(select(model).where(model.code == code)).first()  # type: ignore[arg-type]


def require(session: Session, model: type[M], code: str, *, field: str | None = None) -> M:
    """The row of MODEL with this code, or an error naming the code.

    A code in the path (`/products/{code}`) that names nothing is a 404; a code given in a
    FIELD of a query or body (`?category=…`) is a 422 naming that field.
    """
    row = find(session, model, code)
    if row is None:
        if field is not None:
            raise Unprocessable(f"unknown {field} {code!r}", details={"field": field})
        raise NotFound(f"{model.__name__.lower()} {code!r} does not exist")
    return row
