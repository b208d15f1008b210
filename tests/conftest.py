"""One suite, two databases: SQLite by default, PostgreSQL when TECHAN_TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlmodel import Session

from service.app import create_app, register_listeners
from service.kit.db import get_engine, make_engine
from service.kit.schema import upgrade_database
from service.settings import get_settings
from service.tables import metadata as load_metadata


def pytest_report_header() -> str:
    url = os.environ.get("TECHAN_TEST_DATABASE_URL")
    return f"techan test database: {'PostgreSQL ' + url if url else 'SQLite (temporary file)'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The database the whole run uses, migrated once."""
    url = os.environ.get("TECHAN_TEST_DATABASE_URL") or (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'techan-test.db'}"
    )
    upgrade_database(url)
    register_listeners()  # as the app and the CLI do: search follows the catalog's changes
    return url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def wipe(engine: Engine) -> None:
    """Delete every row of every table, children first."""
    tables = [t.name for t in reversed(load_metadata().sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))


@pytest.fixture(autouse=True)
def _isolated(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    """Each test starts from empty tables, with settings pointing at the test database."""
    if "engine" not in request.fixturenames:
        yield
        return
    engine: Engine = request.getfixturevalue("engine")
    database_url: str = request.getfixturevalue("database_url")
    monkeypatch.setenv("TECHAN_DATABASE_URL", database_url)
    monkeypatch.setenv("TECHAN_ARTEFACT_DIR", str(tmp_path / "artefacts"))
    get_settings.cache_clear()
    get_engine.cache_clear()
    wipe(engine)
    yield
    get_settings.cache_clear()
    get_engine.cache_clear()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session for arranging and checking data, in autocommit mode.

    Every statement commits at once, so it never holds a lock the code under test needs and
    always reads what the code under test committed.
    """
    autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
    with Session(autocommit, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    # Tests read their own writes at once: the storefront's read cache is off here and tested
    # on its own (tests/service/catalog/test_read_cache.py).
    settings = get_settings().model_copy(update={"read_cache_seconds": 0.0})
    with TestClient(create_app(settings=settings, engine=engine)) as c:
        yield c
