"""INSERT … ON CONFLICT DO NOTHING for SQLite and PostgreSQL: claim a unique key exactly once."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session


def insert_once(
    session: Session, model: type[Any], values: dict[str, Any], *, unique: Sequence[str]
) -> bool:
    """Insert VALUES unless a row with the same UNIQUE columns exists; True when inserted.

    A concurrent transaction inserting the same key makes this wait for it (PostgreSQL) or is
    serialized by the write lock (SQLite), so exactly one caller ever sees True.
    """
    stmt = _statement(session.get_bind().dialect.name, model, tuple(values), tuple(unique))  # type: ignore[arg-type]
    params = {f"v_{name}": value for name, value in values.items()}
    return session.connection().execute(stmt, params).scalar_one_or_none() is not None


@lru_cache(maxsize=64)
def _statement(
    dialect: str, model: type[Any], columns: tuple[str, ...], unique: tuple[str, ...]
) -> Any:
    """The statement for one shape of insert, built once (building costs as much as running)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert(model)
        .values({name: bindparam(f"v_{name}") for name in columns})
        .on_conflict_do_nothing(index_elements=list(unique))
        .returning(model.id)  # rowcount is not reliable for this insert
    )
