"""Signing a test client in through the pages, as a browser does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session

from service.accounts.models import User
from service.accounts.sessions import set_password

PASSWORD = "correct horse battery"
OWN_ORIGIN = {"Origin": "http://testserver"}
EVIL_ORIGIN = {"Origin": "https://evil.example"}


def give_login(session: Session, user: User, password: str = PASSWORD) -> str:
    """Give USER a login (its name, lower-cased) and PASSWORD; the login."""
    user.login = user.name.lower()
    set_password(session, user, password)
    session.commit()
    return user.login


def sign_in(
    client: TestClient, login: str, password: str = PASSWORD, *, next_url: str = ""
) -> Response:
    """Post the sign-in form from techan's own page (the redirect is not followed)."""
    data = {"login": login, "password": password, "next": next_url}
    return client.post("/signin", data=data, headers=OWN_ORIGIN, follow_redirects=False)


def csrf_of(html: str) -> str:
    """The CSRF token in a page's form."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)
