"""Accounts: registration, tokens stored as hashes, the CLI's token line."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.requests import Request
from typer.testing import CliRunner

from service.accounts.models import User
from service.accounts.tokens import bearer_token, hash_token
from service.cli import app as cli
from tests.factories import auth, make_park, make_producer


def test_shopper_registers_and_uses_token(client: TestClient, session: Session) -> None:
    resp = client.post("/api/v1/shoppers", json={"name": "小林", "city": "杭州"})
    assert resp.status_code == 201
    token = resp.json()["token"]
    me = client.get("/api/v1/me", headers=auth(token))
    assert me.status_code == 200
    assert me.json()["role"] == "shopper" and me.json()["city"] == "杭州"
    stored = session.exec(select(User)).one()
    assert stored.token_hash == hash_token(token) and token not in stored.token_hash


def test_bad_token_is_401(client: TestClient) -> None:
    resp = client.get("/api/v1/me", headers=auth("tk_forged"))
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me").status_code == 401


def test_registration_rejects_unknown_fields_and_long_names(
    client: TestClient, session: Session
) -> None:
    assert client.post("/api/v1/shoppers", json={"name": "a", "role": "admin"}).status_code == 422
    assert client.post("/api/v1/shoppers", json={"name": "x" * 101}).status_code == 422
    assert session.exec(select(User)).all() == []


def test_cli_user_create_prints_token_last(client: TestClient, session: Session) -> None:
    producer = make_producer(session)
    result = CliRunner().invoke(
        cli, ["user", "create", "--role", "producer", "--name", "老王", "--producer", producer.code]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    me = client.get("/api/v1/me", headers=auth(token)).json()
    assert me["role"] == "producer" and me["producer"] == producer.code


def test_cli_user_create_unknown_park_fails_cleanly(session: Session) -> None:
    make_park(session)
    result = CliRunner().invoke(
        cli, ["user", "create", "--role", "operator", "--name", "x", "--park", "nope"]
    )
    assert result.exit_code == 1
    assert "park 'nope' does not exist" in result.output
    assert session.exec(select(User)).all() == []


def test_bearer_token_is_read_in_one_place() -> None:
    def with_header(value: str) -> Request:
        return Request({"type": "http", "headers": [(b"authorization", value.encode())]})

    assert bearer_token(with_header("Bearer tk_abc")) == "tk_abc"
    assert bearer_token(with_header("bearer tk_abc")) == "tk_abc"
    assert bearer_token(with_header("Basic dXNlcjpwdw==")) is None
    assert bearer_token(with_header("Bearer ")) is None
    assert bearer_token(Request({"type": "http", "headers": []})) is None
