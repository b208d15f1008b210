"""Safety nets (issue 12): admission queue, per-connection timeouts, database errors as JSON."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from service.app import create_app
from service.kit import db
from service.kit.admission import Admission
from service.kit.db import DatabaseLimits, make_engine
from service.kit.errors import install_error_handlers
from tests.service.orders.factories import make_cart, make_shopper, make_sku


def test_postgres_connections_carry_the_timeouts(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL settings")
    with engine.connect() as conn:
        shown = {
            name: conn.execute(text(f"SHOW {name}")).scalar_one()
            for name in ("lock_timeout", "statement_timeout", "idle_in_transaction_session_timeout")
        }
    assert shown == {
        "lock_timeout": "5s",
        "statement_timeout": "30s",
        "idle_in_transaction_session_timeout": "1min",
    }


def test_sqlite_busy_timeout_is_the_setting(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite setting")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 5000


@contextmanager
def _holding_the_lock(engine: Engine, variant_id: int) -> Iterator[Connection]:
    """Another transaction holds the SKU's row lock (SQLite: the database's write lock)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("SELECT 1")  # the begin listener takes the write lock
        else:
            conn.execute(
                text("SELECT id FROM variant WHERE id = :id FOR UPDATE"), {"id": variant_id}
            )
        yield conn
        conn.rollback()


def test_a_lock_wait_past_the_timeout_is_a_503_with_retry_after(
    engine: Engine, session: Session, database_url: str
) -> None:
    sku = make_sku(session, stock=5)
    shopper, token = make_shopper(session)
    cart = make_cart(session, shopper=shopper, items=[(sku, 1)])
    short = make_engine(
        database_url, limits=DatabaseLimits(lock_timeout=0.3, sqlite_busy_timeout=0.3)
    )
    try:
        with TestClient(create_app(engine=short)) as client, _holding_the_lock(engine, sku.id):  # type: ignore[arg-type]
            resp = client.post(
                "/api/v1/orders",
                json={"cart_id": cart.id},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "locked-out"},
            )
    finally:
        short.dispose()
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "1"
    assert resp.json()["error"]["code"] == "unavailable"


def _app_failing_with(error: Exception) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/fail")
    def fail() -> None:
        raise error

    return app


def test_database_is_locked_escaping_is_a_json_503() -> None:
    locked = OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("database is locked"))
    resp = TestClient(_app_failing_with(locked)).get("/fail")
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "1"
    assert resp.json()["error"]["code"] == "unavailable"


def test_other_database_errors_and_bugs_are_a_json_500() -> None:
    broken = OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: nothing"))
    for error in (broken, RuntimeError("a bug")):
        client = TestClient(_app_failing_with(error), raise_server_exceptions=False)
        resp = client.get("/fail")
        assert resp.status_code == 500
        assert resp.json()["error"]["code"] == "internal"


async def _slow_app(scope: Scope, receive: Receive, send: Send) -> None:
    await anyio.sleep(0.5)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})


def test_admission_queues_writers_and_turns_away_those_waiting_too_long() -> None:
    gate = Admission(_slow_app, writes=1, reads=1, wait_seconds=0.2)

    async def crowd() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=gate)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            answers: list[httpx.Response] = []

            async def send(method: str, path: str) -> None:
                answers.append(await client.request(method, path))

            async with anyio.create_task_group() as tasks:
                tasks.start_soon(send, "POST", "/first")
                await anyio.sleep(0.05)
                tasks.start_soon(send, "POST", "/second")  # waits 0.2 s, then turned away
                tasks.start_soon(send, "GET", "/read")  # reads have their own queue
                tasks.start_soon(send, "GET", "/healthz")  # never queued
            return answers

    answers = {r.request.url.path: r for r in anyio.run(crowd)}
    assert answers["/first"].status_code == 204
    assert answers["/read"].status_code == 204
    assert answers["/healthz"].status_code == 204
    turned_away = answers["/second"]
    assert turned_away.status_code == 503
    assert turned_away.headers["Retry-After"] == "1"
    assert turned_away.json()["error"]["code"] == "unavailable"


def test_a_commit_that_fails_busy_is_a_json_503(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The commit runs after the endpoint returned; its failure still gets the JSON body."""

    def commit_fails(session: Session, *, commit: bool) -> None:
        session.close()
        if commit:
            locked = sqlite3.OperationalError("database is locked")
            raise OperationalError("COMMIT", {}, locked)

    with TestClient(create_app(engine=engine)) as client, monkeypatch.context() as patch:
        patch.setattr(db, "end_session", commit_fails)  # after start-up's own commits
        resp = client.post("/api/v1/shoppers", json={"name": "late-committer"})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "1"
    assert resp.json()["error"]["code"] == "unavailable"
