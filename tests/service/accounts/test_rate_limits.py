"""The rate-limit dependencies count the signed-in user, else the client address."""

from __future__ import annotations

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.accounts.models import Role
from service.accounts.rate_limits import rate_allowance, rate_limited
from service.accounts.service import create_user
from service.kit.errors import install_error_handlers
from service.kit.ratelimit import RateLimiter
from service.settings import Settings
from tests.factories import auth


def _app(engine: Engine, settings: Settings) -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.state.engine = engine
    app.state.settings = settings
    app.state.rate_limiter = RateLimiter.from_settings(settings)

    @app.post("/orders", dependencies=[Depends(rate_limited("orders", "rate_orders"))])
    def order() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/search")
    def search(logged: bool = Depends(rate_allowance("search-log", "rate_search_log"))) -> dict:
        return {"logged": logged}

    return app


def _token(session: Session, name: str) -> str:
    _, token = create_user(session, role=Role.shopper, name=name)
    session.commit()
    return token


def test_shoppers_behind_one_address_each_have_their_own_count(
    engine: Engine, session: Session
) -> None:
    client = TestClient(_app(engine, Settings(rate_orders="2/minute")))
    first, second = _token(session, "甲"), _token(session, "乙")
    for _ in range(2):
        assert client.post("/orders", headers=auth(first)).status_code == 200
    refused = client.post("/orders", headers=auth(first))
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert refused.json()["error"]["code"] == "too_many_requests"
    # Same address (the test client's), another signed-in shopper: still buys.
    assert client.post("/orders", headers=auth(second)).status_code == 200


def test_anonymous_callers_are_counted_by_address(engine: Engine) -> None:
    client = TestClient(_app(engine, Settings(rate_orders="1/minute")))
    assert client.post("/orders").status_code == 200
    assert client.post("/orders").status_code == 429


def test_search_over_the_log_limit_still_answers_unlogged(engine: Engine) -> None:
    client = TestClient(_app(engine, Settings(rate_search_log="2/minute")))
    answers = [client.get("/search") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json()["logged"] for a in answers] == [True, True, False]


def test_unknown_setting_fails_when_the_route_is_declared() -> None:
    with pytest.raises(ValueError, match="rate_nothing"):
        rate_limited("x", "rate_nothing")
