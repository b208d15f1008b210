"""The operator's dashboard (`/parks/{code}/dashboard`) and its cookie sign-in (`/signin`).

Sign-in takes a bearer token in a form and keeps it in the HttpOnly, SameSite=Lax cookie
`techan_token`. The cookie is marked Secure when the request arrived over https (uvicorn trusts
X-Forwarded-Proto from its forwarded-allow-ips, 127.0.0.1 by default, so a TLS proxy in front
counts); on plain http://127.0.0.1 (`make run`) it is not, or the browser would never send it back.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from service.accounts.deps import SESSION_COOKIE
from service.accounts.models import Role, User
from service.accounts.service import authenticate
from service.catalog.models import Park, by_code
from service.catalog.storefront import list_categories
from service.kit.db import SessionDep
from service.kit.errors import BadRequest, Forbidden, ServiceError, Unauthorized
from service.reports.access import ensure_may_read_park_report
from service.reports.dashboard_view import CatalogNames, dashboard_view
from service.reports.export import catalog_names, render_page
from service.reports.i18n import category_label, labels, pick_language, place_name
from service.reports.service import demand_report_for_park, suggestions_for_park

page_router = APIRouter(include_in_schema=False)
COOKIE_MAX_AGE = 12 * 3600  # a working day; the token itself does not expire


def request_language(request: Request) -> str:
    """zh or en, from the browser's Accept-Language."""
    return pick_language(request.headers.get("accept-language"))


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


def error_page(request: Request, *, status: int, heading: str, message: str) -> HTMLResponse:
    """An HTML error page with STATUS, in the browser's language."""
    t = labels(request_language(request))
    html = render_page("error.html", t=t, status=status, heading=heading, message=message)
    return HTMLResponse(html, status_code=status)


@page_router.get("/signin")
def signin_form(
    request: Request, next_url: Annotated[str, Query(alias="next")] = ""
) -> HTMLResponse:
    """The sign-in form."""
    t = labels(request_language(request))
    return HTMLResponse(render_page("signin.html", t=t, next=next_url, error=None))


@page_router.post("/signin")
def signin(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form()],
    next_url: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """Check the token, keep it in the session cookie, go to the page asked for (or the park's)."""
    t = labels(request_language(request))
    token = token.strip()
    user = user_of_token(session, token)
    if user is None:
        html = render_page("signin.html", t=t, next=next_url, error=t["bad_token"])
        return HTMLResponse(html, status_code=401)
    if user.role not in (Role.operator, Role.admin):
        return error_page(request, status=403, heading=t["forbidden"], message=t["forbidden_text"])
    response = RedirectResponse(safe_next(next_url) or home_of(session, user), status_code=303)
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


@page_router.post("/signout")
def signout() -> RedirectResponse:
    """Forget the session cookie."""
    response = RedirectResponse("/signin", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def safe_next(target: str) -> str | None:
    """TARGET if it is a path on this site (never another host: no open redirect)."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def home_of(session: Session, user: User) -> str:
    """Where a signed-in user lands: an operator's park, for an admin the first park by code."""
    if user.park_id:
        park = session.get(Park, user.park_id)
    else:
        park = session.exec(select(Park).order_by(col(Park.code))).first()
    return f"/parks/{park.code}/dashboard" if park else "/signin"


@page_router.get("/parks/{code}/dashboard")
def dashboard(
    request: Request,
    code: str,
    session: SessionDep,
    since: str = "",
    until: str = "",
    category: str = "",
    city: str = "",
) -> Response:
    """The park's demand report as charts, filtered by date range, category and city."""
    lang = request_language(request)
    t = labels(lang)
    user = page_user(request, session)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        response = RedirectResponse(f"/signin?next={quote(target, safe='')}", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    park = by_code(session, Park, code)
    if park is None:
        return error_page(request, status=404, heading=t["not_found"], message=code)
    try:
        ensure_may_read_park_report(user, park)
    except Forbidden:
        return error_page(request, status=403, heading=t["forbidden"], message=t["forbidden_text"])
    try:
        filters = {
            "since": parse_day(since, "since"),
            "until": parse_day(until, "until"),
            "category": category.strip() or None,
            "city": city.strip() or None,
        }
        html = render_dashboard(session, park=park, user=user, filters=filters, lang=lang)
    except ServiceError as exc:
        heading = t["bad_request"] if exc.status < 500 else exc.code
        return error_page(request, status=exc.status, heading=heading, message=exc.message)
    return HTMLResponse(html)


def parse_day(value: str, name: str) -> date | None:
    """A YYYY-MM-DD filter value; empty means no bound."""
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise BadRequest(f"{name} must be a date YYYY-MM-DD, not {value!r}") from exc


def render_dashboard(
    session: Session, *, park: Park, user: User, filters: dict[str, Any], lang: str
) -> str:
    """The dashboard page of PARK for USER with FILTERS applied."""
    report = demand_report_for_park(session, park_code=park.code, **filters)
    unfiltered = (
        report
        if not any(filters.values())
        else demand_report_for_park(session, park_code=park.code, since=None, until=None)
    )
    names = catalog_names(session)
    park_info = {"code": park.code, "name": park.name}
    suggestions = suggestions_for_park(session, park_code=park.code)
    view = dashboard_view(report, park=park_info, suggestions=suggestions, lang=lang, names=names)
    page = {
        "user": user.name,
        "filters": {k: (v.isoformat() if isinstance(v, date) else v) for k, v in filters.items()},
        "category_options": category_options(session, unfiltered, names, lang),
        "city_options": city_options(unfiltered, chosen=filters["city"], lang=lang),
        "reset_url": f"/parks/{park.code}/dashboard",
    }
    return render_page("dashboard.html", page=page, generated=None, **view)


def category_options(
    session: Session, report: dict[str, Any], names: CatalogNames, lang: str
) -> list[tuple[str, str]]:
    """The categories the park sells, each under its parent (a parent selects its whole tree)."""
    sold = {row["category"] for row in report["sales_by_category"]}
    tree = list_categories(session)
    parent_of = {c.code: c.parent for c in tree}
    shown = set(sold) | {parent_of[c] for c in sold if parent_of.get(c)}
    options: list[tuple[str, str]] = []
    for top in (c for c in tree if c.parent is None and c.code in shown):
        options.append((top.code, category_label(top.code, names.categories, lang)))
        for child in (c for c in tree if c.parent == top.code and c.code in shown):
            options.append(
                (child.code, "\u3000" + category_label(child.code, names.categories, lang))
            )
    listed = {code for code, _ in options}
    options += [(c, category_label(c, names.categories, lang)) for c in sorted(sold - listed)]
    return options


def city_options(report: dict[str, Any], *, chosen: str | None, lang: str) -> list[tuple[str, str]]:
    """The cities the park sells to, biggest first, and the chosen one even if it bought nothing."""
    cities = [row["city"] for row in sorted(report["sales_by_city"], key=lambda r: -r["units"])]
    if chosen and chosen not in cities:
        cities.append(chosen)
    return [(city, place_name(city, lang)) for city in cities]
