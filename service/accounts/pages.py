"""Page sign-in (`/signin`, `/signout`) and who a page request comes from.

Sign-in takes a bearer token in a form and keeps it in the HttpOnly, SameSite=Lax cookie
`techan_token`. The cookie is marked Secure when the request arrived over https (uvicorn trusts
X-Forwarded-Proto from its forwarded-allow-ips, 127.0.0.1 by default, so a TLS proxy in front
counts); on plain http://127.0.0.1 (`make run`) it is not, or the browser would never send it back.

Where a signed-in user lands is the pages' business, not the accounts': the app passes it in
(`signin_pages(landing=...)`), so this module needs nothing above accounts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from service.accounts.deps import SESSION_COOKIE
from service.accounts.models import Role, User
from service.accounts.service import authenticate
from service.kit.db import SessionDep
from service.kit.errors import Unauthorized
from service.kit.pages import PageTemplates, request_language, with_shell_labels

COOKIE_MAX_AGE = 12 * 3600  # a working day; the token itself does not expire
ACCOUNT_PAGES = PageTemplates("service.accounts")
_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "sign_in_intro": "请输入运营人员的访问令牌(由 techan user create 生成)。",
        "token": "访问令牌",
        "bad_token": "令牌无效或已过期。",
    },
    "en": {
        "sign_in_intro": "Enter an operator's access token (printed by techan user create).",
        "token": "Access token",
        "bad_token": "The token is invalid or has expired.",
    },
}
Landing = Callable[[Session, User], str]


def page_user(request: Request, session: Session) -> User | None:
    """Whoever the cookie (or a bearer header) names; None when absent or no longer valid."""
    header = request.headers.get("authorization", "")
    token = header[7:] if header.lower().startswith("bearer ") else ""
    return user_of_token(session, token or request.cookies.get(SESSION_COOKIE, ""))


def user_of_token(session: Session, token: str) -> User | None:
    """The user a token belongs to, or None."""
    if not token:
        return None
    try:
        return authenticate(session, token)
    except Unauthorized:
        return None


def safe_next(target: str) -> str | None:
    """TARGET if it is a path on this site (never another host: no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def signin_pages(*, landing: Landing) -> APIRouter:
    """The sign-in and sign-out pages; LANDING says where a signed-in user goes by default."""
    router = APIRouter(include_in_schema=False)

    @router.get("/signin")
    def signin_form(
        request: Request, next_url: Annotated[str, Query(alias="next")] = ""
    ) -> HTMLResponse:
        """The sign-in form."""
        t = with_shell_labels(_LABELS, request_language(request))
        return HTMLResponse(ACCOUNT_PAGES.render("signin.html", t=t, next=next_url, error=None))

    @router.post("/signin")
    def signin(
        request: Request,
        session: SessionDep,
        token: Annotated[str, Form()],
        next_url: Annotated[str, Form(alias="next")] = "",
    ) -> Response:
        """Check the token, keep it in the session cookie, go to the page asked for (or home)."""
        t = with_shell_labels(_LABELS, request_language(request))
        token = token.strip()
        user = user_of_token(session, token)
        if user is None:
            html = ACCOUNT_PAGES.render("signin.html", t=t, next=next_url, error=t["bad_token"])
            return HTMLResponse(html, status_code=401)
        if user.role not in (Role.operator, Role.admin):
            return ACCOUNT_PAGES.error_page(
                t=t, status=403, heading=t["forbidden"], message=t["forbidden_text"]
            )
        response = RedirectResponse(safe_next(next_url) or landing(session, user), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            max_age=COOKIE_MAX_AGE,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/signout")
    def signout() -> RedirectResponse:
        """Forget the session cookie."""
        response = RedirectResponse("/signin", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    return router
