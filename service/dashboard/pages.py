"""The operator's dashboard (`/parks/{code}/dashboard`); sign-in is `accounts.pages`."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from service.accounts.deps import SESSION_COOKIE
from service.accounts.models import User
from service.accounts.pages import page_user
from service.analytics.models import AnalyticsNotReady
from service.catalog.models import Park
from service.catalog.storefront import list_categories
from service.kit.db import SessionDep
from service.kit.errors import BadRequest, Forbidden, ServiceError
from service.kit.lookup import find
from service.kit.pages import request_language
from service.reports.access import ensure_may_read_park_report
from service.reports.dashboard_view import CatalogNames, dashboard_view
from service.reports.export import REPORT_PAGES, catalog_names
from service.reports.i18n import category_label, labels, place_name
from service.reports.service import demand_report_for_park, suggestions_for_park

page_router = APIRouter(include_in_schema=False)


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
    park = find(session, Park, code)
    if park is None:
        return REPORT_PAGES.error_page(t=t, status=404, heading=t["not_found"], message=code)
    try:
        ensure_may_read_park_report(user, park)
    except Forbidden:
        return REPORT_PAGES.error_page(
            t=t, status=403, heading=t["forbidden"], message=t["forbidden_text"]
        )
    try:
        filters = {
            "since": parse_day(since, "since"),
            "until": parse_day(until, "until"),
            "category": category.strip() or None,
            "city": city.strip() or None,
        }
        html = render_dashboard(session, park=park, user=user, filters=filters, lang=lang)
    except AnalyticsNotReady as exc:
        return REPORT_PAGES.error_page(
            t=t, status=exc.status, heading=t["not_ready"], message=t["not_ready_text"]
        )
    except ServiceError as exc:
        heading = t["bad_request"] if exc.status < 500 else exc.code
        return REPORT_PAGES.error_page(t=t, status=exc.status, heading=heading, message=exc.message)
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
    return REPORT_PAGES.render("dashboard.html", page=page, generated=None, **view)


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
