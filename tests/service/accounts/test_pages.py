"""Page sessions against the API, revocation, invites and the rate limits of real routes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from service.accounts.models import Role, User
from service.accounts.pages import INVITE_FORM_COOKIE
from service.accounts.session_models import PageSession
from service.accounts.sessions import PAGE_SESSION_COOKIE, revoke_user
from service.app import create_app
from service.catalog.members import invite_member
from service.kit.db import utcnow
from service.settings import Settings
from tests.factories import auth, make_park, make_user
from tests.service.accounts.register_app import PREFIX_ENV, REDIS_ENV
from tests.service.accounts.signin import (
    EVIL_ORIGIN,
    OWN_ORIGIN,
    PASSWORD,
    csrf_of,
    give_login,
    sign_in,
)
from tests.service.kit.test_ratelimit import (  # noqa: F401 (redis_prefix is a fixture)
    REDIS_URL,
    REPO,
    _free_port,
    redis_prefix,
)

# techan's whole app (pandas, the search index, the recommender) starts far slower than a tiny
# one, and slower still on a machine busy with other suites.
APP_START_SECONDS = 180


def _signed_in_operator(client: TestClient, session: Session) -> tuple[User, str, str]:
    """An operator signed in through the form: the user, its API token, its dashboard URL."""
    park = make_park(session)
    user, token = make_user(session, Role.operator, park=park)
    assert sign_in(client, give_login(session, user)).status_code == 303
    return user, token, f"/parks/{park.code}/dashboard"


def test_the_page_cookie_never_authenticates_the_api(
    client: TestClient, session: Session
) -> None:
    _signed_in_operator(client, session)
    assert PAGE_SESSION_COOKIE in client.cookies
    forged = client.post("/api/v1/products/X/approve", headers=EVIL_ORIGIN)
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/me").status_code == 401  # not even from techan's own pages
    client.cookies.set("techan_token", client.cookies[PAGE_SESSION_COOKIE])  # the old cookie
    assert client.get("/api/v1/me").status_code == 401


def test_a_revoked_user_loses_its_token_and_its_sessions(
    client: TestClient, session: Session
) -> None:
    user, token, dashboard = _signed_in_operator(client, session)
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 200
    assert client.get(dashboard, follow_redirects=False).status_code in (200, 409)
    revoke_user(session, user, now=utcnow())
    session.commit()
    assert client.get("/api/v1/me", headers=auth(token)).status_code == 401
    assert client.get(dashboard, follow_redirects=False).status_code == 303
    pages = session.exec(select(PageSession).where(PageSession.user_id == user.id)).all()
    assert pages and all(p.revoked_at is not None for p in pages)
    # The password still works: revoking is about leaked credentials, not the person.
    assert sign_in(client, user.login or "").status_code == 303


def test_an_invite_sets_the_password_once(client: TestClient, session: Session) -> None:
    park = make_park(session)
    token = invite_member(session, role=Role.operator, park_code=park.code, now=utcnow())
    session.commit()
    form = client.get(f"/invite/{token}")
    assert form.status_code == 200 and 'name="password"' in form.text
    csrf = csrf_of(form.text)
    data = {"login": "Lin-Operator", "password": PASSWORD, "csrf": csrf}
    forged = client.post(f"/invite/{token}", data=data, headers=EVIL_ORIGIN)
    assert forged.status_code == 403
    short = client.post(
        f"/invite/{token}", data={**data, "password": "short"}, headers=OWN_ORIGIN
    )
    assert short.status_code == 422  # the link is still open after a refused password
    done = client.post(f"/invite/{token}", data=data, headers=OWN_ORIGIN, follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"] == f"/parks/{park.code}/dashboard"
    assert PAGE_SESSION_COOKIE in client.cookies  # signed in at once
    user = session.exec(select(User).where(User.login == "lin-operator")).one()
    assert user.role == "operator" and user.park_id == park.id and user.token_hash is None
    # Single use: the link shows nothing and accepts nothing any more.
    assert client.get(f"/invite/{token}").status_code == 404
    client.cookies.set(INVITE_FORM_COOKIE, csrf, path="/invite/")
    again = client.post(
        f"/invite/{token}", data={**data, "login": "someone-else"}, headers=OWN_ORIGIN
    )
    assert again.status_code == 404
    client.cookies.clear()
    assert sign_in(client, "lin-operator").status_code == 303
    assert sign_in(client, "lin-operator", "wrong password!").status_code == 401


def test_an_unknown_invite_is_404(client: TestClient) -> None:
    assert client.get("/invite/inv_nothing").status_code == 404


def test_registration_over_the_limit_is_429_with_retry_after(engine: Engine) -> None:
    settings = Settings(rate_register="2/minute")
    with TestClient(create_app(settings=settings, engine=engine)) as client:
        for n in range(2):
            assert client.post("/api/v1/shoppers", json={"name": f"s{n}"}).status_code == 201
        refused = client.post("/api/v1/shoppers", json={"name": "s3"})
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    body = refused.json()["error"]
    assert body["code"] == "too_many_requests" and body["details"]["scope"] == "register"


def test_signin_over_the_limit_is_429(engine: Engine, session: Session) -> None:
    settings = Settings(rate_signin="2/minute")
    with TestClient(create_app(settings=settings, engine=engine)) as client:
        for _ in range(2):
            assert sign_in(client, "nobody-here", "wrong password").status_code == 401
        refused = sign_in(client, "nobody-here", "wrong password")
    assert refused.status_code == 429 and "Retry-After" in refused.headers


def _wait_for_app(url: str, worker: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + APP_START_SECONDS
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise AssertionError(f"worker exited: {worker.stderr.read().decode()}")  # type: ignore[union-attr]
        try:
            httpx.get(url + "/healthz", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not start within {APP_START_SECONDS} s")


def test_two_workers_share_the_registration_limit_through_redis(
    database_url: str,
    redis_prefix: str,  # noqa: F811
) -> None:
    """Alternating between two uvicorn processes of techan's app: the 4th sign-up is refused."""
    env = {
        **os.environ,
        "TECHAN_DATABASE_URL": database_url,
        "TECHAN_RATE_REGISTER": "3/minute",
        REDIS_ENV: REDIS_URL,
        PREFIX_ENV: redis_prefix,
    }
    ports = [_free_port(), _free_port()]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory",
             "tests.service.accounts.register_app:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        for port in ports
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, worker in zip(urls, workers, strict=True):
            _wait_for_app(url, worker)
        answers = [
            httpx.post(urls[i % 2] + "/api/v1/shoppers", json={"name": f"w{i}"}, timeout=10)
            for i in range(5)
        ]
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=10)
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    assert answers[3].json()["error"]["code"] == "too_many_requests"
    assert int(answers[4].headers["Retry-After"]) >= 1


@pytest.mark.parametrize("path", ["/signin", "/signout"])
def test_forms_posted_from_another_site_are_403(client: TestClient, path: str) -> None:
    resp = client.post(path, data={"login": "x", "password": "y"}, headers=EVIL_ORIGIN)
    assert resp.status_code == 403


def test_browsing_restarts_the_idle_clock_and_an_idle_session_ends(
    client: TestClient, session: Session
) -> None:
    user, _, dashboard = _signed_in_operator(client, session)
    page = session.exec(select(PageSession).where(PageSession.user_id == user.id)).one()
    five_minutes_ago = utcnow() - timedelta(minutes=5)
    page.last_seen_at = five_minutes_ago
    session.add(page)
    session.commit()
    assert client.get(dashboard, follow_redirects=False).status_code != 303  # a GET, read-only
    session.refresh(page)
    assert page.last_seen_at > five_minutes_ago  # touched in a transaction of its own
    page.last_seen_at = utcnow() - timedelta(minutes=121)  # past TECHAN_SESSION_IDLE_MINUTES
    session.add(page)
    session.commit()
    assert client.get(dashboard, follow_redirects=False).status_code == 303
