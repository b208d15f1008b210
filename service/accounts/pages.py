"""Page sign-in (`/signin`, `/signout`, `/invite/{token}`) and who a page request comes from.

Pages sign in with a login and password into a server-side page session
(`service.accounts.sessions`): the HttpOnly, SameSite=Lax cookie `techan_session` holds only a
random id. It is marked Secure when the request arrived over https (uvicorn trusts
X-Forwarded-Proto from its forwarded-allow-ips, 127.0.0.1 by default, so a TLS proxy in front
counts); on plain http://127.0.0.1 (`make run`) it is not, or the browser would never send it back.
The cookie never authenticates `/api/v1` (bearer tokens only, `service.accounts.deps`).

Every form post is checked against cross-site forgery (`service.kit.csrf`): its Origin must be
this site, and a signed-in form carries its session's CSRF token.

Where a signed-in user lands is the pages' business, not the accounts': the app passes it in
(`signin_pages(landing=...)`), so this module needs nothing above accounts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Engine, update
from sqlmodel import Session, col

from service.accounts.invites import accept_invite, find_open_invite
from service.accounts.models import Role, User
from service.accounts.rate_limits import rate_limited
from service.accounts.session_models import PageSession
from service.accounts.sessions import (
    PAGE_SESSION_COOKIE,
    TOUCH_INTERVAL,
    SessionPolicy,
    check_password_login,
    end_session_server_side,
    resume_session,
    session_cookie_options,
    start_session,
)
from service.kit.csrf import CsrfRejected, check_form_post, csrf_token_matches, origin_is_own
from service.kit.db import SessionDep, session_scope, utcnow
from service.kit.errors import ServiceError
from service.kit.pages import PageTemplates, request_language, with_shell_labels

ACCOUNT_PAGES = PageTemplates("service.accounts")
# The invite form has no page session yet: its token is a random value kept in this short-lived
# cookie and repeated in the form (double submit), beside the Origin check.
INVITE_FORM_COOKIE = "techan_invite_form"
INVITE_FORM_MAX_AGE = 3600
PAGE_ROLES = (Role.operator.value, Role.admin.value)
_LABELS: dict[str, dict[str, str]] = {
    "zh": {
        "sign_in_intro": "运营人员请用登录名和密码登录。",
        "login": "登录名",
        "password": "密码",
        "bad_login": "登录名或密码不正确。",
        "invite": "设置登录名和密码",
        "invite_intro": "请设置您的登录名和密码(密码至少 10 个字符)。此链接只能使用一次。",
        "invite_invalid": "此邀请链接无效、已使用或已过期。",
        "invite_done": "账号已创建",
        "invite_done_text": "您的登录名和密码已设置。",
        "set_password": "创建账号",
    },
    "en": {
        "sign_in_intro": "Operators sign in with their login and password.",
        "login": "Login",
        "password": "Password",
        "bad_login": "Wrong login or password.",
        "invite": "Set your login and password",
        "invite_intro": "Choose a login and a password (10 characters at least). "
        "This link works once.",
        "invite_invalid": "This invite link is unknown, used or expired.",
        "invite_done": "Account created",
        "invite_done_text": "Your login and password are set.",
        "set_password": "Create account",
    },
}
Landing = Callable[[Session, User], str]


@dataclass(frozen=True)
class SignedIn:
    """A page request's signed-in user and the page session it came with."""

    user: User
    page: PageSession

    @property
    def csrf_token(self) -> str:
        """The token every state-changing form of this session must carry back."""
        return self.page.csrf_token


def session_policy(request: Request) -> SessionPolicy:
    """The page-session policy the app built at start-up."""
    policy: SessionPolicy = request.app.state.session_policy
    return policy


def signed_in(request: Request, session: Session) -> SignedIn | None:
    """The live page session of the request's cookie, or None (absent, ended or expired).

    The request's own transaction may be read-only (a GET on SQLite), so the session is
    resumed without a write and its idle clock restarted in a short transaction of its own,
    at most once a minute.
    """
    cookie = request.cookies.get(PAGE_SESSION_COOKIE, "")
    if not cookie:
        return None
    now = utcnow()
    page = resume_session(session, cookie, now=now, policy=session_policy(request), touch=False)
    if page is None:
        return None
    user = session.get(User, page.user_id)
    if user is None:
        return None
    if now - page.last_seen_at >= TOUCH_INTERVAL:
        touch_page_session(request.app.state.engine, page, now=now)
    return SignedIn(user=user, page=page)


def touch_page_session(engine: Engine, page: PageSession, *, now: datetime) -> None:
    """Restart PAGE's idle clock in a transaction of its own."""
    with session_scope(engine) as writer:
        writer.execute(
            update(PageSession)
            .where(col(PageSession.id) == page.id)
            .where(col(PageSession.last_seen_at) < now)
            .values(last_seen_at=now)
        )


def page_signed_in(request: Request, session: SessionDep) -> SignedIn | None:
    """Dependency: the signed-in page user, or None (the page decides where to send them)."""
    return signed_in(request, session)


PageUser = Annotated[SignedIn | None, Depends(page_signed_in)]


def safe_next(target: str) -> str | None:
    """TARGET if it is a path on this site (never another host: no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def forget_session_cookie(response: Response) -> Response:
    """RESPONSE, telling the browser to drop the page session cookie."""
    response.delete_cookie(PAGE_SESSION_COOKIE, path="/")
    return response


def _labels(request: Request) -> dict[str, str]:
    return with_shell_labels(_LABELS, request_language(request))


def _error(request: Request, exc: ServiceError) -> HTMLResponse:
    t = _labels(request)
    heading = t["forbidden"] if exc.status == 403 else t["bad_request"]
    return ACCOUNT_PAGES.error_page(t=t, status=exc.status, heading=heading, message=exc.message)


def _signed_in_response(
    request: Request, session: Session, user: User, target: str
) -> RedirectResponse:
    """Open a page session for USER and go to TARGET with its cookie set."""
    cookie, _ = start_session(session, user, now=utcnow())
    response = RedirectResponse(target, status_code=303)
    options = session_cookie_options(session_policy(request), secure=request.url.scheme == "https")
    response.set_cookie(PAGE_SESSION_COOKIE, cookie, **options)
    return response


def signin_pages(*, landing: Landing) -> APIRouter:
    """The sign-in, sign-out and invite pages; LANDING says where a signed-in user goes."""
    router = APIRouter(include_in_schema=False)

    @router.get("/signin")
    def signin_form(
        request: Request, next_url: Annotated[str, Query(alias="next")] = ""
    ) -> HTMLResponse:
        """The sign-in form."""
        t = _labels(request)
        return HTMLResponse(ACCOUNT_PAGES.render("signin.html", t=t, next=next_url, error=None))

    @router.post("/signin", dependencies=[Depends(rate_limited("signin", "rate_signin"))])
    def signin(
        request: Request,
        session: SessionDep,
        login: Annotated[str, Form(max_length=256)],
        password: Annotated[str, Form(max_length=1024)],
        next_url: Annotated[str, Form(alias="next", max_length=2048)] = "",
    ) -> Response:
        """Check the login and password, open a page session, go to the page asked for."""
        t = _labels(request)
        if not origin_is_own(request):  # no one signs a browser in from another site
            return _error(request, CsrfRejected("this form was not posted from techan's page"))
        try:
            user = check_password_login(session, login, password)
        except ServiceError:
            html = ACCOUNT_PAGES.render("signin.html", t=t, next=next_url, error=t["bad_login"])
            return HTMLResponse(html, status_code=401)
        if user.role not in PAGE_ROLES:
            return ACCOUNT_PAGES.error_page(
                t=t, status=403, heading=t["forbidden"], message=t["forbidden_text"]
            )
        return _signed_in_response(
            request, session, user, safe_next(next_url) or landing(session, user)
        )

    @router.post("/signout")
    def signout(
        request: Request,
        session: SessionDep,
        csrf: Annotated[str, Form(max_length=256)] = "",
    ) -> Response:
        """End the page session on the server and forget its cookie."""
        page = signed_in(request, session)
        try:
            if page is None:  # nothing to end; still refuse another site's post
                if not origin_is_own(request):
                    raise CsrfRejected("this form was not posted from techan's own page")
            else:
                check_form_post(request, expected_token=page.csrf_token, presented_token=csrf)
                cookie = request.cookies.get(PAGE_SESSION_COOKIE, "")
                end_session_server_side(session, cookie, now=utcnow())
        except CsrfRejected as exc:
            return _error(request, exc)
        return forget_session_cookie(RedirectResponse("/signin", status_code=303))

    @router.get("/invite/{token}")
    def invite_form(request: Request, token: str, session: SessionDep) -> Response:
        """The set-login-and-password form of an open invite."""
        t = _labels(request)
        if find_open_invite(session, token, now=utcnow()) is None:
            return ACCOUNT_PAGES.error_page(
                t=t, status=404, heading=t["not_found"], message=t["invite_invalid"]
            )
        form_token = secrets.token_urlsafe(32)
        html = ACCOUNT_PAGES.render("invite.html", t=t, token=token, csrf=form_token, error=None)
        response = HTMLResponse(html)
        response.set_cookie(
            INVITE_FORM_COOKIE,
            form_token,
            max_age=INVITE_FORM_MAX_AGE,
            path="/invite/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @router.post("/invite/{token}")
    def invite_accept(
        request: Request,
        token: str,
        session: SessionDep,
        login: Annotated[str, Form(max_length=256)],
        password: Annotated[str, Form(max_length=1024)],
        csrf: Annotated[str, Form(max_length=256)] = "",
    ) -> Response:
        """Use the invite: create the account with this login and password, once only."""
        t = _labels(request)
        if not origin_is_own(request) or not csrf_token_matches(
            request.cookies.get(INVITE_FORM_COOKIE, ""), csrf
        ):
            return _error(request, CsrfRejected("this form was not posted from techan's page"))
        try:
            user = accept_invite(session, token=token, login=login, password=password, now=utcnow())
        except ServiceError as exc:
            if exc.status == 404:
                return ACCOUNT_PAGES.error_page(
                    t=t, status=404, heading=t["not_found"], message=t["invite_invalid"]
                )
            html = ACCOUNT_PAGES.render(
                "invite.html", t=t, token=token, csrf=csrf, error=exc.message
            )
            return HTMLResponse(html, status_code=exc.status)
        if user.role in PAGE_ROLES:
            response: Response = _signed_in_response(request, session, user, landing(session, user))
        else:  # a producer's pages are still to come: the account is ready for them
            html = ACCOUNT_PAGES.render("invite_done.html", t=t, login=user.login)
            response = HTMLResponse(html)
        response.delete_cookie(INVITE_FORM_COOKIE, path="/invite/")
        return response

    return router
