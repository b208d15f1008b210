"""CSRF: a form post needs the session's token and an Origin (or Referer) of this very site."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Form, Request
from fastapi.testclient import TestClient

from service.kit.csrf import check_form_post, csrf_token_matches, normalize_origin
from service.kit.errors import install_error_handlers

SESSION_TOKEN = "the-session-csrf-token"
OWN = "http://testserver"  # the TestClient's base URL


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.post("/seller/products")
    def post_form(request: Request, csrf: str | None = Form(default=None)) -> dict[str, bool]:
        check_form_post(
            request,
            expected_token=SESSION_TOKEN,
            presented_token=csrf,
            trusted_origins=["https://shop.example"],
        )
        return {"ok": True}

    return TestClient(app)


def _post(client: TestClient, csrf: str | None, **headers: str) -> int:
    data = {"csrf": csrf} if csrf is not None else {}
    return client.post("/seller/products", data=data, headers=headers).status_code


def test_own_origin_with_the_right_token_passes(client: TestClient) -> None:
    assert _post(client, SESSION_TOKEN, origin=OWN) == 200
    assert _post(client, SESSION_TOKEN, referer=f"{OWN}/seller/products/new") == 200
    assert _post(client, SESSION_TOKEN, origin="HTTP://TestServer:80") == 200


def test_token_mismatch_or_missing_is_403(client: TestClient) -> None:
    resp = client.post("/seller/products", data={"csrf": "guessed"}, headers={"origin": OWN})
    assert resp.status_code == 403
    assert resp.json()["error"]["code"] == "csrf_rejected"
    assert _post(client, None, origin=OWN) == 403
    assert _post(client, "", origin=OWN) == 403


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "http://testserver.evil.example"},
        {"origin": "http://testserver:8080"},  # same host, another port: another origin
        {"origin": "https://testserver"},  # same host, another scheme
        {"origin": "null"},
        {"origin": "null", "referer": f"{OWN}/seller"},
        {"referer": "https://evil.example/testserver"},
        {},  # neither header: refused for a state change
    ],
)
def test_foreign_or_missing_origin_is_403_even_with_the_token(
    client: TestClient, headers: dict[str, str]
) -> None:
    assert _post(client, SESSION_TOKEN, **headers) == 403


def test_a_configured_trusted_origin_passes(client: TestClient) -> None:
    assert _post(client, SESSION_TOKEN, origin="https://shop.example") == 200


def test_token_compare() -> None:
    assert csrf_token_matches("abc", "abc")
    assert not csrf_token_matches("abc", "abd")
    assert not csrf_token_matches("", "")
    assert not csrf_token_matches("abc", None)


def test_normalize_origin() -> None:
    assert normalize_origin("https://Shop.Example:443/path?q=1") == "https://shop.example"
    assert normalize_origin("http://[::1]:8000/x") == "http://[::1]:8000"
    assert normalize_origin("javascript:alert(1)") is None
    assert normalize_origin("http://host:notaport/") is None
