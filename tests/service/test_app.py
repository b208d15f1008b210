"""The application shell: health, the error shape, body limits, migrations matching the models."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.accounts.models import User
from service.app import create_app
from service.tables import metadata as load_metadata


def test_healthz_reports_database(client: TestClient, engine: Engine) -> None:
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": engine.dialect.name}


def test_unknown_route_has_json_error_body(client: TestClient) -> None:
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["error"]["code"] == "not_found"


def test_malformed_json_is_422_with_error_body(client: TestClient) -> None:
    resp = client.post(
        "/api/v1/shoppers", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 422
    assert resp.json()["error"]["code"] == "invalid"


def test_over_large_body_is_413(client: TestClient) -> None:
    resp = client.post(
        "/api/v1/shoppers", content=b"x" * 1_000_001, headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "payload_too_large"


def test_over_large_chunked_body_is_413(client: TestClient, session: Session) -> None:
    """A body sent in chunks, with no Content-Length to check up front, is counted as it comes."""
    users = len(session.exec(select(User)).all())

    def chunks() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(120):
            yield b"x" * 10_000
        yield b'"}'

    resp = client.post(
        "/api/v1/shoppers", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == "payload_too_large"
    assert len(session.exec(select(User)).all()) == users


def test_small_chunked_body_is_read(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"name": "Small",'
        yield ' "city": "杭州"}'.encode()

    resp = client.post(
        "/api/v1/shoppers", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 201, resp.text


def test_migrations_match_models(engine: Engine) -> None:
    """Alembic's history creates exactly the tables the models declare."""
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, load_metadata())
    assert diff == []


def test_openapi_lists_service_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "403" in spec["paths"]["/api/v1/products/{code}/approve"]["post"]["responses"]


def test_migration_history_has_one_head(database_url: str) -> None:
    """Branches that domains add in parallel are merged before they land."""
    from alembic.script import ScriptDirectory

    from service.kit.schema import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config(database_url)).get_heads()) == 1


def test_an_unexpected_error_is_a_json_500_with_the_logged_request_id(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(engine=engine)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        resp = client.get("/boom")
        ok = client.get("/healthz")
    assert resp.status_code == 500
    assert resp.headers["content-type"].startswith("application/json")
    error = resp.json()["error"]
    assert error["code"] == "internal" and "a bug" not in error["message"]
    request_id = error["details"]["request_id"]
    assert resp.headers["X-Request-ID"] == request_id
    assert any(request_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert ok.headers["X-Request-ID"] and ok.headers["X-Request-ID"] != request_id
