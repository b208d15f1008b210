"""The dashboard over HTTP: password sign-in, who may read it, filters, languages."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from service.accounts.models import Role
from service.accounts.sessions import PAGE_SESSION_COOKIE, start_session
from service.analytics.refresh import run_refresh
from service.catalog.models import Park
from service.history.csv_format import ORDER_COLUMNS
from service.history.orders_import import import_orders_file
from service.kit.db import utcnow
from tests.factories import (
    make_category,
    make_park,
    make_producer,
    make_product,
    make_region,
    make_user,
    make_variant,
)
from tests.service.accounts.signin import (
    EVIL_ORIGIN,
    OWN_ORIGIN,
    PASSWORD,
    csrf_of,
    give_login,
    sign_in,
)
from tests.service.reports.test_export import CHARTS, charts_in

WEEKS = 16
# (city, sku index, units per week): Shanghai buys both SKUs, Chengdu only the citrus.
PATTERN = (("上海", 0, 3), ("上海", 1, 2), ("成都", 0, 5))


@dataclass
class ParkWithSales:
    park: Park
    operator_login: str
    units_by_city: dict[str, int]
    units_by_category: dict[str, int]


def arrange_park_with_sales(session: Session, engine: Engine, tmp_path: Path) -> ParkWithSales:
    """A park selling citrus and honey to Shanghai and Chengdu for WEEKS weeks (an orders file)."""
    park = make_park(session)
    region = make_region(session, park=park)
    producer = make_producer(session, region=region, code="meishan-coop", name="眉山合作社")
    fruit = make_category(session, code="fruit", name="水果")
    citrus = make_category(session, parent=fruit, code="citrus", name="柑橘")
    honey = make_category(session, code="honey", name="蜂蜜")
    skus, categories = [], ["citrus", "honey"]
    for category, title in ((citrus, "眉山春见耙耙柑"), (honey, "梧州龙眼蜜")):
        product = make_product(session, producer=producer, category=category, title=title)
        skus.append(make_variant(session, product=product).sku)
    operator, _ = make_user(session, Role.operator, park=park)
    login = give_login(session, operator)
    monday = datetime.now(UTC).date() - timedelta(days=datetime.now(UTC).weekday())
    path = tmp_path / "orders.csv"
    units_by_city: dict[str, int] = {}
    units_by_category: dict[str, int] = {}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ORDER_COLUMNS)
        for week in range(WEEKS):
            day = monday - timedelta(weeks=WEEKS - week, days=-2)
            for n, (city, sku_index, units) in enumerate(PATTERN):
                quantity = units + week % 3
                writer.writerow(
                    [
                        f"o{week}-{n}",
                        f"{day.isoformat()}T10:00:00+00:00",
                        f"s-{city}",
                        city,
                        skus[sku_index],
                        quantity,
                        5000,
                    ]
                )
                units_by_city[city] = units_by_city.get(city, 0) + quantity
                code = categories[sku_index]
                units_by_category[code] = units_by_category.get(code, 0) + quantity
    import_orders_file(path, engine=engine)
    run_refresh(engine, train_reco=False)
    return ParkWithSales(park, login, units_by_city, units_by_category)


@pytest.fixture
def sales(session: Session, engine: Engine, tmp_path: Path) -> ParkWithSales:
    return arrange_park_with_sales(session, engine, tmp_path)


def dashboard_url(park: Park, query: str = "") -> str:
    return f"/parks/{park.code}/dashboard" + (f"?{query}" if query else "")


def kpi_units(html: str) -> int:
    match = re.search(r'data-kpi="1">([\d,]+)<', html)
    assert match, "the units KPI is missing"
    return int(match.group(1).replace(",", ""))


def test_signin_keeps_a_page_session_in_an_httponly_cookie(
    client: TestClient, sales: ParkWithSales
) -> None:
    form = client.get("/signin").text
    assert 'name="login"' in form and 'name="password"' in form and 'method="post"' in form
    resp = sign_in(client, sales.operator_login)
    assert resp.status_code == 303
    assert resp.headers["location"] == dashboard_url(sales.park)
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith(f"{PAGE_SESSION_COOKIE}=ps_")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http (make run on 127.0.0.1) must still get it back
    secure = client.post(
        "https://testserver/signin",
        data={"login": sales.operator_login, "password": PASSWORD},
        headers={"Origin": "https://testserver"},
        follow_redirects=False,
    )
    assert "Secure" in secure.headers["set-cookie"]


def test_signin_refuses_a_bad_password_and_goes_back_only_to_this_site(
    client: TestClient, sales: ParkWithSales
) -> None:
    bad = sign_in(client, sales.operator_login, "not the password")
    assert bad.status_code == 401 and 'name="login"' in bad.text
    assert PAGE_SESSION_COOKIE not in bad.headers.get("set-cookie", "")
    unknown = sign_in(client, "nobody-at-all")
    assert unknown.status_code == 401
    away = sign_in(client, sales.operator_login, next_url="//evil.example/x")
    assert away.headers["location"] == dashboard_url(sales.park)
    back = sign_in(client, sales.operator_login, next_url=dashboard_url(sales.park, "city=成都"))
    assert unquote(back.headers["location"]) == dashboard_url(sales.park, "city=成都")


def test_signin_from_another_site_is_refused(client: TestClient, sales: ParkWithSales) -> None:
    data = {"login": sales.operator_login, "password": PASSWORD}
    forged = client.post("/signin", data=data, headers=EVIL_ORIGIN, follow_redirects=False)
    assert forged.status_code == 403
    assert PAGE_SESSION_COOKIE not in forged.headers.get("set-cookie", "")


def test_without_sign_in_the_dashboard_sends_to_the_form(
    client: TestClient, sales: ParkWithSales
) -> None:
    resp = client.get(dashboard_url(sales.park, "city=x"), follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == (
        f"/signin?next=%2Fparks%2F{sales.park.code}%2Fdashboard%3Fcity%3Dx"
    )
    client.cookies.set(PAGE_SESSION_COOKIE, "ps_expired-or-forged")
    assert client.get(dashboard_url(sales.park), follow_redirects=False).status_code == 303


def test_the_operator_of_the_park_sees_every_chart(
    client: TestClient, sales: ParkWithSales
) -> None:
    sign_in(client, sales.operator_login)
    resp = client.get(dashboard_url(sales.park))
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    html = resp.text
    drawn = charts_in(html).marks
    assert {"weekly-demand", "sales-by-category", "sales-by-city", "top-products"} <= set(drawn)
    assert set(drawn) <= set(CHARTS)
    assert all(count > 0 for count in drawn.values())
    assert kpi_units(html) == sum(sales.units_by_city.values())
    assert "眉山春见耙耙柑" in html and "上海" in html and "成都" in html
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize("role", ["other_operator", "producer", "shopper"])
def test_others_are_refused(
    client: TestClient, session: Session, sales: ParkWithSales, role: str
) -> None:
    if role == "other_operator":
        user, _ = make_user(session, Role.operator, park=make_park(session))
    elif role == "producer":
        user, _ = make_user(session, Role.producer, producer=make_producer(session))
    else:
        user, _ = make_user(session, Role.shopper)
    signin = sign_in(client, give_login(session, user))
    assert signin.status_code == (303 if role == "other_operator" else 403)
    # Even with a page session (which sign-in never gives them), the page is not theirs.
    cookie, _ = start_session(session, user, now=utcnow())
    session.commit()
    client.cookies.set(PAGE_SESSION_COOKIE, cookie)
    resp = client.get(dashboard_url(sales.park))
    assert resp.status_code == 403
    assert resp.headers["content-type"].startswith("text/html")
    assert "data-chart" not in resp.text


def test_an_admin_may_read_any_park_and_an_unknown_park_is_404(
    client: TestClient, session: Session, sales: ParkWithSales
) -> None:
    admin, _ = make_user(session, Role.admin)
    signin = sign_in(client, give_login(session, admin))
    assert signin.headers["location"] == dashboard_url(sales.park)  # the only park there is
    assert client.get(dashboard_url(sales.park)).status_code == 200
    assert client.get("/parks/no-such-park/dashboard").status_code == 404


def test_filters_change_the_numbers(client: TestClient, sales: ParkWithSales) -> None:
    sign_in(client, sales.operator_login)
    everything = client.get(dashboard_url(sales.park)).text
    chengdu = client.get(dashboard_url(sales.park, "since=&until=&category=&city=成都")).text
    assert kpi_units(chengdu) == sales.units_by_city["成都"] < kpi_units(everything)
    assert len(charts_in(chengdu).bar_widths["sales-by-city"]) == 1
    assert 'value="成都" selected' in chengdu and 'value="上海"' in chengdu
    honey = client.get(dashboard_url(sales.park, "category=honey")).text
    assert kpi_units(honey) == sales.units_by_category["honey"]
    assert len(charts_in(honey).bar_widths["sales-by-category"]) == 1
    fruit = client.get(dashboard_url(sales.park, "category=fruit")).text  # a parent: its tree
    assert kpi_units(fruit) == sales.units_by_category["citrus"]
    late = client.get(dashboard_url(sales.park, f"since={datetime.now(UTC).date()}")).text
    assert kpi_units(late) == 0 and "没有数据" in late


def test_bad_filters_are_an_html_error(client: TestClient, sales: ParkWithSales) -> None:
    sign_in(client, sales.operator_login)
    bad_date = client.get(dashboard_url(sales.park, "since=yesterday"))
    assert bad_date.status_code == 400 and "since" in bad_date.text
    backwards = client.get(dashboard_url(sales.park, "since=2026-02-01&until=2026-01-01"))
    assert backwards.status_code == 422
    unknown = client.get(dashboard_url(sales.park, "category=nothing"))
    assert unknown.status_code == 422 and "<html" in unknown.text


def test_labels_follow_accept_language(client: TestClient, sales: ParkWithSales) -> None:
    sign_in(client, sales.operator_login)
    zh = client.get(dashboard_url(sales.park)).text
    en = client.get(dashboard_url(sales.park), headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert "需求报告" in zh and "Demand report" not in zh
    assert "Demand report" in en and "Shanghai" in en and "Citrus" in en


def test_signout_ends_the_session_on_the_server(client: TestClient, sales: ParkWithSales) -> None:
    sign_in(client, sales.operator_login)
    old_cookie = client.cookies[PAGE_SESSION_COOKIE]
    csrf = csrf_of(client.get(dashboard_url(sales.park)).text)
    resp = client.post(
        "/signout", data={"csrf": csrf}, headers=OWN_ORIGIN, follow_redirects=False
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/signin"
    assert f'{PAGE_SESSION_COOKIE}=""' in resp.headers["set-cookie"]
    assert client.get(dashboard_url(sales.park), follow_redirects=False).status_code == 303
    # A copy of the old cookie (stolen, or kept by a careless browser) opens nothing either.
    client.cookies.set(PAGE_SESSION_COOKIE, old_cookie)
    assert client.get(dashboard_url(sales.park), follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    ("headers", "with_token"),
    [(EVIL_ORIGIN, True), ({"Origin": "null"}, True), ({}, True), (OWN_ORIGIN, False)],
    ids=["other-site", "opaque-origin", "no-origin", "no-token"],
)
def test_a_forged_signout_is_refused_and_the_session_lives_on(
    client: TestClient, sales: ParkWithSales, headers: dict[str, str], with_token: bool
) -> None:
    sign_in(client, sales.operator_login)
    csrf = csrf_of(client.get(dashboard_url(sales.park)).text)
    data = {"csrf": csrf} if with_token else {}
    resp = client.post("/signout", data=data, headers=headers, follow_redirects=False)
    assert resp.status_code == 403 and "set-cookie" not in resp.headers
    assert client.get(dashboard_url(sales.park)).status_code == 200


def test_before_any_refresh_the_page_says_how_to_make_the_report(
    client: TestClient, session: Session
) -> None:
    park = make_park(session)
    operator, _ = make_user(session, Role.operator, park=park)
    sign_in(client, give_login(session, operator))
    resp = client.get(dashboard_url(park))
    assert resp.status_code == 409 and resp.headers["content-type"].startswith("text/html")
    assert "techan analytics refresh" in resp.text and "data-chart" not in resp.text
