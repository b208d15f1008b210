"""`techan user create|invite|list|revoke|token` through Typer's CliRunner."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select
from typer.testing import CliRunner

from service.accounts.models import User
from service.accounts.sessions import PAGE_SESSION_COOKIE
from service.cli import app as cli
from tests.factories import auth, make_park, make_producer
from tests.service.accounts.signin import PASSWORD, sign_in


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.output


def test_an_operator_made_with_a_password_signs_in(client: TestClient, session: Session) -> None:
    park = make_park(session)
    code, out = run(
        "user", "create", "--role", "operator", "--park", park.code, "--name", "Wang-Ops",
        "--password-stdin", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert code == 0, out
    assert "signs in as 'wang-ops'" in out
    token = out.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers=auth(token)).json()["park"] == park.code
    resp = sign_in(client, "wang-ops")
    assert resp.status_code == 303 and resp.headers["location"] == f"/parks/{park.code}/dashboard"


def test_create_refuses_a_short_password_or_a_taken_login(session: Session) -> None:
    park = make_park(session)
    args = ("user", "create", "--role", "operator", "--park", park.code, "--name", "li-ops")
    code, out = run(*args, "--password-stdin", stdin="short\n")
    assert code == 1 and "at least 10" in out
    assert session.exec(select(User).where(User.name == "li-ops")).first() is None
    assert run(*args, "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    code, out = run(*args, "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 1 and "taken" in out


def test_invite_prints_a_link_that_works_once(client: TestClient, session: Session) -> None:
    producer = make_producer(session)
    code, out = run(
        "user", "invite", "--role", "producer", "--producer", producer.code,
        "--base-url", "https://techan.example/",
    )  # fmt: skip
    assert code == 0, out
    link = out.strip().splitlines()[-1]
    match = re.fullmatch(r"https://techan\.example(/invite/inv_[\w-]+)", link)
    assert match, link
    assert client.get(match.group(1)).status_code == 200
    code, out = run("user", "invite", "--role", "operator")
    assert code == 1 and "--park" in out
    code, out = run("user", "invite", "--role", "shopper")
    assert code == 1 and "producer and operator" in out


def test_list_shows_every_user_with_its_place(session: Session) -> None:
    park = make_park(session)
    run("user", "create", "--role", "operator", "--park", park.code, "--name", "ops-zhao",
        "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    run("user", "create", "--role", "shopper", "--name", "小林", "--city", "杭州")
    code, out = run("user", "list")
    assert code == 0, out
    lines = {line.split("│")[1].strip(): line for line in out.splitlines() if "│" in line}
    assert "name" in out and {"ops-zhao", "小林"} <= set(lines)
    assert park.code in lines["ops-zhao"] and "operator" in lines["ops-zhao"]
    assert "shopper" in lines["小林"]


def test_revoke_ends_token_and_sessions_and_token_issues_a_new_one(
    client: TestClient, session: Session
) -> None:
    park = make_park(session)
    out = run("user", "create", "--role", "operator", "--park", park.code, "--name", "ops-qian",
              "--password-stdin", stdin=PASSWORD + "\n")[1]  # fmt: skip
    old_token = out.strip().splitlines()[-1]
    sign_in(client, "ops-qian")
    dashboard = f"/parks/{park.code}/dashboard"
    assert client.get(dashboard, follow_redirects=False).status_code != 303
    cookie = client.cookies[PAGE_SESSION_COOKIE]

    code, out = run("user", "revoke", "OPS-QIAN")  # a login in any case
    assert code == 0 and "1 session(s) ended" in out, out
    assert client.get("/api/v1/me", headers=auth(old_token)).status_code == 401
    client.cookies.set(PAGE_SESSION_COOKIE, cookie)
    assert client.get(dashboard, follow_redirects=False).status_code == 303
    listed = run("user", "list")[1]
    assert re.search(r"ops-qian.*\d{4}-\d\d-\d\dT", listed), listed

    code, out = run("user", "token", "ops-qian")
    assert code == 0, out
    new_token = out.strip().splitlines()[-1]
    assert new_token != old_token
    assert client.get("/api/v1/me", headers=auth(new_token)).status_code == 200
    assert client.get("/api/v1/me", headers=auth(old_token)).status_code == 401


def test_unknown_or_ambiguous_names_fail_cleanly(session: Session) -> None:
    assert run("user", "revoke", "nobody")[0] == 1
    run("user", "create", "--role", "shopper", "--name", "twin")
    run("user", "create", "--role", "shopper", "--name", "twin")
    code, out = run("user", "token", "twin")
    assert code == 1 and "several users" in out
